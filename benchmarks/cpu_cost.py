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

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from .bare_app import create_bare_app
from .dataset import Dataset
from .load import Target
from .stores import Store

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
    store: Store,
    dataset: Dataset,
    targets: Iterable[Target],
    requests: int = 30,
    repeats: int = 5,
) -> dict[str, CpuCost]:
    """CPU ms per request of the reference server and the bare app, per target, each on its
    own copy of `dataset`."""
    from schedulingkit.impl.settings import Settings
    from schedulingkit.impl.web.app import create_app

    copies = [store.working_copy(dataset, f"cpu-{name}") for name in ("reference", "bare")]
    try:
        reference = create_app(Settings(database_url=copies[0].url, rate_limit=RATE_LIMIT))
        bare = create_bare_app(copies[1].url, RATE_LIMIT)
        empty = empty_app()

        async def run() -> dict[str, CpuCost]:
            costs = {}
            # ASGITransport runs no lifespan: each app's shutdown is run here, so their
            # connections (aiosqlite keeps a thread each) are closed when measuring ends
            async with bare.router.lifespan_context(bare):
                try:
                    for target in targets:
                        token = dataset.token
                        floor = await cpu_ms_per_request(empty, target, token, requests, repeats)
                        ref = await cpu_ms_per_request(reference, target, token, requests, repeats)
                        own = await cpu_ms_per_request(bare, target, token, requests, repeats)
                        costs[target.label] = CpuCost(max(0.0, ref - floor), max(0.0, own - floor))
                finally:
                    await reference.database.aclose()
            return costs

        return asyncio.run(run())
    finally:
        for copy in copies:
            store.discard(copy)
