"""`schedulingkit conformance`: run the suite against a deployment and report rule by rule."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from schedulingkit.conformance.catalogue import select
from schedulingkit.conformance.config import SuiteConfig, UsageError
from schedulingkit.conformance.output import (
    STYLES,
    console,
    plain_progress,
    print_catalogue,
    print_plan,
    print_report,
    requirements_markdown,
)
from schedulingkit.conformance.report import Report
from schedulingkit.conformance.runner import run_suite


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


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


class WithLoadedCommands(click.Group):
    """A group whose extra subcommands are loaders registered by the caller.

    `schedulingkit conformance setup` belongs to the reference server: the top-level
    command registers it here, so the suite itself never imports the server."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.loaders: dict[str, Callable[[], click.Command]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.loaders})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        loader = self.loaders.get(cmd_name)
        return loader() if loader else super().get_command(ctx, cmd_name)


@click.group(cls=WithLoadedCommands, invoke_without_command=True)
@click.pass_context
@click.option("--base-url", envvar="SK_BASE_URL", help="The API base URL, including /api/v1.")
@click.option(
    "--token",
    envvar="SK_TOKEN",
    help="A token of the first team with every scope. Default: $SK_TOKEN (keep tokens out of "
    "the command line, where ps shows them).",
)
@click.option(
    "--other-team-token",
    envvar="SK_OTHER_TEAM_TOKEN",
    help="A token of a second team (tenancy rules). Default: $SK_OTHER_TEAM_TOKEN.",
)
@click.option(
    "--limited-token",
    envvar="SK_LIMITED_TOKEN",
    help="A token of the first team with only --limited-scopes. Default: $SK_LIMITED_TOKEN.",
)
@click.option(
    "--limited-scopes",
    envvar="SK_LIMITED_SCOPES",
    help="The scopes of --limited-token, comma-separated. Default: $SK_LIMITED_SCOPES.",
)
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
@click.option(
    "--max-duration",
    type=click.FloatRange(min=1),
    default=15.0,
    show_default=True,
    help="Minutes the run may take at the deployment's rate limit: the generated requests are "
    "sized to fit.",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1),
    default=1024 * 1024,
    show_default=True,
    envvar="SK_MAX_BODY_BYTES",
    help="The deployment's request body limit (the contract's default is 1 MiB; give yours if "
    "it sets another): COST-001 announces a body one byte longer.",
)
@click.option("--report-json", type=click.Path(dir_okay=False), help="Write the JSON report.")
@click.option("--junit", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@click.option("--html", type=click.Path(dir_okay=False), help="Write a self-contained HTML report.")
@click.option("--list", "list_rules", is_flag=True, help="Print the rule catalogue and exit.")
@click.option(
    "--requirements",
    "list_requirements",
    is_flag=True,
    help="Print the requirement catalogue with the rules verifying each (Markdown) and exit.",
)
def conformance(
    ctx: click.Context,
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
    max_duration: float,
    max_body_bytes: int,
    report_json: str | None,
    junit: str | None,
    html: str | None,
    list_rules: bool,
    list_requirements: bool,
) -> None:
    """Check a SchedulingKit deployment against the API v1 contract, rule by rule.

    Exit status: 0 when no rule failed, 1 when one did, 2 for usage or connection problems.
    Tokens are read from SK_TOKEN, SK_OTHER_TEAM_TOKEN and SK_LIMITED_TOKEN; on the reference
    server, `schedulingkit conformance setup` creates them and prints the command.
    """
    if ctx.invoked_subcommand is not None:
        return
    out = console()
    if list_rules:
        print_catalogue(out)
        return
    if list_requirements:
        click.echo(requirements_markdown())
        return
    if not base_url or not token:
        raise click.UsageError("--base-url and --token (or $SK_TOKEN) are required")
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
        max_duration=max_duration * 60,
        max_body_bytes=max_body_bytes,
    )
    try:
        report = _run(config, out)
    except UsageError as exc:
        console(stderr=True).print(f"error: {exc}", markup=False)
        sys.exit(2)
    print_report(out, report)
    write_reports(report, report_json, junit, html)
    sys.exit(1 if report.failed else 0)


def _run(config: SuiteConfig, out) -> Report:
    """The run, with a progress bar on a terminal and plain progress lines elsewhere."""
    if not out.is_terminal:
        return run_suite(config, plain_progress(out))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=len(select(config.rules)))

        def on_progress(event, rule, result):
            if event == "plan":
                print_plan(progress.console, result)
            elif event == "start":
                progress.update(task, description=f"{rule.id} {rule.title[:60]}")
            elif event == "finish":
                progress.advance(task)
                progress.console.print(
                    f"{rule.id:10} [{STYLES[result.status]}]{result.status}[/] "
                    f"[dim]{result.duration:.1f}s, {result.requests} requests[/dim]"
                )
            elif event == "wait":
                progress.update(task, description=f"rate limited (429): waiting {result:.0f} s")

        return run_suite(config, on_progress)
