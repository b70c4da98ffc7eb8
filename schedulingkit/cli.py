"""The `schedulingkit` command.

Each subcommand lives beside the part of the project it drives and is imported only when
it is called, so `schedulingkit --help` stays fast and a command's dependencies load lazily.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "spec": "schedulingkit.spec.cli:spec",
    "serve": "schedulingkit.impl.cli:serve",
    "db": "schedulingkit.impl.cli:db",
    "team": "schedulingkit.impl.cli:team",
    "token": "schedulingkit.impl.cli:token",
    "seed": "schedulingkit.impl.cli:seed",
    "demo": "schedulingkit.impl.cli:demo",
    "conformance": "schedulingkit.conformance.cli:conformance",
    "docs": "schedulingkit.docs.cli:docs",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of the project is not built yet
            raise
        return getattr(module, attribute)


def versions() -> list[str]:
    """The package's version and the contract's, each with what it numbers."""
    from importlib.metadata import version

    from schedulingkit.docs.reference import load
    from schedulingkit.openapi import document_path

    contract = load(document_path()).get("info", {}).get("version", "unknown")
    return [
        f"schedulingkit {version('schedulingkit')} (this package: the reference server, "
        "the conformance suite and the tools; see CHANGELOG.md)",
        f"SchedulingKit API contract {contract} (info.version of openapi/schedulingkit.yaml: "
        "the API the server serves and the suite checks)",
    ]


def _print_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for line in versions():
        click.echo(line)
    ctx.exit()


@click.group(cls=LazyGroup)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_versions,
    help="Print the package's version and the API contract's, then exit.",
)
def cli() -> None:
    """SchedulingKit API v1: the contract, its reference server and its conformance suite."""


def main() -> None:
    """Console-script entry point."""
    cli()
