"""What abusive requests cost a real server: seconds, worker RSS and the status answered.

`python -m benchmarks.abuse` serves the reference server with `schedulingkit serve` (one
uvicorn worker, 127.0.0.1 only) on a fresh PostgreSQL database and Redis, then sends each
case of issue 10 and prints a Markdown table: the status, the seconds until the answer, the
worker's peak RSS growth (VmHWM) and how long an unrelated `GET /team` of another team took
while the case ran (a stalled event loop shows there).

```
SCHEDULINGKIT_TEST_POSTGRES_URL=postgresql+psycopg://... SCHEDULINGKIT_TEST_REDIS_URL=redis://... \
    python -m benchmarks.abuse [CASE ...]
```

Cases that grow memory run on a server of their own, so that each peak is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HOST = "127.0.0.1"
MIB = 1024 * 1024


@dataclass
class Server:
    base: str
    pid: int
    token: str
    other_token: str
    database_url: str

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@dataclass
class Outcome:
    status: str
    seconds: float
    rss_growth_mb: float
    probe_seconds: float | None
    note: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["schedulingkit", *args], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip().splitlines()[-1].strip()


@contextmanager
def postgres_database():
    """A fresh PostgreSQL database (dropped afterwards), from SCHEDULINGKIT_TEST_POSTGRES_URL."""
    base = make_url(os.environ["SCHEDULINGKIT_TEST_POSTGRES_URL"])
    name = f"{base.database}_abuse_{secrets.token_hex(3)}"
    admin = create_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _environment(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SCHEDULINGKIT_DATABASE_URL": database_url,
        "SCHEDULINGKIT_RATE_LIMIT": "1000000/minute",
    }
    redis_url = os.environ.get("SCHEDULINGKIT_TEST_REDIS_URL")
    if redis_url:
        env["SCHEDULINGKIT_REDIS_URL"] = redis_url
    return env


def prepare(database_url: str) -> tuple[str, str]:
    """Migrate, then two teams with a token each."""
    env = _environment(database_url)
    _cli(env, "db", "upgrade")
    first = _cli(env, "team", "create", "Abuse First", "--timezone", "America/New_York")
    second = _cli(env, "team", "create", "Abuse Second")
    token = _cli(env, "token", "create", "--team", first, "--name", "abuse")
    other = _cli(env, "token", "create", "--team", second, "--name", "abuse")
    return token, other


@contextmanager
def serving(database_url: str, token: str, other: str, log: Path):
    port = _free_port()
    env = _environment(database_url)
    with log.open("ab") as output:
        process = subprocess.Popen(
            ["schedulingkit", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://{HOST}:{port}", process.pid, token, other, database_url)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited, see {log}")
            try:
                httpx.get(f"{server.base}/api/v1/team", headers=server.headers(), timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(server: Server, send: Callable[[], tuple[str, str]]) -> Outcome:
    """Run `send` (-> status, note) while another team's GET /team is sent 0.2 s in."""
    probe: list[float] = []

    def probe_team() -> None:
        time.sleep(0.2)
        started = time.perf_counter()
        try:
            httpx.get(
                f"{server.base}/api/v1/team", headers=server.headers(server.other_token), timeout=60
            )
        finally:
            probe.append(time.perf_counter() - started)

    before = server.peak_rss_mb()
    thread = threading.Thread(target=probe_team)
    thread.start()
    started = time.perf_counter()
    status, note = send()
    seconds = time.perf_counter() - started
    thread.join()
    growth = server.peak_rss_mb() - before
    return Outcome(status, seconds, growth, probe[0] if probe else None, note)


# ---------------------------------------------------------------------------------- cases


def _post(server: Server, path: str, body: object, timeout: float = 120) -> httpx.Response:
    return httpx.post(
        f"{server.base}/api/v1{path}", headers=server.headers(), json=body, timeout=timeout
    )


def _event_type(server: Server) -> int:
    suffix = secrets.token_hex(3)
    body = {
        "name": f"Abuse {suffix}",
        "slug": f"abuse-{suffix}",
        "kind": "one_on_one",
        "duration_minutes": 30,
    }
    return _post(server, "/event-types", body).json()["data"]["id"]


def _event(server: Server, starts_at: str, timezone: str, recurrence: dict | None) -> int | str:
    body = {
        "event_type_id": _event_type(server),
        "starts_at": starts_at,
        "timezone": timezone,
        "recurrence": recurrence,
    }
    answer = _post(server, "/events", body)
    if answer.status_code != 201:
        return f"{answer.status_code}"
    return answer.json()["data"]["id"]


def _store_recurrence(server: Server, event_id: int, starts_at: str, recurrence: dict) -> None:
    """Write a series straight into the database: one created before the occurrence cap."""
    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE events SET recurrence = :r, starts_at = CAST(:s AS TIMESTAMP),"
                " ends_at = CAST(:s AS TIMESTAMP) + INTERVAL '30 minutes' WHERE id = :i"
            ),
            {"r": json.dumps(recurrence), "s": starts_at, "i": event_id},
        )
    engine.dispose()


def _occurrence_page(server: Server, event_id: int, query: str) -> tuple[str, str]:
    path = f"{server.base}/api/v1/events/{event_id}/occurrences?{query}"
    answer = httpx.get(path, headers=server.headers(), timeout=120)
    meta = answer.json().get("meta", {}) if answer.status_code == 200 else {}
    return str(answer.status_code), f"total {meta.get('total')}" if meta else ""


def case_tags_quadratic(server: Server) -> tuple[str, str]:
    body = {"name": "Quadratic", "tags": ["a", *range(8000)]}
    answer = _post(server, "/clients", body)
    return str(answer.status_code), f"{len(json.dumps(body)) // 1024} KB body"


def case_exclude_dates_quadratic(server: Server) -> tuple[str, str]:
    body = {
        "event_type_id": _event_type(server),
        "starts_at": "2026-03-02T09:00:00Z",
        "recurrence": {"frequency": "daily", "exclude_dates": ["2026-03-03", *range(8000)]},
    }
    return str(_post(server, "/events", body).status_code), ""


DAILY_YEAR_2 = {
    "frequency": "daily",
    "interval": 1,
    "by_weekday": [],
    "count": None,
    "until": "9999-12-30",
    "exclude_dates": [],
}
MONTHLY_EVERY_WEEKDAY = {
    "frequency": "monthly",
    "interval": 1,
    "by_weekday": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    "count": None,
    "until": "9999-12-30",
    "exclude_dates": [],
}


def case_create_daily_year_2(server: Server) -> tuple[str, str]:
    created = _event(server, "0002-01-01T09:00:00Z", "UTC", DAILY_YEAR_2)
    return ("201" if isinstance(created, int) else created), "create"


def _stored_series(server: Server, starts_at: str, recurrence: dict) -> int:
    event_id = _event(server, "2026-03-02T09:00:00Z", "UTC", None)
    assert isinstance(event_id, int)
    _store_recurrence(server, event_id, starts_at, recurrence)
    return event_id


def case_daily_year_2_last_page(server: Server) -> tuple[str, str]:
    event_id = _stored_series(server, "0002-01-01 09:00:00", DAILY_YEAR_2)
    status, note = _occurrence_page(server, event_id, "per_page=100")
    last = 1
    if status == "200":
        total = int(note.split()[1])
        last = max(1, -(-total // 100))
    status, note = _occurrence_page(server, event_id, f"per_page=100&page={last}")
    return status, f"stored series, page {last}, {note}"


def case_monthly_every_weekday_page_1(server: Server) -> tuple[str, str]:
    event_id = _stored_series(server, "2026-03-02 09:00:00", MONTHLY_EVERY_WEEKDAY)
    status, note = _occurrence_page(server, event_id, "page=1")
    return status, f"stored series, {note}"


def case_create_monthly_every_weekday(server: Server) -> tuple[str, str]:
    created = _event(server, "2026-03-02T09:00:00Z", "UTC", MONTHLY_EVERY_WEEKDAY)
    return ("201" if isinstance(created, int) else created), "create"


def case_open_ended_far_window(server: Server) -> tuple[str, str]:
    recurrence = {**MONTHLY_EVERY_WEEKDAY, "until": None}
    event_id = _event(server, "2026-03-02T09:00:00Z", "UTC", recurrence)
    assert isinstance(event_id, int), event_id
    status, note = _occurrence_page(server, event_id, "from=9990-01-01&page=2")
    return status, f"monthly, every weekday, open-ended, from 9990: {note}"


def case_openapi_yaml(server: Server) -> tuple[str, str]:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        answer = httpx.get(f"{server.base}/api/v1/openapi.yaml", timeout=60)
        timings.append(time.perf_counter() - started)
    return str(answer.status_code), f"5 requests, each {min(timings):.3f}-{max(timings):.3f} s"


def _raw(server: Server, head: bytes, body_chunks, read_timeout: float = 120) -> str:
    """Send raw bytes; the status line answered (or how the connection ended)."""
    port = int(server.base.rsplit(":", 1)[1])
    with socket.create_connection((HOST, port), timeout=read_timeout) as sock:
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            return "reset"
    if not answer:
        return "closed"
    return answer.split(b"\r\n", 1)[0].decode(errors="replace").split(" ", 2)[1]


def case_body_100mb(server: Server) -> tuple[str, str]:
    size = 100 * MIB
    prefix, suffix = b'{"name": "', b'"}'
    filler = size - len(prefix) - len(suffix)
    auth = server.headers()["Authorization"]
    head = (
        f"POST /api/v1/clients HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()

    def chunks():
        yield prefix
        block = b"a" * MIB
        for _ in range(filler // MIB):
            yield block
        yield b"a" * (filler % MIB) + suffix

    return _raw(server, head, chunks()), "Content-Length: 100 MiB"


def case_body_100mb_chunked(server: Server) -> tuple[str, str]:
    auth = server.headers()["Authorization"]
    head = (
        f"POST /api/v1/clients HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()

    def chunks():
        yield b'%x\r\n{"name": "\r\n' % len(b'{"name": "')
        block = b"a" * MIB
        for _ in range(100):
            yield b"%x\r\n" % len(block) + block + b"\r\n"
        yield b'2\r\n"}\r\n0\r\n\r\n'

    return _raw(server, head, chunks()), "chunked, 100 MiB"


def case_header_100mb(server: Server) -> tuple[str, str]:
    head = f"GET /api/v1/team HTTP/1.1\r\nHost: {HOST}\r\nX-Big: ".encode()
    block = b"a" * MIB

    def chunks():
        for _ in range(100):
            yield block
        yield b"\r\n\r\n"

    return _raw(server, head, chunks()), "one 100 MiB header, no auth"


def case_deep_json(server: Server) -> tuple[str, str]:
    body = "[" * 1000 + "]" * 1000
    answer = httpx.post(
        f"{server.base}/api/v1/clients",
        headers={**server.headers(), "Content-Type": "application/json"},
        content=body,
        timeout=60,
    )
    return str(answer.status_code), answer.text[:60]


def case_host_in_links(server: Server) -> tuple[str, str]:
    answer = httpx.get(
        f"{server.base}/api/v1/clients",
        headers={**server.headers(), "Host": "evil.example"},
        timeout=10,
    )
    return str(answer.status_code), f"links.first = {answer.json()['links']['first']}"


def case_trailing_slash(server: Server) -> tuple[str, str]:
    answer = httpx.get(
        f"{server.base}/api/v1/clients/",
        headers={**server.headers(), "Host": "evil.example"},
        timeout=10,
    )
    return str(answer.status_code), f"Location: {answer.headers.get('location')}"


def case_base_path(server: Server) -> tuple[str, str]:
    answer = httpx.get(f"{server.base}/api/v1", headers=server.headers(), timeout=10)
    return str(answer.status_code), f"Location: {answer.headers.get('location')}"


def case_response_headers(server: Server) -> tuple[str, str]:
    answer = httpx.get(f"{server.base}/api/v1/team", headers=server.headers(), timeout=10)
    shown = {
        name: answer.headers.get(name)
        for name in ("server", "x-content-type-options", "cache-control")
    }
    return str(answer.status_code), ", ".join(f"{k}: {v}" for k, v in shown.items())


def case_location_on_201(server: Server) -> tuple[str, str]:
    answer = _post(server, "/taxes", {"name": "VAT", "rate": "20.00"})
    return str(answer.status_code), f"Location: {answer.headers.get('location')}"


def case_repeated_local_time(server: Server) -> tuple[str, str]:
    recurrence = {"frequency": "weekly", "count": 3}
    event_id = _event(server, "2026-11-01T06:30:00Z", "America/New_York", recurrence)
    answer = httpx.get(
        f"{server.base}/api/v1/events/{event_id}/occurrences", headers=server.headers(), timeout=10
    )
    first = answer.json()["data"][0]["starts_at"]
    return str(answer.status_code), f"first occurrence {first} (event starts 06:30Z)"


def case_horizon_before_start(server: Server) -> tuple[str, str]:
    event_id = _event(server, "2026-03-02T09:00:00Z", "UTC", {"frequency": "daily"})
    answer = httpx.get(
        f"{server.base}/api/v1/events/{event_id}/occurrences?from=2025-03-02&per_page=100",
        headers=server.headers(),
        timeout=10,
    )
    meta = answer.json()["meta"]
    return str(answer.status_code), f"open-ended daily, from a year before: total {meta['total']}"


CASES: dict[str, tuple[Callable[[Server], tuple[str, str]], bool]] = {
    # name: (case, needs a server of its own)
    "tags-quadratic": (case_tags_quadratic, False),
    "exclude-dates-quadratic": (case_exclude_dates_quadratic, False),
    "create-daily-year-2-to-9999": (case_create_daily_year_2, False),
    "daily-year-2-last-page": (case_daily_year_2_last_page, False),
    "create-monthly-every-weekday": (case_create_monthly_every_weekday, False),
    "monthly-every-weekday-page-1": (case_monthly_every_weekday_page_1, False),
    "open-ended-far-window": (case_open_ended_far_window, False),
    "openapi-yaml": (case_openapi_yaml, False),
    "deep-json": (case_deep_json, False),
    "host-in-links": (case_host_in_links, False),
    "trailing-slash": (case_trailing_slash, False),
    "base-path": (case_base_path, False),
    "response-headers": (case_response_headers, False),
    "location-on-201": (case_location_on_201, False),
    "repeated-local-time": (case_repeated_local_time, False),
    "horizon-before-start": (case_horizon_before_start, False),
    "body-100mb": (case_body_100mb, True),
    "body-100mb-chunked": (case_body_100mb_chunked, True),
    "header-100mb": (case_header_100mb, True),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases", nargs="*", metavar="CASE", help=f"default: all of {', '.join(CASES)}"
    )
    parser.add_argument("--log", type=Path, default=Path("var/abuse/server.log"))
    options = parser.parse_args(argv)
    chosen = options.cases or list(CASES)
    unknown = [name for name in chosen if name not in CASES]
    if unknown:
        parser.error(f"unknown cases: {', '.join(unknown)}")
    options.log.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with postgres_database() as database_url:
        token, other = prepare(database_url)
        shared = [name for name in chosen if not CASES[name][1]]
        alone = [name for name in chosen if CASES[name][1]]
        if shared:
            with serving(database_url, token, other, options.log) as server:
                for name in shared:
                    rows.append((name, measure(server, lambda n=name: CASES[n][0](server))))
                    print(f"{name}: {rows[-1][1]}", file=sys.stderr)
        for name in alone:
            with serving(database_url, token, other, options.log) as server:
                rows.append((name, measure(server, lambda n=name: CASES[n][0](server))))
                print(f"{name}: {rows[-1][1]}", file=sys.stderr)
    print("| case | status | seconds | peak RSS growth MB | other team's GET /team s | note |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, outcome in rows:
        probe = f"{outcome.probe_seconds:.3f}" if outcome.probe_seconds is not None else "-"
        print(
            f"| {name} | {outcome.status} | {outcome.seconds:.3f} | {outcome.rss_growth_mb:.0f} "
            f"| {probe} | {outcome.note} |"
        )


if __name__ == "__main__":
    main()
