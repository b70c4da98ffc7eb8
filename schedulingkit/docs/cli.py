"""`schedulingkit docs`: build the reference pages from the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import click

from schedulingkit.openapi import document_path


@click.group()
def docs() -> None:
    """Reference pages rendered from the OpenAPI document."""


@docs.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to write the pages to (created if missing).",
)
@click.option(
    "--document",
    "document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="OpenAPI document to render (default: the installed contract).",
)
@click.option(
    "--redocly/--no-redocly",
    default=False,
    help="Also build redoc.html with Redocly CLI (PATH or ./node_modules/.bin).",
)
def build(out_dir: Path, document: Path | None, redocly: bool) -> None:
    """Write index.md, one Markdown page per resource and reference.html to OUT."""
    from schedulingkit.docs.build import build_site
    from schedulingkit.docs.redocly import RedoclyError

    try:
        built = build_site(document or document_path(), out_dir, redocly=redocly)
    except RedoclyError as exc:
        raise click.ClickException(str(exc)) from exc
    for page in built:
        click.echo(f"{page.path}\t{page.size}")
