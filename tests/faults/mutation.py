"""A mutation run: the suite against the plain server (every targeted rule passes), then
against each fault (the targeted rule fails). Shared by the tests and `score.py`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import FAULTS, Fault
from .harness import Credentials, prepare_database, run_rules, served

FAILED, PASSED = "failed", "passed"


@dataclass
class Workspace:
    """A work directory with a migrated template database and the run's credentials."""

    workdir: Path
    template: Path
    credentials: Credentials


@contextlib.contextmanager
def workspace() -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="sk-faults-") as directory:
        workdir = Path(directory)
        template = workdir / "template.sqlite3"
        yield Workspace(workdir, template, prepare_database(template))


@dataclass
class Outcome:
    """What the suite said about one served app, for the rules it was asked to run."""

    label: str
    statuses: dict[str, str] = field(default_factory=dict)  # rule id -> passed/failed/skipped
    details: dict[str, list[str]] = field(default_factory=dict)  # rule id -> failure details
    durations: dict[str, float] = field(default_factory=dict)  # rule id -> seconds
    seconds: float = 0.0

    def status(self, rule_id: str) -> str:
        return self.statuses.get(rule_id, "not run")


def check(space: Workspace, fault: Fault | None, rules: Iterable[str], rate_limit: str) -> Outcome:
    """Serve `fault` (None: the plain server) and run `rules` against it."""
    label = fault.name if fault else "baseline"
    started = time.monotonic()
    with served(
        fault.name if fault else None, space.template, space.credentials, space.workdir, rate_limit
    ) as base_url:
        report = run_rules(base_url, space.credentials, sorted(set(rules)))
    outcome = Outcome(label, seconds=time.monotonic() - started)
    for result in report.results:
        outcome.statuses[result.rule.id] = result.status
        outcome.durations[result.rule.id] = result.duration
        outcome.details[result.rule.id] = [f"{f.operation}: {f.detail}" for f in result.failures]
        if result.reason:
            outcome.details[result.rule.id].append(result.reason)
    return outcome


def inject(space: Workspace, fault: Fault) -> Outcome:
    """The suite's verdict on the server wrapped in `fault`, for the rule meant to catch it."""
    return check(space, fault, [fault.rule], fault.rate_limit)


def baselines(space: Workspace, faults: Iterable[Fault] = FAULTS) -> list[Outcome]:
    """The plain server against every targeted rule (one process per rate-limit setting)."""
    by_limit: dict[str, set[str]] = {}
    for fault in faults:
        by_limit.setdefault(fault.rate_limit, set()).add(fault.rule)
    return [check(space, None, rules, limit) for limit, rules in sorted(by_limit.items())]
