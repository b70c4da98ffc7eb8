"""What `schedulingkit conformance` prints: the catalogue, the plan, progress and the report.

Everything is printed as plain lines that never wrap (a curl command must paste back whole,
and `--list` piped to a file must keep one rule per block); a terminal gets colours and a
progress bar, anything else gets one progress line per event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.text import Text
from schedulingkit.conformance.catalogue import AREAS, Rule, catalogue, rules_verifying
from schedulingkit.conformance.report import FAILED, PASSED, Report
from schedulingkit.openapi.requirements import load_catalogue

STYLES = {"passed": "green", "failed": "bold red", "skipped": "dim"}
SHOWN_FAILURES = 5


def console(stderr: bool = False) -> Console:
    """A console that never wraps lines (`soft_wrap`), whatever the width."""
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def print_catalogue(out: Console) -> None:
    """Every rule: id, area, severity, needs, statement, and each requirement it verifies
    with its sentence."""
    rules = catalogue()
    out.print(f"{len(rules)} rules; requirements from openapi/requirements.yaml")
    for rule in rules:
        needs = ", ".join(sorted(rule.needs)) or "-"
        out.print()
        head = Text(f"{rule.id}", style="bold")
        head.append(f"  {AREAS.get(rule.area, rule.area)} · {rule.severity} · needs: {needs}")
        out.print(head)
        out.print(Text(f"  {rule.title}"))
        for requirement in rule.requirements:
            out.print(Text(f"  verifies {requirement.id}: {requirement.statement}", style="dim"))


def requirements_markdown() -> str:
    """The requirement coverage table: each requirement, the rules that verify it, or why
    none does."""
    by_requirement = rules_verifying()
    lines = [
        "| requirement | area | verified by | statement |",
        "| --- | --- | --- | --- |",
    ]
    for requirement in load_catalogue().requirements:
        rules = by_requirement.get(requirement.id, [])
        if rules:
            verdict = ", ".join(rules)
        elif requirement.untestable:
            verdict = f"untestable from outside: {requirement.untestable}"
        else:
            verdict = "**no rule**"
        statement = requirement.statement.replace("|", "\\|")
        lines.append(
            f"| {requirement.id} | {requirement.area_title} | {verdict.replace('|', '/')} "
            f"| {statement} |"
        )
    return "\n".join(lines)


def print_plan(out: Console, plan: Any) -> None:
    for line in plan.lines():
        out.print(Text(line, style="yellow" if line.startswith("warning") else ""))


def print_report(out: Console, report: Report) -> None:
    out.print()
    out.print(Text(f"Conformance of {report.base_url}", style="bold"))
    for result in report.results:
        line = Text(f"{result.rule.id:10} ")
        line.append(f"{result.status:8}", style=STYLES[result.status])
        line.append(f" {result.rule.title}")
        if result.status == "skipped":
            line.append(f" (skipped: {result.reason})", style="dim")
        elif result.status == FAILED:
            line.append(f" ({len(result.failures) + result.omitted} failure(s))", style="red")
        out.print(line)
    for result in report.results:
        if result.status != FAILED:
            continue
        out.print()
        out.print(Text(f"{result.rule.id} {result.rule.title}", style="bold red"))
        for requirement in result.rule.requirements:
            out.print(Text(f"  requirement {requirement.id}: {requirement.statement}"))
        for failure in result.failures[:SHOWN_FAILURES]:
            line = Text("  ")
            line.append(failure.operation or "-", style="bold")
            line.append(f": {failure.detail}")
            out.print(line)
            if failure.curl:
                out.print(Text(f"    {failure.curl}", style="cyan"))
        more = len(result.failures) - SHOWN_FAILURES + result.omitted
        if more > 0:
            out.print(f"  … and {more} more (see --report-json / --html)")
    for note in report.notes:
        out.print(Text(f"note: {note}", style="dim"))
    summary = report.summary
    out.print()
    out.print(
        f"[green]{summary[PASSED]} passed[/], [red]{summary[FAILED]} failed[/], "
        f"{summary['skipped']} skipped in {report.duration:.0f} s, "
        f"{report.request_count} requests"
    )


def plain_progress(out: Console) -> Callable[[str, Rule | None, Any], None]:
    """Progress as one line per event, for logs and CI (stdout is not a terminal)."""
    started = time.monotonic()

    def stamp() -> str:
        seconds = int(time.monotonic() - started)
        return f"[{seconds // 60:02d}:{seconds % 60:02d}]"

    def on_progress(event: str, rule: Rule | None, value: Any) -> None:
        show(event, rule, value)
        out.file.flush()  # a log or CI sees each line when it happens

    def show(event: str, rule: Rule | None, value: Any) -> None:
        if event == "plan":
            print_plan(out, value)
        elif event == "start" and rule is not None:
            out.print(f"{stamp()} {rule.id} started: {rule.title}", markup=False)
        elif event == "finish" and rule is not None:
            out.print(
                f"{stamp()} {rule.id} {value.status} in {value.duration:.1f} s "
                f"({value.requests} requests)" + (f": {value.reason}" if value.reason else "")
            )
        elif event == "wait":
            out.print(f"{stamp()} rate limited (429): waiting {value:.0f} s", markup=False)

    return on_progress
