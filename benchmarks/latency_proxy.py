"""A TCP proxy that makes a local database look like one on another host, and counts turns.

    python -m benchmarks.latency_proxy --upstream 127.0.0.1:5432 --delay-ms 1

Every chunk read from either side is forwarded `delay` seconds after it arrived (1 ms each
way is a 2 ms round trip, a managed database on another host): on average, as the proxy
corrects for its own timers' lateness (`Lateness`); the counters give the delay applied.
Each direction of each connection has its own queue and delivery task, so chunks keep their
order and the delay is latency, never throughput: a connection waiting on its reply holds up
no other connection, and a burst of chunks is delayed once, not once per chunk.

It also counts *turns*: a turn starts when the client (the server under test) sends after
having received, i.e. once per database round trip however many packets it takes. Turns
per request is the number of round trips a request costs.

Run as a process, it prints `{"port": ..., "control": ...}` on its first stdout line; the
control port answers one line per command: `stats` (a JSON object of the counters) and
`delay <ms>` (changed for chunks read from then on). `ProxyProcess` drives it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from selectors import SelectSelector

HOST = "127.0.0.1"
CHUNK = 256 * 1024
UP, DOWN = "up", "down"  # client -> upstream, upstream -> client


@dataclass
class Counters:
    connections: int = 0
    turns: int = 0
    chunks_up: int = 0
    chunks_down: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    delayed_chunks: int = 0  # chunks held back by a delay, and their total time held,
    held_seconds: float = 0.0  # so the effective delay (timer overshoot included) is known


class Lateness:
    """How late this process's timers fire, learned as they fire (a moving average).

    On a busy machine a 1 ms sleep wakes ~0.2-0.5 ms late; a calibrated pipe wakes that much
    early (never before the chunk arrived, never by more than 90 % of its delay), so the mean
    delay is the one asked. Without calibration every delay is at least the one asked.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.estimate = 0.0

    def lead(self, delay: float) -> float:
        """How much earlier than its due time a chunk delayed by `delay` should wake."""
        return min(self.estimate, 0.9 * delay) if self.enabled else 0.0

    def observe(self, late: float) -> None:
        self.estimate += (late - self.estimate) * 0.05


class DelayedPipe:
    """One direction of one connection: chunks written to `writer` at their due time, in
    arrival order."""

    def __init__(
        self, writer: asyncio.StreamWriter, counters: Counters, lateness: Lateness
    ) -> None:
        self.writer = writer
        self.counters = counters
        self.lateness = lateness
        self.loop = asyncio.get_running_loop()
        self.queue: deque[tuple[float, float, bytes | None]] = deque()
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._deliver())

    def push(self, data: bytes | None, delay: float) -> None:
        """Queue `data` (None: end of stream) for `now + delay`."""
        self.queue.append((self.loop.time() + delay, delay, data))
        self.ready.set()

    async def _deliver(self) -> None:
        while True:
            if not self.queue:
                self.ready.clear()
                await self.ready.wait()
                continue
            due, delay, data = self.queue[0]
            wake = due - self.lateness.lead(delay)
            wait = wake - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                self.lateness.observe(self.loop.time() - wake)
            self.queue.popleft()
            if delay:
                self.counters.delayed_chunks += 1
                self.counters.held_seconds += self.loop.time() - due + delay
            if data is None:
                with contextlib.suppress(OSError):
                    self.writer.write_eof()
                return
            self.writer.write(data)
            await self.writer.drain()


class LatencyProxy:
    """Listens on `HOST`, forwards to `upstream`, delays each direction by `delay_ms`."""

    def __init__(
        self, upstream: tuple[str, int], delay_ms: float = 0.0, calibrate: bool = True
    ) -> None:
        self.upstream = upstream
        self.delay = delay_ms / 1000
        self.counters = Counters()
        self.lateness = Lateness(calibrate)
        self.server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._connection, HOST, port)
        return self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        self.counters.connections += 1
        last = [DOWN]  # the direction of the last chunk seen on this connection
        to_upstream = DelayedPipe(up_writer, self.counters, self.lateness)
        to_client = DelayedPipe(client_writer, self.counters, self.lateness)
        pumps = [
            asyncio.create_task(self._pump(client_reader, to_upstream, UP, last)),
            asyncio.create_task(self._pump(up_reader, to_client, DOWN, last)),
        ]
        try:
            await asyncio.gather(*pumps, to_upstream.task, to_client.task)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for task in (*pumps, to_upstream.task, to_client.task):
                task.cancel()
            for writer in (up_writer, client_writer):
                writer.close()

    async def _pump(
        self, reader: asyncio.StreamReader, pipe: DelayedPipe, direction: str, last: list[str]
    ) -> None:
        counters = self.counters
        while data := await reader.read(CHUNK):
            if direction == UP:
                if last[0] != UP:
                    counters.turns += 1
                counters.chunks_up += 1
                counters.bytes_up += len(data)
            else:
                counters.chunks_down += 1
                counters.bytes_down += len(data)
            last[0] = direction
            pipe.push(data, self.delay)
        pipe.push(None, self.delay)

    async def control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The control port's protocol: `stats` and `delay <ms>`, one line each."""
        while line := (await reader.readline()).decode().strip():
            command, _, argument = line.partition(" ")
            if command == "stats":
                answer = json.dumps({**asdict(self.counters), "delay_ms": self.delay * 1000})
            elif command == "delay":
                self.delay = float(argument) / 1000
                answer = "ok"
            else:
                answer = f"error: unknown command {command!r}"
            writer.write(answer.encode() + b"\n")
            await writer.drain()
        writer.close()


async def serve(upstream: tuple[str, int], delay_ms: float, port: int, calibrate: bool) -> None:
    proxy = LatencyProxy(upstream, delay_ms, calibrate)
    listening = await proxy.start(port)
    control = await asyncio.start_server(proxy.control, HOST, 0)
    address = {"port": listening, "control": control.sockets[0].getsockname()[1]}
    print(json.dumps(address), flush=True)
    await asyncio.Event().wait()  # until killed


def parse_host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or HOST, int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port to forward to")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="delay each way")
    parser.add_argument("--port", type=int, default=0, help="listening port (default: any)")
    parser.add_argument(
        "--no-calibrate", action="store_true", help="never early: every delay >= the one asked"
    )
    args = parser.parse_args(argv)
    upstream = parse_host_port(args.upstream)
    # select(2) takes its timeout in microseconds; epoll, asyncio's default, in whole
    # milliseconds (rounded up), which would make every 1 ms sleep last 1-2 ms
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(SelectSelector())) as runner,
    ):
        runner.run(serve(upstream, args.delay_ms, args.port, not args.no_calibrate))


class ProxyProcess:
    """A `LatencyProxy` in its own process (it must not share a CPU-bound process's GIL),
    with its control port at hand."""

    def __init__(self, upstream: tuple[str, int], delay_ms: float = 0.0) -> None:
        command = [
            sys.executable,
            "-m",
            "benchmarks.latency_proxy",
            "--upstream",
            f"{upstream[0]}:{upstream[1]}",
            "--delay-ms",
            str(delay_ms),
        ]
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline() if self.process.stdout else ""
        if not first:
            self.stop()
            raise RuntimeError("the latency proxy did not start")
        address = json.loads(first)
        self.port: int = address["port"]
        self.control_port: int = address["control"]

    def _ask(self, command: str) -> str:
        import socket

        with socket.create_connection((HOST, self.control_port), timeout=10) as sock:
            sock.sendall(command.encode() + b"\n")
            return sock.makefile().readline().strip()

    def stats(self) -> Counters:
        values = json.loads(self._ask("stats"))
        values.pop("delay_ms")
        return Counters(**values)

    def set_delay(self, delay_ms: float) -> None:
        if self._ask(f"delay {delay_ms}") != "ok":
            raise RuntimeError("the latency proxy refused the delay")

    def stop(self) -> None:
        """Stop this proxy (and only it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


if __name__ == "__main__":
    main()
