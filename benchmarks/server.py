"""Benchmark the reference server against a bare Starlette app on SQLite and PostgreSQL.

    python -m benchmarks.server                  # the full matrix (about 30 minutes)
    python -m benchmarks.server --quick          # a ~1 minute smoke run
    python -m benchmarks.server --backend postgresql --delays 1 --connections 16 \
        --endpoint "GET /events"                  # any subset

For each backend and data size both apps run side by side on one private copy of the cached
database (uvicorn, 1 or N workers); on PostgreSQL each reaches the database through its own
latency proxy (0 or 1 ms each way), which also counts database round trips. The same load
generator drives each endpoint against one app, then the other, alternating. The table shows
requests/s, p50/p99 latency, round trips per request, the ratio reference/bare and PASS/MISS
against issue 9's targets (see `report.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

from benchmarks.dataset import CACHE_DIR, Dataset, remove_written_rows
from benchmarks.load import LoadSettings, Measurement, Target, pick_loader, run_load
from benchmarks.report import Cell, Pair, Results, Side, cpu_table, table, verdicts
from benchmarks.servers import APPS, Deployment, ServerSettings
from benchmarks.stores import PostgresStore, Store, make_store

RATE_LIMIT = "1000000000/minute"  # never refuses; both apps still count every request
SIZES = (10_000, 1_000_000)
BACKENDS = ("sqlite", "postgresql")
POSTGRES_ENV = ("SCHEDULINGKIT_BENCH_POSTGRES_URL", "SCHEDULINGKIT_TEST_POSTGRES_URL")
Log = Callable[[str], None]
NEW_CLIENT = {"name": "Grace Hopper", "email": "grace@example.com", "tags": ["new", "vip"]}


@dataclass(frozen=True)
class Endpoint:
    target: Target

    @property
    def writes(self) -> bool:
        return self.target.method != "GET"

    @property
    def grows(self) -> bool:
        """Whether its cost may depend on the number of events."""
        return self.target.label in GROWING


GROWING = ("GET /events?page=1", "GET /events/{id}")


def new_invoice(dataset: Dataset) -> dict:
    """Two lines: one naming two taxes, one taking the team's default tax."""
    return {
        "client_id": dataset.client_ids[0],
        "event_id": dataset.event_ids[0],
        "issue_date": "2024-06-01",  # before the generated invoices: page 1 stays theirs
        "items": [
            {"description": "Assessment", "quantity": 1, "unit_amount": 6500},
            {
                "description": "Report",
                "quantity": 2,
                "unit_amount": 1500,
                "tax_ids": list(dataset.tax_ids),
            },
        ],
    }


def endpoints(dataset: Dataset) -> list[Endpoint]:
    """The six benchmarked requests, reads first (a write run is undone after it)."""
    return [
        Endpoint(Target("GET /events?page=1", "GET", "/api/v1/events?page=1")),
        Endpoint(Target("GET /events/{id}", "GET", "/api/v1/events/{id}", ids=dataset.event_ids)),
        Endpoint(Target("GET /clients", "GET", "/api/v1/clients?page=1")),
        Endpoint(Target("GET /invoices", "GET", "/api/v1/invoices?page=1")),
        Endpoint(Target("POST /clients", "POST", "/api/v1/clients", body=NEW_CLIENT)),
        Endpoint(Target("POST /invoices", "POST", "/api/v1/invoices", body=new_invoice(dataset))),
    ]


def targets(dataset: Dataset) -> list[Target]:
    return [endpoint.target for endpoint in endpoints(dataset)]


@dataclass(frozen=True)
class Plan:
    """What to measure and how long."""

    backends: list[str]
    sizes: list[int]
    delays: list[float]
    connections: list[int]
    workers: list[int]
    chosen: Callable[[str], bool]
    every_size: bool
    duration: float
    rounds: int
    warmup: float
    loader: str
    redis: str | None

    def measures(self, endpoint: Endpoint, events: int) -> bool:
        """Chosen, and at sizes beyond the first only if it grows with the events (unless
        `every_size`): the other endpoints' data does not change with the size."""
        wanted = events == self.sizes[0] or endpoint.grows or self.every_size
        return wanted and self.chosen(endpoint.target.label)

    def endpoints_at(self, dataset: Dataset) -> list[Endpoint]:
        return [e for e in endpoints(dataset) if self.measures(e, dataset.events)]

    def delays_for(self, backend: str) -> list[float | None]:
        return list(self.delays) if backend == "postgresql" else [None]

    def pair_seconds(self) -> float:
        per_app = (self.warmup or 0.2) + self.rounds * max(1.0, round(self.duration))
        return 2 * per_app

    def pairs(self) -> int:
        """How many cells the plan measures."""
        per_size = len(self.connections) * len(self.workers)
        total = 0
        for backend in self.backends:
            for events in self.sizes:
                some = [e for e in endpoints(SHAPE_ONLY) if self.measures(e, events)]
                total += per_size * len(self.delays_for(backend)) * len(some)
        return total


SHAPE_ONLY = Dataset("sqlite://", 1, "", 1, (1, 1), (1, 1), (1, 1), (1,))  # for counting


def measure_pair(
    deployment: Deployment, target: Target, settings: LoadSettings, warmup: float, rounds: int
) -> Pair:
    """Warm both up, then alternate runs (A B, B A, ...) so drift on a shared machine (other
    processes, page cache) falls on both sides alike. Round trips are counted at each app's
    proxy over its measured runs only."""
    for name in APPS:
        warm_up(deployment, name, target, settings, warmup)
    runs: dict[str, list[Measurement]] = {name: [] for name in APPS}
    turns: dict[str, int] = dict.fromkeys(APPS, 0)
    for round_number in range(rounds):
        for name in APPS if round_number % 2 == 0 else APPS[::-1]:
            before = deployment.counters(name)
            runs[name].append(run_load(deployment.servers[name].base_url, target, settings))
            after = deployment.counters(name)
            if before is not None and after is not None:
                turns[name] += after.turns - before.turns
    sides = {}
    for name in APPS:
        load = combine(runs[name])
        trips = turns[name] / load.requests if deployment.proxied and load.requests else None
        sides[name] = Side(load, trips)
    return Pair(sides["reference"], sides["bare"])


def warm_up(
    deployment: Deployment, name: str, target: Target, settings: LoadSettings, warmup: float
) -> None:
    """Unmeasured load: `warmup` seconds of it, or with 0 a short burst at the run's
    concurrency (so the run does not pay for opening the pools' connections)."""
    base_url = deployment.servers[name].base_url
    if warmup > 0:
        run_load(base_url, target, replace(settings, duration=warmup))
    else:
        asyncio.run(burst(base_url, target, settings.token, settings.connections))


async def burst(base_url: str, target: Target, token: str, connections: int) -> None:
    """`connections` requests at a time, three times over."""
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    path = target.path.replace("{id}", str(target.ids[0])) if target.ids else target.path
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        for _ in range(3):
            calls = [
                client.request(target.method, path, json=target.body) for _ in range(connections)
            ]
            await asyncio.gather(*calls)


def combine(runs: list[Measurement]) -> Measurement:
    """Requests/s over all runs; p50/p99 as the median of the runs' percentiles."""
    return Measurement(
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        failures=sum(r.failures for r in runs),
    )


def measure_dataset(dataset: Dataset, plan: Plan, log: Log) -> dict[Cell, Pair]:
    """Every cell of one backend and size, on one copy of the dataset shared by both apps."""
    results: dict[Cell, Pair] = {}
    chosen = plan.endpoints_at(dataset)
    for workers in plan.workers:
        settings = ServerSettings(workers, RATE_LIMIT, CACHE_DIR / "logs", plan.redis)
        with Deployment(dataset, settings) as deployment:
            for delay in plan.delays_for(dataset.backend):
                if delay is not None:
                    deployment.set_delay(delay)
                for connections in plan.connections:
                    load = LoadSettings(plan.duration, connections, dataset.token, plan.loader)
                    for endpoint in chosen:
                        cell = Cell(
                            dataset.backend,
                            dataset.events,
                            workers,
                            delay,
                            connections,
                            endpoint.target.label,
                        )
                        pair = measure_pair(
                            deployment, endpoint.target, load, plan.warmup, plan.rounds
                        )
                        results[cell] = pair
                        if endpoint.writes:
                            remove_written_rows(dataset)
                        log(progress(cell, pair))
                if delay:
                    log(effective_delay(deployment))
    return results


def progress(cell: Cell, pair: Pair) -> str:
    delay = "" if cell.delay_ms is None else f" {cell.delay_ms:g}ms"
    trips = pair.reference.round_trips
    return (
        f"  {cell.backend} {cell.events:>9,}{delay} c{cell.connections} w{cell.workers}"
        f" {cell.endpoint:<20} reference {pair.reference.load.rps:7.0f} req/s"
        f"{'' if trips is None else f' ({trips:.1f} RT)'}, bare {pair.bare.load.rps:7.0f} req/s"
        f" -> {pair.ratio:.2f}"
    )


def effective_delay(deployment: Deployment) -> str:
    """The delay the proxies really applied (timer overshoot on a busy machine included)."""
    held, chunks = 0.0, 0
    for name in APPS:
        counters = deployment.counters(name)
        if counters is not None:
            held, chunks = held + counters.held_seconds, chunks + counters.delayed_chunks
    if not chunks:
        return "  (no delayed chunks)"
    mean = held / chunks * 1000
    return f"  proxies so far: {chunks:,} chunks delayed, {mean:.2f} ms each on average"


def postgres_url(given: str | None) -> str | None:
    return given or next((os.environ[n] for n in POSTGRES_ENV if os.environ.get(n)), None)


def parse_list(text: str, kind: type = int) -> list:
    return [kind(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="smoke run: 10k events, 16 connections, 1 worker,")
    add("--backend", help="sqlite,postgresql (default: both; PostgreSQL when a URL is known)")
    add("--postgres-url", help="server where datasets are created (the role needs CREATEDB);")
    add("--sizes", help="comma-separated event counts (default 10000,1000000)")
    add("--every-size", action="store_true", help="all endpoints at every size, not only events")
    add("--delays", default="0,1", help="PostgreSQL: ms added each way (default 0,1)")
    add("--connections", help="comma-separated concurrencies (default 1,16)")
    add("--workers", help="comma-separated uvicorn worker counts (default 1,2)")
    add("--endpoint", action="append", help="only endpoints whose label contains this")
    add("--duration", type=float, help="seconds of each measured run (default 4)")
    add("--rounds", type=int, help="measured runs per endpoint and app (default 2)")
    add("--warmup", type=float, help="seconds of unmeasured load before each (default 1)")
    add("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    add("--redis-url", help="rate-limit both apps in this Redis (default: in memory)")
    add("--drop-cached", action="store_true", help="drop the cached PostgreSQL datasets, exit")
    add("--cpu", action="store_true", help="SQLite: CPU ms per request in process")
    add("--profile", action="store_true", help="SQLite: py-spy the reference server")
    add("--no-load", action="store_true", help="skip the load runs (with --cpu / --profile)")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace, pg_url: str | None) -> Plan:
    backends = args.backend.split(",") if args.backend else list(BACKENDS)
    if not args.backend and not pg_url:
        backends = ["sqlite"]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
    sizes = parse_list(args.sizes) if args.sizes else list(SIZES[:1] if args.quick else SIZES)

    def chosen(label: str) -> bool:
        return not args.endpoint or any(part in label for part in args.endpoint)

    return Plan(
        backends=backends,
        sizes=sizes,
        delays=parse_list(args.delays, float),
        connections=parse_list(args.connections or ("16" if args.quick else "1,16")),
        workers=parse_list(args.workers or ("1" if args.quick else "1,2")),
        chosen=chosen,
        every_size=args.every_size,
        duration=args.duration or (1.0 if args.quick else 4.0),
        rounds=args.rounds or (1 if args.quick else 2),
        warmup=args.warmup if args.warmup is not None else (0.0 if args.quick else 1.0),
        loader=pick_loader(args.loader),
        redis=args.redis_url,
    )


def load_average() -> str:
    return "load average {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pg_url = postgres_url(args.postgres_url)

    def log(message: str) -> None:
        print(message, flush=True)

    if args.drop_cached:
        PostgresStore(pg_url or "").drop_cached(log)
        return 0
    plan = make_plan(args, pg_url)
    if plan.backends == ["sqlite"] and not args.backend:
        log(f"PostgreSQL skipped: set --postgres-url or {POSTGRES_ENV[0]}")
    estimate = plan.pairs() * plan.pair_seconds() / 60
    log(
        f"rate limit {RATE_LIMIT} for both apps ({'Redis' if plan.redis else 'in memory'}; never"
        f" refuses, still counted); load: {plan.loader}, 127.0.0.1, client and servers share"
        f" this machine's {os.cpu_count()} CPUs"
    )
    log(
        f"{plan.pairs()} cells: per cell and app {plan.warmup:g} s warm-up, then {plan.rounds}"
        f" x {plan.duration:g} s alternating reference and bare; about {estimate:.0f} min of load"
        f" plus server starts and data; {load_average()}"
    )
    results: Results = {}
    started = time.perf_counter()
    for backend in [] if args.no_load else plan.backends:
        store = make_store(backend, pg_url)
        for events in plan.sizes:
            results = {**results, **measure_size(store, events, plan, log)}
    log(f"\nfinished in {(time.perf_counter() - started) / 60:.1f} min; {load_average()}\n")
    if results:
        log(table(results))
        log("")
        for line in verdicts(results):
            log(line)
    if args.cpu or args.profile:
        extra_sqlite_views(args, plan, log)
    return 0


def measure_size(store: Store, events: int, plan: Plan, log: Log) -> dict[Cell, Pair]:
    started = time.perf_counter()
    dataset = store.ensure(events, log)
    copy = store.working_copy(dataset, f"e{events}")
    try:
        log(
            f"{store.backend}: dataset of {events:,} events ready in"
            f" {time.perf_counter() - started:.1f}s; {load_average()}"
        )
        return measure_dataset(copy, plan, log)
    finally:
        store.discard(copy)


def extra_sqlite_views(args: argparse.Namespace, plan: Plan, log: Log) -> None:
    """`--cpu` and `--profile`: in-process CPU cost and py-spy, on SQLite."""
    from benchmarks.cpu_cost import measure_cpu
    from benchmarks.profiling import profile_size

    store = make_store("sqlite", None)
    for events in plan.sizes:
        dataset = store.ensure(events, log)
        chosen = [e.target for e in plan.endpoints_at(dataset)]
        if args.cpu:
            log(f"\nCPU time per request at {events:,} events, in process (best of 5 x 30")
            log("requests; the client's own cost subtracted); ratio = bare/reference:")
            log(cpu_table({events: measure_cpu(store, dataset, chosen)}))
        if args.profile:
            settings = LoadSettings(plan.duration, 16, dataset.token, plan.loader)
            profile_size(store, dataset, chosen, settings, CACHE_DIR / "profiles", log)


if __name__ == "__main__":
    raise SystemExit(main())
