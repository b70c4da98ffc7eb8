"""A mutation run: the suite against the plain server (every targeted rule passes), then
against each fault (the targeted rule fails). Shared by the tests and `score.py`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from schedulingkit.conformance.config import UsageError

from .catalogue import FAULTS, Fault
from .harness import (
    Credentials,
    ForkServer,
    ServerFailed,
    prepare_database,
    run_rules,
    served,
)

FAILED, PASSED = "failed", "passed"
ERROR = "error"  # the server or the suite could not run: neither a pass nor a catch
# Two faults at a time: while the suite waits on one server, the other computes.
PARALLEL = 2


@dataclass
class Workspace:
    """A work directory, a migrated and seeded template database, the run's credentials and
    the fork server every served process comes from."""

    workdir: Path
    template: Path
    credentials: Credentials
    forks: ForkServer


@contextlib.contextmanager
def workspace() -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="sk-faults-") as directory:
        workdir = Path(directory)
        template = workdir / "template.sqlite3"
        credentials = prepare_database(template)
        forks = ForkServer()
        try:
            yield Workspace(workdir, template, credentials, forks)
        finally:
            forks.close()


@dataclass
class Outcome:
    """What the suite said about one served app, for the rules it was asked to run."""

    label: str
    statuses: dict[str, str] = field(default_factory=dict)  # rule id -> passed/failed/skipped
    details: dict[str, list[str]] = field(default_factory=dict)  # rule id -> failure details
    seconds: float = 0.0

    def status(self, rule_id: str) -> str:
        return self.statuses.get(rule_id, "not run")


def check(space: Workspace, fault: Fault | None, rules: Iterable[str], rate_limit: str) -> Outcome:
    """Serve `fault` (None: the plain server) and run `rules` against it."""
    label = fault.name if fault else f"baseline {rate_limit}"
    rules = sorted(set(rules))
    started = time.monotonic()
    try:
        with served(
            fault.name if fault else None,
            space.template,
            space.credentials,
            space.workdir,
            space.forks,
            rate_limit,
        ) as base_url:
            report = run_rules(base_url, space.credentials, rules)
    except (ServerFailed, UsageError) as exc:  # one broken run must not hide the others
        problem = f"{type(exc).__name__}: {exc}"
        return Outcome(
            label,
            statuses=dict.fromkeys(rules, ERROR),
            details={rule: [problem] for rule in rules},
            seconds=time.monotonic() - started,
        )
    outcome = Outcome(label, seconds=time.monotonic() - started)
    for result in report.results:
        outcome.statuses[result.rule.id] = result.status
        outcome.details[result.rule.id] = [f"{f.operation}: {f.detail}" for f in result.failures]
        if result.reason:
            outcome.details[result.rule.id].append(result.reason)
    return outcome


def inject(space: Workspace, fault: Fault) -> Outcome:
    """The suite's verdict on the server wrapped in `fault`, for the rule meant to catch it."""
    return check(space, fault, [fault.rule], fault.rate_limit)


def inject_all(space: Workspace, faults: Sequence[Fault]) -> dict[str, Outcome]:
    """`inject` for every fault, `PARALLEL` at a time; fault name -> outcome."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = pool.map(lambda fault: inject(space, fault), faults)
        return {fault.name: outcome for fault, outcome in zip(faults, outcomes, strict=True)}


def baselines(space: Workspace, faults: Iterable[Fault] = FAULTS) -> list[Outcome]:
    """The plain server against every targeted rule (one process per rate-limit setting)."""
    by_limit: dict[str, set[str]] = {}
    for fault in faults:
        by_limit.setdefault(fault.rate_limit, set()).add(fault.rule)
    return [check(space, None, rules, limit) for limit, rules in sorted(by_limit.items())]
