"""What each override of a Connexion internal buys, measured: CPU time per request in process.

    python -m benchmarks.overrides              # SQLite, 2,000 events, best of 7 x 200 requests

The server replaces two of Connexion's middlewares with subclasses of their internals
(`impl/README.md`, "Framework internals"): request validation built once per operation
(`PreparedValidationMiddleware`) and Swagger UI routed only on its own paths
(`SwaggerUIOnItsPaths`). Each variant below swaps one back for Connexion's own and measures
the CPU milliseconds a request costs (`time.process_time`, best of several repeats, the
client's own cost subtracted as in `cpu_cost.py`). An override is worth its code only while
the difference is real. (`Endpoint` is not swapped: it also binds the request context and
the list query the handlers take, which Connexion's `AsyncOperation` cannot.)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import httpx
from schedulingkit.impl.data import migrate
from schedulingkit.impl.data.db import Database
from schedulingkit.impl.data.tokens import create_token
from schedulingkit.impl.services.seed import seed
from schedulingkit.impl.services.team import create_team
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web import app as app_module
from schedulingkit.impl.web import middleware
from schedulingkit.impl.web.app import create_app

RATE_LIMIT = "1000000000/minute"
TARGETS = (
    ("GET /events?page=1", "GET", "/api/v1/events?page=1", None),
    ("GET /clients", "GET", "/api/v1/clients", None),
    ("POST /clients", "POST", "/api/v1/clients", {"name": "Grace", "tags": ["a", "b"]}),
)


class AllPathsSwaggerUI(middleware.SwaggerUIOnItsPaths):
    """Connexion's routing: every request goes through the Swagger UI router first."""

    async def __call__(self, scope, receive, send) -> None:
        await middleware.SwaggerUIMiddleware.__call__(self, scope, receive, send)


def stack_with(replace: dict[type, type]) -> Callable[[bool], list[type]]:
    def stack(validate_responses: bool) -> list[type]:
        chosen = middleware.middleware_stack(validate_responses)
        return [replace.get(layer, layer) for layer in chosen]

    return stack


VARIANTS: dict[str, Callable[[bool], list[type]]] = {
    "as shipped": middleware.middleware_stack,
    "Connexion's request validation": stack_with(
        {middleware.PreparedValidationMiddleware: middleware.RequestValidationMiddleware}
    ),
    "Swagger UI routed on every path": stack_with(
        {middleware.SwaggerUIOnItsPaths: AllPathsSwaggerUI}
    ),
}


def dataset(directory: Path, events: int) -> tuple[str, str]:
    """A migrated SQLite file with the demo data and `events` more events; (url, token)."""
    url = f"sqlite:///{directory / 'overrides.sqlite3'}"
    migrate.upgrade(url)
    database = Database(url)
    with database.system_session() as session:
        team = create_team(session, "Overrides")
        token = create_token(session, team.id, "bench").plaintext
        team_id = team.id
    database.dispose()
    seeded = seed(url, team_id)
    with database.sync_engine.begin() as connection:
        first = connection.exec_driver_sql(
            "SELECT event_type_id, timezone FROM events WHERE id = ?", (seeded.events[0],)
        ).first()
        rows = [
            (team_id, first[0], f"Event {i}", f"2026-01-01 {i % 24:02d}:00:00.000000", first[1])
            for i in range(events)
        ]
        connection.exec_driver_sql(
            "INSERT INTO events (team_id, event_type_id, title, starts_at, ends_at, timezone,"
            " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'confirmed',"
            " '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
            [(t, et, title, start, start, tz) for t, et, title, start, tz in rows],
        )
    database.dispose()
    return url, token


async def cpu_ms(app, token: str, method: str, path: str, body, requests: int, repeats: int):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=headers
    ) as client:
        for _ in range(20):
            assert (await client.request(method, path, json=body)).status_code < 400
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            for _ in range(requests):
                await client.request(method, path, json=body)
            best = min(best, (time.process_time() - started) / requests * 1000)
    return best


async def floor_ms(method: str, path: str, body, requests: int, repeats: int) -> float:
    from benchmarks.cpu_cost import empty_app

    return await cpu_ms(empty_app(), "x", method, path, body, requests, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url, token = dataset(Path(directory), options.events)
        settings = Settings(database_url=url, rate_limit=RATE_LIMIT)
        results: dict[str, dict[str, float]] = {}
        for name, stack in VARIANTS.items():
            with mock.patch.object(app_module, "middleware_stack", stack):
                app = create_app(settings)

            async def measure(app=app) -> dict[str, float]:
                costs = {}
                try:
                    for label, method, path, body in TARGETS:
                        floor = await floor_ms(
                            method, path, body, options.requests, options.repeats
                        )
                        own = await cpu_ms(
                            app, token, method, path, body, options.requests, options.repeats
                        )
                        costs[label] = max(0.0, own - floor)
                finally:  # ASGITransport runs no lifespan: close the app's connections here
                    await app.database.aclose()
                return costs

            results[name] = asyncio.run(measure())
    labels = [label for label, *_ in TARGETS]
    print("| variant | " + " | ".join(f"{label} CPU ms" for label in labels) + " |")
    print("| --- |" + " --- |" * len(labels))
    shipped = results["as shipped"]
    for name, costs in results.items():
        cells = [
            f"{costs[label]:.3f}"
            + ("" if name == "as shipped" else f" ({costs[label] / shipped[label]:.2f}x)")
            for label in labels
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
