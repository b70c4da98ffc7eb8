"""Proof that the conformance suite can fail.

The plain reference server passes every rule the faults target; each fault, injected by
wrapping the server's ASGI app in a real uvicorn process, makes the suite fail the very rule
meant to catch it (not merely "something failed").
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.catalogue import FAULTS, Fault
from tests.faults.harness import GENEROUS_RATE_LIMIT
from tests.faults.mutation import (
    ERROR,
    FAILED,
    PASSED,
    Outcome,
    Workspace,
    baselines,
    check,
    inject,
    inject_all,
    workspace,
)


@pytest.fixture(scope="module")
def space() -> Iterator[Workspace]:
    with workspace() as space:
        yield space


class Outcomes:
    """The suite's verdict per fault, computed when first asked for.

    In a plain run, the first question injects every fault the session selected, two at a
    time; under pytest-xdist (which already spreads tests over processes) each fault is
    injected on its own, by the worker that runs its test.
    """

    def __init__(self, space: Workspace, selected: list[Fault], batch: bool) -> None:
        self.space, self.selected, self.batch = space, selected, batch
        self.known: dict[str, Outcome] = {}

    def __getitem__(self, fault: Fault) -> Outcome:
        if fault.name not in self.known:
            if self.batch:
                self.known.update(inject_all(self.space, self.selected))
            else:
                self.known[fault.name] = inject(self.space, fault)
        return self.known[fault.name]


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, space: Workspace) -> Outcomes:
    selected = {
        item.callspec.params["fault"].name
        for item in request.session.items
        if hasattr(item, "callspec") and "fault" in item.callspec.params
    }
    batch = "PYTEST_XDIST_WORKER" not in os.environ
    return Outcomes(space, [fault for fault in FAULTS if fault.name in selected], batch)


def test_every_targeted_rule_exists():
    from schedulingkit.conformance.catalogue import rule_ids

    assert {fault.rule for fault in FAULTS} <= set(rule_ids())


def test_fault_names_are_unique_and_there_are_at_least_twenty():
    names = [fault.name for fault in FAULTS]
    assert len(names) == len(set(names)) >= 20


def test_reference_server_passes_every_targeted_rule(space: Workspace):
    for outcome in baselines(space):
        assert outcome.statuses, "no rule ran"
        not_passed = {rule: status for rule, status in outcome.statuses.items() if status != PASSED}
        assert not not_passed, {rule: outcome.details[rule] for rule in not_passed}


def test_a_server_that_cannot_start_is_an_error_not_a_catch(space: Workspace):
    unknown = Fault(
        "not-in-the-catalogue", "AUTH-001", "REQ-AUTH-01", lambda make, _c: make(), object
    )
    outcome = check(space, unknown, [unknown.rule], GENEROUS_RATE_LIMIT)
    assert outcome.status("AUTH-001") == ERROR
    assert "not-in-the-catalogue" in outcome.details["AUTH-001"][0]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_fails_the_rule_meant_to_catch_it(outcomes: Outcomes, fault: Fault):
    outcome = outcomes[fault]
    assert outcome.status(fault.rule) == FAILED, (
        f"{fault.name} ({fault.summary}) should fail {fault.rule}, which "
        f"{outcome.status(fault.rule)}: {outcome.details.get(fault.rule)}"
    )
