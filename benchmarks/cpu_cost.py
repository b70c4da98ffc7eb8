"""CPU time per request of each app, in process: a second view that a busy machine skews less.

Throughput under wrk depends on what else runs on the machine; CPU time spent per request
(`time.process_time`, best of several repeats) mostly does not. Both apps are called through
`httpx.ASGITransport` (no sockets, no uvicorn), and the cost of the client itself, measured on
an app that answers `{}`, is subtracted.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from .bare_app import create_bare_app
from .dataset import Dataset, sqlite_url
from .load import Target

RATE_LIMIT = "1000000000/minute"


@dataclass(frozen=True)
class CpuCost:
    reference_ms: float
    bare_ms: float

    @property
    def ratio(self) -> float:
        """bare/reference: the throughput ratio a CPU-bound single worker would reach."""
        return self.bare_ms / self.reference_ms if self.reference_ms else 0.0


def empty_app() -> Starlette:
    async def answer(_request):
        return JSONResponse({})

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


async def cpu_ms_per_request(app, target: Target, token: str, requests: int, repeats: int) -> float:
    """Best-of-`repeats` CPU milliseconds per request of `target` against `app`."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=app)
    base = "http://127.0.0.1"
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        ids = itertools.cycle(range(target.ids[0], target.ids[1] + 1)) if target.ids else None

        async def call() -> None:
            path = target.path.replace("{id}", str(next(ids))) if ids else target.path
            answer = await client.request(target.method, path, json=target.body)
            if answer.status_code >= 400:
                raise RuntimeError(f"{target.label} answered {answer.status_code}")

        for _ in range(10):
            await call()
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            for _ in range(requests):
                await call()
            best = min(best, (time.process_time() - started) / requests * 1000)
    return best


def measure_cpu(
    dataset: Dataset,
    targets: Iterable[Target],
    work_dir: Path,
    requests: int = 30,
    repeats: int = 5,
) -> dict[str, CpuCost]:
    """CPU ms per request of the reference server and the bare app, per target."""
    from schedulingkit.impl.app import create_app
    from schedulingkit.impl.settings import Settings

    reference_db = dataset.copy_to(work_dir / "cpu-reference.sqlite3")
    bare_db = dataset.copy_to(work_dir / "cpu-bare.sqlite3")
    settings = Settings(database_url=sqlite_url(reference_db.path), rate_limit=RATE_LIMIT)
    reference = create_app(settings)
    bare = create_bare_app(str(bare_db.path), RATE_LIMIT)
    empty = empty_app()

    async def run() -> dict[str, CpuCost]:
        costs = {}
        for target in targets:
            floor = await cpu_ms_per_request(empty, target, dataset.token, requests, repeats)
            ref = await cpu_ms_per_request(reference, target, dataset.token, requests, repeats)
            own = await cpu_ms_per_request(bare, target, dataset.token, requests, repeats)
            costs[target.label] = CpuCost(max(0.0, ref - floor), max(0.0, own - floor))
        return costs

    return asyncio.run(run())
