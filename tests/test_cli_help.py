"""The `schedulingkit` command reads the same everywhere: every option explained, the same
option names for the same things, and versions that say what they number."""

from __future__ import annotations

import re
from importlib.metadata import version

import click
import pytest
import yaml
from click.testing import CliRunner
from schedulingkit.openapi import document_path

import schedulingkit
from schedulingkit.cli import COMMANDS, cli


def every_command() -> list[tuple[str, click.Command]]:
    """(`schedulingkit spec check`, command) for every command and subcommand."""
    found = []

    def walk(prefix: str, command: click.Command) -> None:
        found.append((prefix, command))
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                walk(f"{prefix} {name}", command.get_command(ctx, name))

    walk("schedulingkit", cli)
    return found


COMMAND_LINES = every_command()


def test_every_command_is_reached():
    names = {line.split()[1] for line, _ in COMMAND_LINES if " " in line}
    assert names == set(COMMANDS)


@pytest.mark.parametrize(("line", "command"), COMMAND_LINES, ids=[c[0] for c in COMMAND_LINES])
def test_every_command_and_option_has_help(line, command):
    assert (command.help or "").strip(), f"{line} has no help"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{line} {param.opts[0]} has no help"
    args = line.split()[1:]
    shown = CliRunner().invoke(cli, [*args, "--help"])
    assert shown.exit_code == 0, shown.output
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.opts[0] in shown.output


def options_of(*args: str) -> set[str]:
    ctx = click.Context(cli)
    command: click.Command = cli
    for name in args:
        command = command.get_command(ctx, name)
    return {opt for param in command.params for opt in param.opts}


def test_spec_check_and_conformance_name_rule_options_alike():
    spec_check, conformance = options_of("spec", "check"), options_of("conformance")
    for option in ("--rules", "--list"):
        assert option in spec_check and option in conformance
    assert not {"--rule", "--list-rules"} & (spec_check | conformance)


def test_token_create_help_lists_every_scope():
    shown = CliRunner().invoke(cli, ["token", "create", "--help"]).output
    document = yaml.safe_load(document_path().read_text(encoding="utf-8"))
    scopes = {
        scope
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for scope in operation.get("x-scopes", [])
    }
    assert "invoices:write" in scopes and "*" not in scopes
    listed = shown.split("Scopes:")[1].splitlines()
    assert {line.split()[0] for line in listed if line.strip()} == scopes | {"*"}
    assert re.search(r"^  clients:write +POST, PUT, DELETE /clients$", shown, re.M)


def test_db_upgrade_help_names_its_option():
    shown = CliRunner().invoke(cli, ["db", "upgrade", "--help"]).output
    assert "--revision" in shown
    assert not re.search(r"\bREVISION\b", shown.replace("--revision TEXT", ""))


def test_version_prints_the_package_and_the_contract_with_their_meaning():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    package_line, contract_line = result.output.strip().splitlines()
    contract = yaml.safe_load(document_path().read_text(encoding="utf-8"))["info"]["version"]
    assert package_line.startswith(f"schedulingkit {version('schedulingkit')} (this package")
    assert contract_line.startswith(f"SchedulingKit API contract {contract} (info.version")
    assert schedulingkit.__version__ == version("schedulingkit")
