"""The benchmark's table and its verdict on issue 9's targets, as plain text.

Targets (PASS/MISS, reference server only; the bare app's value is shown for context):
(a) at 2 ms RTT, each endpoint's throughput at 16 connections is >= 0.8 x its throughput at
    16 connections with no delay (PostgreSQL: SQLite has no network);
(b) every endpoint is >= 0.5 x the bare app's throughput, same backend, same run;
(c) GET /events page-1 p50 latency at the largest size is <= 2 x at the smallest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .cpu_cost import CpuCost
from .load import Measurement

PAGE_1 = "GET /events?page=1"
DELAY_TARGET = 0.8  # (a)
BARE_TARGET = 0.5  # (b)
GROWTH_TARGET = 2.0  # (c)
TARGET_CONNECTIONS = 16  # (a) is judged at this concurrency


@dataclass(frozen=True)
class Cell:
    """One measured combination; `delay_ms` is None on SQLite (no network to delay)."""

    backend: str
    events: int
    workers: int
    delay_ms: float | None
    connections: int
    endpoint: str


@dataclass(frozen=True)
class Side:
    """One app's result in a cell: the load generator's numbers and, behind the proxy, the
    database round trips per request."""

    load: Measurement
    round_trips: float | None = None


@dataclass(frozen=True)
class Pair:
    reference: Side
    bare: Side

    @property
    def ratio(self) -> float:
        bare = self.bare.load.rps
        return self.reference.load.rps / bare if bare else 0.0


Results = Mapping[Cell, Pair]


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def without_delay(results: Results, cell: Cell) -> Pair | None:
    """The same cell with no delay: what (a) compares a delayed cell with."""
    return results.get(replace(cell, delay_ms=0.0)) if cell.delay_ms else None


def delay_ratio(results: Results, cell: Cell, side: str = "reference") -> float | None:
    base = without_delay(results, cell)
    if base is None:
        return None
    before = getattr(base, side).load.rps
    return getattr(results[cell], side).load.rps / before if before else 0.0


def _delay(cell: Cell) -> str:
    return "-" if cell.delay_ms is None else f"{cell.delay_ms:g}ms"


def _trips(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = (
    f"{'events':>9} {'delay':>5} {'conn':>4} {'wrk':>3}  {'endpoint':<20}"
    f" {'ref req/s':>9} {'p50':>7} {'p99':>7} {'RT':>4}"
    f"  {'bare req/s':>10} {'p50':>7} {'p99':>7} {'RT':>4}"
    f"  {'ref/bare':>8} {'(b)':>4}  {'ms/0ms':>6} {'(a)':>4}  {'failed':>7}"
)


def table(results: Results) -> str:
    """One block per backend; latency in ms, RT = database round trips per request."""
    blocks = []
    for backend in dict.fromkeys(cell.backend for cell in results):
        lines = [f"[{backend}]", HEADER, "-" * len(HEADER)]
        for cell, pair in results.items():
            if cell.backend != backend:
                continue
            ref, bare = pair.reference.load, pair.bare.load
            delayed = delay_ratio(results, cell)
            if delayed is None:
                a_value, a_mark = "-", "-"
            else:
                a_value = f"{delayed:.2f}"
                judged = cell.connections == TARGET_CONNECTIONS
                a_mark = mark(delayed >= DELAY_TARGET) if judged else "-"
            lines.append(
                f"{cell.events:>9,} {_delay(cell):>5} {cell.connections:>4} {cell.workers:>3}"
                f"  {cell.endpoint:<20}"
                f" {ref.rps:>9.0f} {ref.p50_ms:>7.2f} {ref.p99_ms:>7.2f}"
                f" {_trips(pair.reference.round_trips):>4}"
                f"  {bare.rps:>10.0f} {bare.p50_ms:>7.2f} {bare.p99_ms:>7.2f}"
                f" {_trips(pair.bare.round_trips):>4}"
                f"  {pair.ratio:>8.2f} {mark(pair.ratio >= BARE_TARGET):>4}"
                f"  {a_value:>6} {a_mark:>4}  {ref.failures:>3}/{bare.failures:<3}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def verdicts(results: Results) -> list[str]:
    """A summary per target: every (a) and (c) comparison, (b) per backend and endpoint."""
    lines = ["(a) 2 ms RTT vs no delay, 16 connections, reference (bare in brackets):"]
    judged = [c for c in results if c.delay_ms and c.connections == TARGET_CONNECTIONS]
    for cell in judged:
        ratio, bare = delay_ratio(results, cell), delay_ratio(results, cell, "bare")
        if ratio is None or bare is None:
            continue
        lines.append(
            f"  {mark(ratio >= DELAY_TARGET)} {cell.backend} {cell.events:,} events,"
            f" {cell.workers} worker(s), {cell.endpoint}: {ratio:.2f} x ({bare:.2f} x);"
            f" target >= {DELAY_TARGET}"
        )
    if len(lines) == 1:
        lines.append("  not measured (needs PostgreSQL with delays 0 and 1, 16 connections)")

    lines.append(f"(b) reference >= {BARE_TARGET} x bare, per backend and endpoint over all cells:")
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for cell, pair in results.items():
        groups[(cell.backend, cell.endpoint)].append(pair.ratio)
    for (backend, endpoint), ratios in groups.items():
        passed = sum(r >= BARE_TARGET for r in ratios)
        lines.append(
            f"  {mark(passed == len(ratios))} {backend} {endpoint}: {passed}/{len(ratios)} cells"
            f" pass; ratio {min(ratios):.2f}-{max(ratios):.2f}"
        )

    lines.append(f"(c) {PAGE_1} p50 at the largest size / at the smallest (bare in brackets):")
    pages = [c for c in results if c.endpoint == PAGE_1]
    sizes = sorted({c.events for c in pages})
    if len(sizes) < 2:
        lines.append("  not measured (needs two sizes)")
        return lines
    small, large = sizes[0], sizes[-1]
    for cell in pages:
        if cell.events != small or replace(cell, events=large) not in results:
            continue
        before, after = results[cell], results[replace(cell, events=large)]
        growth = _growth(before.reference.load, after.reference.load)
        bare = _growth(before.bare.load, after.bare.load)
        lines.append(
            f"  {mark(growth <= GROWTH_TARGET)} {cell.backend}, delay {_delay(cell)},"
            f" {cell.connections} conn, {cell.workers} worker(s): {large:,} vs {small:,}"
            f" events = {growth:.2f} x ({bare:.2f} x); target <= {GROWTH_TARGET}"
        )
    return lines


def _growth(before: Measurement, after: Measurement) -> float:
    return after.p50_ms / before.p50_ms if before.p50_ms else 0.0


def cpu_table(costs: Mapping[int, Mapping[str, CpuCost]]) -> str:
    """CPU ms per request in process (client cost subtracted) and bare/reference."""
    header = f"{'events':>9}  {'endpoint':<22} {'ref CPU ms':>10} {'bare CPU ms':>11}  {'ratio':>5}"
    lines = [header, "-" * len(header)]
    for events, by_label in costs.items():
        for label, cost in by_label.items():
            lines.append(
                f"{events:>9,}  {label:<22} {cost.reference_ms:>10.2f} {cost.bare_ms:>11.2f}"
                f"  {cost.ratio:>5.2f}"
            )
    return "\n".join(lines)
