"""The mutation score table says caught/injected and names every miss and baseline failure."""

from __future__ import annotations

from tests.faults.catalogue import fault_named
from tests.faults.mutation import Outcome
from tests.faults.score import markdown


def test_markdown_counts_catches_and_shows_misses_and_baseline_failures():
    caught, missed = fault_named("problem-json"), fault_named("order-reversed")
    outcomes = [
        Outcome("problem-json", statuses={"ERR-001": "failed"}),
        Outcome("order-reversed", statuses={"PAGE-005": "passed"}),
    ]
    baseline = [Outcome("baseline", statuses={"ERR-001": "passed", "PAGE-005": "failed"})]
    text = markdown([caught, missed], outcomes, baseline, 12.0)
    assert "**1 / 2**" in text
    assert "passes 1 of the 2 targeted rules (not: PAGE-005)." in text
    assert "| 1 | `problem-json` |" in text
    assert text.splitlines()[-2].endswith("| REQ-ERR-01 | ERR-001 | yes |")
    assert text.splitlines()[-1].endswith("| REQ-PAGE-05 | PAGE-005 | **no** (passed) |")
