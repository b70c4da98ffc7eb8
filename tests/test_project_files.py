"""The files around the code that a newcomer reads first: the license the package declares,
a changelog that covers both versions, the install prerequisites, and what git ignores."""

from __future__ import annotations

import re
import subprocess
import tomllib
from importlib.metadata import version

import yaml
from schedulingkit.openapi import document_path

from tests.docs_helpers import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_is_the_mit_text_pyproject_declares():
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    contract = yaml.safe_load(document_path().read_text(encoding="utf-8"))
    assert contract["info"]["license"]["name"] == "MIT"


def test_the_changelog_covers_the_package_and_the_contract_versions():
    text = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    contract = yaml.safe_load(document_path().read_text(encoding="utf-8"))["info"]["version"]
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert version("schedulingkit") in headings
    assert PYPROJECT["project"]["version"] in headings
    assert f"API contract {contract}" in text.split("## [Unreleased]")[1].split("\n## ")[0]
    assert f"API contract **{contract}**" in text


def test_the_readme_asks_for_python_311_and_a_venv_before_pip_install():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    prerequisites = readme.index("Python 3.11 or newer")
    venv = readme.index("python3 -m venv .venv && . .venv/bin/activate")
    install = readme.index("pip install -e '.[server]'")
    assert prerequisites < venv < install


def test_git_ignores_sqlite_side_files():
    names = ["x.sqlite3", "x.sqlite3-wal", "x.sqlite3-shm"]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", *names],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == names
