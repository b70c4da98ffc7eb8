"""The benchmark's table and its verdict on the targets, as plain text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .cpu_cost import CpuCost
from .load import Measurement

PAGE_1 = "GET /events?page=1"
THROUGHPUT_TARGET = 0.5  # reference >= 0.5 x bare on GET /events page 1
GROWTH_TARGET = 2.0  # page-1 latency at the largest size <= 2 x at the smallest


@dataclass(frozen=True)
class Pair:
    reference: Measurement
    bare: Measurement

    @property
    def ratio(self) -> float:
        return self.reference.rps / self.bare.rps if self.bare.rps else 0.0


Results = Mapping[int, Mapping[str, Pair]]  # events -> endpoint label -> pair

HEADER = (
    f"{'events':>9}  {'endpoint':<22} {'ref req/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    f"  {'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>5}  {'failed':>9}"
)


def table(results: Results) -> str:
    lines = [HEADER, "-" * len(HEADER)]
    for events, pairs in results.items():
        for label, pair in pairs.items():
            ref, bare = pair.reference, pair.bare
            lines.append(
                f"{events:>9,}  {label:<22} {ref.rps:>9.0f} {ref.p50_ms:>7.2f} {ref.p99_ms:>7.2f}"
                f"  {bare.rps:>10.0f} {bare.p50_ms:>7.2f} {bare.p99_ms:>7.2f}  {pair.ratio:>5.2f}"
                f"  {ref.failures:>4}/{bare.failures:<4}"
            )
    return "\n".join(lines)


def verdicts(results: Results) -> list[str]:
    """One line per target: the measured value, the target, PASS or MISS."""
    lines = []
    for events, pairs in results.items():
        if PAGE_1 in pairs:
            ratio = pairs[PAGE_1].ratio
            lines.append(
                f"{_mark(ratio >= THROUGHPUT_TARGET)} {PAGE_1} at {events:,} events: reference"
                f" = {ratio:.2f} x bare throughput (target >= {THROUGHPUT_TARGET})"
            )
    sizes = [n for n in results if PAGE_1 in results[n]]
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        for side in ("reference", "bare"):
            before = getattr(results[small][PAGE_1], side)
            after = getattr(results[large][PAGE_1], side)
            growth = after.p50_ms / before.p50_ms if before.p50_ms else 0.0
            growth99 = after.p99_ms / before.p99_ms if before.p99_ms else 0.0
            lines.append(
                f"{_mark(growth <= GROWTH_TARGET)} {PAGE_1} {side} p50 latency at {large:,}"
                f" = {growth:.2f} x at {small:,} (p99 {growth99:.2f} x; target <= {GROWTH_TARGET})"
            )
    return lines


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


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
