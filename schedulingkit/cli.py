"""The `schedulingkit` command.

Each subcommand lives beside the part of the project it drives and is imported only when
it is called, so `schedulingkit --help` stays fast and a command's dependencies load lazily.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util

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

# group name -> {subcommand name -> "module:attribute"}: subcommands one part of the project
# adds to another's group (the suite never imports the server, so its `setup` is added here)
SUBCOMMANDS: dict[str, dict[str, str]] = {
    "conformance": {"setup": "schedulingkit.impl.cli:conformance_setup"},
}


# The reference server's commands need the `server` extra; the suite, `docs` and `spec` do not.
SERVER_COMMANDS = frozenset({"serve", "db", "team", "token", "seed", "demo", "conformance setup"})
SERVER_MODULES = ("connexion", "uvicorn", "sqlalchemy", "alembic", "limits")


def missing_server_modules() -> list[str]:
    """The server's dependencies that are not installed."""
    return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]


def needs_server(name: str, missing: list[str]) -> click.Command:
    """A stand-in for a server command when the `server` extra is not installed."""

    @click.command(
        name,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        help="Needs the reference server: pip install 'schedulingkit[server]'.",
    )
    def stand_in() -> None:
        raise click.ClickException(
            f"`schedulingkit {name}` runs the reference server, whose dependencies are not "
            f"installed ({', '.join(missing)}): pip install 'schedulingkit[server]'"
        )

    return stand_in


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        command = load_command(cmd_name, target)
        for name, sub_target in SUBCOMMANDS.get(cmd_name, {}).items() if command else ():
            full_name = f"{cmd_name} {name}"
            command.loaders[name] = functools.partial(load_command, full_name, sub_target)
        return command


def load_command(name: str, target: str) -> click.Command | None:
    """Import the click command `target` ("module:attribute") for `schedulingkit <name>`."""
    if name in SERVER_COMMANDS:
        missing = missing_server_modules()
        if missing:
            return needs_server(name, missing)
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
