"""Fallback load generator (when wrk is missing): bounded async httpx, run as a process.

Reads a job as JSON on stdin, keeps `connections` requests in flight for `duration` seconds
(and never more than `MAX_REQUESTS` in all), prints a `Measurement` as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time

import httpx

MAX_REQUESTS = 500_000


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def drive(job: dict) -> dict:
    headers = {"Authorization": f"Bearer {job['token']}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=job["connections"])
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + job["duration"]
    rng = random.Random(42)
    ids = job["ids"]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while time.perf_counter() < deadline and len(latencies) < MAX_REQUESTS:
            path = job["path"].replace("{id}", str(rng.randint(*ids))) if ids else job["path"]
            started = time.perf_counter()
            try:
                response = await client.request(job["method"], path, json=job["body"])
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            failures += not ok

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=job["base_url"], headers=headers, limits=limits) as c:
        await asyncio.gather(*(worker(c) for _ in range(job["connections"])))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "failures": failures,
    }


def main() -> None:
    job = json.load(sys.stdin)
    if not job["base_url"].startswith("http://127.0.0.1:"):
        raise SystemExit("benchmarks only load 127.0.0.1")
    print(json.dumps(asyncio.run(drive(job))))


if __name__ == "__main__":
    main()
