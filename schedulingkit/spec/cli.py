"""`schedulingkit spec check [PATH]`: hold the OpenAPI document to the contract's rules."""

from __future__ import annotations

import fnmatch
import json
import time
from dataclasses import asdict
from pathlib import Path

import click

from schedulingkit.spec.check import RULES, check_document
from schedulingkit.spec.loader import DocumentError, load_document


@click.group()
def spec() -> None:
    """The OpenAPI document: check it against the contract's rules."""


@spec.command()
@click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--rules",
    "patterns",
    metavar="CODES",
    help="Run only these rules: codes or globs, comma-separated (SPEC-022,SPEC-01*).",
)
@click.option(
    "--list", "list_rules", is_flag=True, help="Print every rule's code and description, then exit."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text: one `CODE POINTER: message` line each; json: one object for tools.",
)
def check(path: Path | None, patterns: str | None, list_rules: bool, output: str) -> None:
    """Validate the document at PATH (default: the installed one) and check the contract's
    rules; print each violation as `CODE POINTER: message` and exit 1 if there is any."""
    if list_rules:
        for rule in RULES:
            click.echo(f"{rule.code} {rule.description}")
        return
    codes = selected_codes(patterns)
    if path is None:
        from schedulingkit.openapi import document_path

        path = document_path()
    started = time.perf_counter()
    try:
        document = load_document(path)
    except DocumentError as exc:
        raise click.ClickException(str(exc)) from exc
    violations = check_document(document, codes or None)
    ran = len(set(codes)) if codes else len(RULES)
    elapsed = time.perf_counter() - started
    if output == "json":
        found = [asdict(violation) for violation in violations]
        report = {"document": str(path), "rules": ran, "violations": found}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        raise SystemExit(1 if violations else 0)
    for violation in violations:
        click.echo(str(violation))
    if violations:
        click.echo(
            f"{path}: {len(violations)} violation(s) of {ran} rules ({elapsed:.2f}s)", err=True
        )
        raise SystemExit(1)
    click.echo(f"ok: {path} follows all {ran} rules ({elapsed:.2f}s)")


def selected_codes(patterns: str | None) -> tuple[str, ...]:
    """The codes of the rules `--rules` names (every rule when it is empty), as the
    conformance suite's `--rules` reads its own: codes or globs, comma-separated."""
    wanted = [part.strip().upper() for part in (patterns or "").split(",") if part.strip()]
    codes = [rule.code for rule in RULES]
    unmatched = [p for p in wanted if not any(fnmatch.fnmatchcase(c, p) for c in codes)]
    if unmatched:
        raise click.BadParameter(f"no rule matches {', '.join(unmatched)}", param_hint="--rules")
    return tuple(c for c in codes if any(fnmatch.fnmatchcase(c, p) for p in wanted))
