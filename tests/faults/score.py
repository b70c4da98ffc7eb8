"""`python -m tests.faults.score`: inject every fault, run the suite, print the mutation score.

The output is Markdown (the README's "Conformance mutation score" section is a copy of it);
the exit status is 1 when a baseline rule does not pass or a fault is not caught.
"""

from __future__ import annotations

import argparse
import sys
import time

from .catalogue import FAULTS, Fault, fault_named
from .mutation import FAILED, PASSED, Outcome, baselines, inject_all, workspace


def markdown(
    faults: list[Fault], outcomes: list[Outcome], baseline: list[Outcome], seconds: float
) -> str:
    caught = sum(o.status(f.rule) == FAILED for f, o in zip(faults, outcomes, strict=True))
    rules = {rule: status for outcome in baseline for rule, status in outcome.statuses.items()}
    broken = sorted(rule for rule, status in rules.items() if status != PASSED)
    lines = [
        f"Mutation score: **{caught} / {len(faults)}** faults caught by the rule meant for "
        f"them ({seconds:.0f} s wall, `python -m tests.faults.score`).",
        "",
        f"Baseline: the plain reference server passes {len(rules) - len(broken)} of the "
        f"{len(rules)} targeted rules" + (f" (not: {', '.join(broken)})." if broken else "."),
        "",
        "| # | fault | what the deployment gets wrong | requirement broken | rule expected "
        "| caught |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for number, (fault, outcome) in enumerate(zip(faults, outcomes, strict=True), start=1):
        status = outcome.status(fault.rule)
        verdict = "yes" if status == FAILED else f"**no** ({status})"
        lines.append(
            f"| {number} | `{fault.name}` | {fault.summary} | {fault.requirement} | {fault.rule} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faults", nargs="*", help="fault names (default: every fault)")
    options = parser.parse_args(argv)
    faults = [fault_named(n) for n in options.faults] if options.faults else list(FAULTS)
    started = time.monotonic()
    with workspace() as space:
        baseline = baselines(space, faults)
        problems = [
            f"baseline: {rule} {status}: {outcome.details[rule][:2]}"
            for outcome in baseline
            for rule, status in outcome.statuses.items()
            if status != PASSED
        ]
        by_name = inject_all(space, faults)
        outcomes = [by_name[fault.name] for fault in faults]
    for fault, outcome in zip(faults, outcomes, strict=True):
        verdict = outcome.status(fault.rule)
        first = (outcome.details.get(fault.rule) or [""])[0][:200]
        print(
            f"{fault.name}: {fault.rule} {verdict} ({outcome.seconds:.1f} s) {first}",
            file=sys.stderr,
        )
    print(markdown(faults, outcomes, baseline, time.monotonic() - started))
    for problem in problems:
        print(problem, file=sys.stderr)
    missed = [f.name for f, o in zip(faults, outcomes, strict=True) if o.status(f.rule) != FAILED]
    return 1 if problems or missed else 0


if __name__ == "__main__":
    sys.exit(main())
