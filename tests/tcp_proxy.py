"""A TCP proxy on loopback between the server and a dependency (PostgreSQL, Redis).

It counts round trips (client-to-server turns of each connection: a turn starts when the
client sends after the server last spoke, or first), and it plays the dependency's faults:
`pause()` holds every byte (a frozen server: connections stay open, nothing answers),
`down()` refuses new connections and cuts the open ones (a stopped server), `up()` and
`resume()` end them. `running_proxy(...)` serves one from a thread of its own, so that
synchronous tests and a server in another process can use it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CountingProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.turns = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        self._writers.update((client_w, server_w))
        last = {"side": "server"}

        async def pipe(reader, writer, side: str) -> None:
            try:
                while data := await reader.read(65536):
                    await self._flowing.wait()
                    if side == "client" and last["side"] != "client":
                        self.turns += 1
                    last["side"] = side
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()
                self._writers.discard(writer)

        await asyncio.gather(pipe(client_r, server_w, "client"), pipe(server_r, client_w, "server"))

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def up(self) -> None:
        if self._server is None:
            await self.start()


class ProxyThread:
    """A proxy served by an event loop in a thread of its own; its controls, thread-safe."""

    def __init__(self, proxy: CountingProxy, loop: asyncio.AbstractEventLoop) -> None:
        self.proxy = proxy
        self.loop = loop

    @property
    def port(self) -> int:
        return self.proxy.port

    @property
    def turns(self) -> int:
        return self.proxy.turns

    def pause(self) -> None:
        self.loop.call_soon_threadsafe(self.proxy.pause)

    def resume(self) -> None:
        self.loop.call_soon_threadsafe(self.proxy.resume)

    def down(self) -> None:
        asyncio.run_coroutine_threadsafe(self.proxy.down(), self.loop).result(10)

    def up(self) -> None:
        asyncio.run_coroutine_threadsafe(self.proxy.up(), self.loop).result(10)


@contextmanager
def running_proxy(target_host: str, target_port: int) -> Iterator[ProxyThread]:
    loop = asyncio.new_event_loop()
    proxy = CountingProxy(target_host, target_port)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(10)
        yield ProxyThread(proxy, loop)
    finally:
        proxy.resume()
        asyncio.run_coroutine_threadsafe(proxy.down(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
