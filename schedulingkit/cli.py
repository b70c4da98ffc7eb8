"""The `schedulingkit` command.

Each subcommand lives beside the part of the project it drives and is imported only when
it is called, so `schedulingkit --help` stays fast and a command's dependencies load lazily.
"""

from __future__ import annotations

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


# The reference server's commands need the `server` extra; the suite, `docs` and `spec` do not.
SERVER_COMMANDS = frozenset({"serve", "db", "team", "token", "seed", "demo"})
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
        if cmd_name in SERVER_COMMANDS:
            missing = missing_server_modules()
            if missing:
                return needs_server(cmd_name, missing)
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of the project is not built yet
            raise
        return getattr(module, attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="schedulingkit")
def cli() -> None:
    """SchedulingKit API v1: the contract, its reference server and its conformance suite."""


def main() -> None:
    """Console-script entry point."""
    cli()
