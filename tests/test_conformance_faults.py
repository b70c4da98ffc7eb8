"""Proof that the conformance suite can fail.

The plain reference server passes every rule the faults target; each fault, injected by
wrapping the server's ASGI app in a real uvicorn process, makes the suite fail the very rule
meant to catch it (not merely "something failed").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.catalogue import FAULTS, Fault
from tests.faults.mutation import (
    FAILED,
    PASSED,
    Outcome,
    Workspace,
    baselines,
    inject_all,
    workspace,
)


@pytest.fixture(scope="module")
def space() -> Iterator[Workspace]:
    with workspace() as space:
        yield space


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, space: Workspace) -> dict[str, Outcome]:
    """Every fault this session selected, injected two at a time (once per module)."""
    selected = {
        item.callspec.params["fault"].name
        for item in request.session.items
        if hasattr(item, "callspec") and "fault" in item.callspec.params
    }
    return inject_all(space, [fault for fault in FAULTS if fault.name in selected])


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


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_fails_the_rule_meant_to_catch_it(outcomes: dict[str, Outcome], fault: Fault):
    outcome = outcomes[fault.name]
    assert outcome.status(fault.rule) == FAILED, (
        f"{fault.name} ({fault.summary}) should fail {fault.rule}, which "
        f"{outcome.status(fault.rule)}: {outcome.details.get(fault.rule)}"
    )
