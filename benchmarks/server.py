"""Benchmark the reference server against a bare Starlette app on the same SQLite data.

    python -m benchmarks.server            # 10k and 1M events, 10 s per endpoint and server
    python -m benchmarks.server --quick    # 10k events, 3 s: a smoke run
    python -m benchmarks.server --profile  # also py-spy the reference server per endpoint

For each data size both servers run side by side (uvicorn, one worker, each on its own copy
of the cached database) and the same load generator drives each endpoint against one, then
the other. The table shows requests/s, p50/p99 latency and the ratio reference/bare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

from benchmarks.cpu_cost import CpuCost, measure_cpu
from benchmarks.dataset import CACHE_DIR, Dataset, ensure_dataset
from benchmarks.load import LoadSettings, Measurement, Target, pick_loader, run_load
from benchmarks.profiling import profile_endpoint
from benchmarks.report import Pair, Results, cpu_table, table, verdicts
from benchmarks.servers import RunningServer, start_bare, start_reference

RATE_LIMIT = "1000000000/minute"  # never refuses; both apps still count every request
SIZES = (10_000, 1_000_000)
Log = Callable[[str], None]
NEW_CLIENT = {"name": "Grace Hopper", "email": "grace@example.com", "tags": ["new", "vip"]}


def targets(event_ids: tuple[int, int]) -> list[Target]:
    """The benchmarked requests; `GET /events/{id}` picks ids at random in `event_ids`."""
    return [
        Target("GET /events?page=1", "GET", "/api/v1/events?page=1"),
        Target("GET /events?page=1000", "GET", "/api/v1/events?page=1000"),
        Target("GET /events/{id}", "GET", "/api/v1/events/{id}", ids=event_ids),
        Target("POST /clients", "POST", "/api/v1/clients", body=NEW_CLIENT),
    ]


def measure_size(
    dataset: Dataset,
    settings: LoadSettings,
    warmup: float,
    rounds: int,
    log: Log,
    chosen: Callable[[Target], bool],
) -> dict[str, Pair]:
    """Both servers on private copies of `dataset`, loaded in turn endpoint by endpoint."""
    run_dir = CACHE_DIR / "run"
    servers: list[RunningServer] = []
    try:
        for start, name in ((start_reference, "reference"), (start_bare, "bare")):
            servers.append(start(dataset.copy_to(run_dir / f"{name}.sqlite3"), RATE_LIMIT, run_dir))
        pairs = {}
        for target in filter(chosen, targets(dataset.event_ids)):
            pairs[target.label] = measure_pair(servers, target, settings, warmup, rounds)
            log(
                f"  {dataset.events:>9,} {target.label:<22} reference "
                f"{pairs[target.label].reference.rps:7.0f} req/s, bare "
                f"{pairs[target.label].bare.rps:7.0f} req/s"
            )
        return pairs
    finally:
        for server in servers:
            server.stop()


def measure_pair(
    servers: list[RunningServer],
    target: Target,
    settings: LoadSettings,
    warmup: float,
    rounds: int,
) -> Pair:
    """Warm both up, then alternate runs (A B, B A, ...) so drift on a shared machine (other
    processes, page cache) falls on both sides alike."""
    if warmup > 0:
        warm = replace(settings, duration=warmup)
        for server in servers:
            run_load(server.base_url, target, warm)
    runs: dict[str, list[Measurement]] = {server.name: [] for server in servers}
    for round_number in range(rounds):
        order = servers if round_number % 2 == 0 else servers[::-1]
        for server in order:
            runs[server.name].append(run_load(server.base_url, target, settings))
    return Pair(combine(runs["reference"]), combine(runs["bare"]))


def combine(runs: list[Measurement]) -> Measurement:
    """Requests/s over all runs; p50/p99 as the median of the runs' percentiles."""
    return Measurement(
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        failures=sum(r.failures for r in runs),
    )


def profile_size(
    dataset: Dataset,
    settings: LoadSettings,
    out_dir: Path,
    log: Log,
    chosen: Callable[[Target], bool],
) -> None:
    """py-spy the reference server under each endpoint's load (a separate, unmeasured pass)."""
    run_dir = CACHE_DIR / "run"
    server = start_reference(dataset.copy_to(run_dir / "profiled.sqlite3"), RATE_LIMIT, run_dir)
    try:
        for target in filter(chosen, targets(dataset.event_ids)):
            report = profile_endpoint(server, target, settings, out_dir, dataset.events)
            log(report)
    finally:
        server.stop()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k events, one 2 s run each")
    parser.add_argument("--duration", type=float, help="seconds of each run (default 5)")
    parser.add_argument("--rounds", type=int, help="runs per endpoint and server (default 2)")
    parser.add_argument("--warmup", type=float, help="seconds of unmeasured load before each")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--sizes", help="comma-separated event counts (default 10000,1000000)")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--profile", action="store_true", help="py-spy the reference server")
    parser.add_argument(
        "--cpu", action="store_true", help="also CPU ms per request in process (less noisy)"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the wrk runs (with --cpu)")
    parser.add_argument(
        "--endpoint", action="append", help="only endpoints whose label contains this (repeatable)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else list(SIZES)
    if args.quick and not args.sizes:
        sizes = [SIZES[0]]
    duration = args.duration or (2.0 if args.quick else 5.0)
    rounds = args.rounds or (1 if args.quick else 2)
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    loader = pick_loader(args.loader)

    def log(message: str) -> None:
        print(message, flush=True)

    log(
        f"rate limit: SCHEDULINGKIT_RATE_LIMIT={RATE_LIMIT} for both apps (never refuses; "
        "the counting still happens on every request)"
    )
    log(
        f"load: {loader}, {args.connections} connections, 127.0.0.1; per endpoint and app "
        f"{warmup:g} s warm-up, then {rounds} x {duration:g} s runs alternating reference and "
        "bare; uvicorn, 1 worker, for both apps"
    )

    def chosen(target: Target) -> bool:
        return not args.endpoint or any(part in target.label for part in args.endpoint)

    results: Results = {}
    cpu: dict[int, dict[str, CpuCost]] = {}
    for events in sizes:
        started = time.perf_counter()
        dataset = ensure_dataset(events, log=log)
        log(f"dataset {events:,} events ready in {time.perf_counter() - started:.1f}s")
        log(
            "load average before the runs: {:.1f} {:.1f} {:.1f} on {} CPUs".format(
                *os.getloadavg(), os.cpu_count()
            )
        )  # a shared machine skews absolute numbers
        settings = LoadSettings(duration, args.connections, dataset.token, loader)
        if not args.no_load:
            results[events] = measure_size(dataset, settings, warmup, rounds, log, chosen)
        if args.cpu:
            chosen_targets = filter(chosen, targets(dataset.event_ids))
            cpu[events] = measure_cpu(dataset, chosen_targets, CACHE_DIR / "run")
        if args.profile:
            profile_size(dataset, settings, CACHE_DIR / "profiles", log, chosen)
    if results:
        log("")
        log(table(results))
    if cpu:
        log("")
        log("CPU time per request, in process (best of 5 x 30 requests; the client's own cost")
        log("subtracted); ratio = bare/reference, the throughput ratio of a CPU-bound worker:")
        log(cpu_table(cpu))
    log("")
    for line in verdicts(results):
        log(line)
    if any(n < 1000 * 15 for n in sizes):
        log(
            "note: page 1000 (15 per page) is past the last page below 15,000 events: that row"
            " measures the empty-page path (the team's kept event count plus an empty OFFSET scan)."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
