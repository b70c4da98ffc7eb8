"""`schedulingkit conformance`: run the suite against a deployment and report rule by rule."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from schedulingkit.conformance.catalogue import AREAS, catalogue
from schedulingkit.conformance.config import SuiteConfig, UsageError
from schedulingkit.conformance.report import FAILED, PASSED, Report
from schedulingkit.conformance.runner import run_suite

STYLES = {"passed": "green", "failed": "bold red", "skipped": "dim"}
SHOWN_FAILURES = 5


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _print_catalogue(console: Console) -> None:
    table = Table(title="Conformance rules")
    for column in ("Rule", "Area", "Severity", "Needs", "Statement", "Clause"):
        table.add_column(column, overflow="fold")
    for rule in catalogue():
        table.add_row(
            rule.id,
            AREAS.get(rule.area, rule.area),
            rule.severity,
            ", ".join(sorted(rule.needs)) or "-",
            Text(rule.title),
            Text(rule.clause),
        )
    console.print(table)


def _print_report(console: Console, report: Report) -> None:
    table = Table(title=f"Conformance of {report.base_url}")
    table.add_column("Rule")
    table.add_column("Result")
    table.add_column("Statement / reason", overflow="fold")
    for result in report.results:
        status = result.status
        text = Text(result.rule.title)
        if status == "skipped":
            text.append(f" (skipped: {result.reason})", style="dim")
        elif status == FAILED:
            text.append(f" ({len(result.failures) + result.omitted} failure(s))", style="red")
        table.add_row(result.rule.id, Text(status, style=STYLES[status]), text)
    console.print(table)
    for result in report.results:
        if result.status != FAILED:
            continue
        console.print(f"\n[bold red]{result.rule.id}[/] {result.rule.title}")
        for failure in result.failures[:SHOWN_FAILURES]:
            line = Text("  ")
            line.append(failure.operation or "-", style="bold")
            line.append(f": {failure.detail}")
            console.print(line, highlight=False)
            if failure.curl:
                console.print(Text(f"    {failure.curl}", style="cyan"), highlight=False)
        more = len(result.failures) - SHOWN_FAILURES + result.omitted
        if more > 0:
            console.print(f"  … and {more} more (see --report-json / --html)")
    for note in report.notes:
        console.print(Text(f"note: {note}", style="dim"), highlight=False)
    summary = report.summary
    console.print(
        f"\n[green]{summary[PASSED]} passed[/], [red]{summary[FAILED]} failed[/], "
        f"{summary['skipped']} skipped in {report.duration:.0f} s"
    )


def write_reports(
    report: Report, json_path: str | None, junit: str | None, html: str | None
) -> None:
    """Write the requested report files."""
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    if junit:
        from schedulingkit.conformance.junit import junit_xml

        Path(junit).write_text(junit_xml(report))
    if html:
        from schedulingkit.conformance.html import html_report

        Path(html).write_text(html_report(report))


@click.command()
@click.option("--base-url", help="The API base URL, including /api/v1.")
@click.option(
    "--token", envvar="SK_TOKEN", help="A token of the first team with every scope (or $SK_TOKEN)."
)
@click.option(
    "--other-team-token",
    envvar="SK_OTHER_TEAM_TOKEN",
    help="A token of a second team (tenancy rules).",
)
@click.option(
    "--limited-token",
    envvar="SK_LIMITED_TOKEN",
    help="A token of the first team with only --limited-scopes.",
)
@click.option("--limited-scopes", help="The scopes of --limited-token, comma-separated.")
@click.option("--read-only", is_flag=True, help="Run only rules that write nothing.")
@click.option("--rules", "rules", help="Rule IDs or globs, comma-separated (AUTH-*,PAGE-00[12]).")
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Schemathesis examples per operation and phase.",
)
@click.option("--seed", type=int, help="Schemathesis seed, to reproduce a run's generated data.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option("--report-json", type=click.Path(dir_okay=False), help="Write the JSON report.")
@click.option("--junit", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@click.option("--html", type=click.Path(dir_okay=False), help="Write a self-contained HTML report.")
@click.option("--list", "list_rules", is_flag=True, help="Print the rule catalogue and exit.")
def conformance(
    base_url: str | None,
    token: str | None,
    other_team_token: str | None,
    limited_token: str | None,
    limited_scopes: str | None,
    read_only: bool,
    rules: str | None,
    max_examples: int,
    seed: int | None,
    timeout: float,
    report_json: str | None,
    junit: str | None,
    html: str | None,
    list_rules: bool,
) -> None:
    """Check a SchedulingKit deployment against the API v1 contract, rule by rule.

    Exit status: 0 when no rule failed, 1 when one did, 2 for usage or connection problems.
    """
    console = Console()
    if list_rules:
        _print_catalogue(console)
        return
    if not base_url or not token:
        raise click.UsageError("--base-url and --token are required")
    config = SuiteConfig(
        base_url=base_url,
        token=token,
        other_team_token=other_team_token,
        limited_token=limited_token,
        limited_scopes=_split(limited_scopes),
        read_only=read_only,
        rules=_split(rules),
        max_examples=max_examples,
        seed=seed,
        timeout=timeout,
    )
    errors = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
        ) as progress:
            task = progress.add_task("starting", total=None)

            def on_progress(event, rule, result):
                if event == "start":
                    progress.update(task, description=f"{rule.id} {rule.title[:60]}")
                elif event == "finish":
                    progress.advance(task)
                    progress.console.print(
                        f"{rule.id:10} [{STYLES[result.status]}]{result.status}[/] "
                        f"[dim]{result.duration:.1f}s[/dim]"
                    )
                elif event == "wait":
                    progress.update(task, description=f"rate limited: waiting {result:.0f} s")

            from schedulingkit.conformance.catalogue import select

            progress.update(task, total=len(select(config.rules)))
            report = run_suite(config, on_progress)
    except UsageError as exc:
        errors.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(2)
    _print_report(console, report)
    write_reports(report, report_json, junit, html)
    sys.exit(1 if report.failed else 0)
