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


@click.group(cls=LazyGroup)
@click.version_option(package_name="schedulingkit")
def cli() -> None:
    """SchedulingKit API v1: the contract, its reference server and its conformance suite."""


def main() -> None:
    """Console-script entry point."""
    cli()
