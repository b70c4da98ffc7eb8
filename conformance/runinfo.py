"""What a report says about its own making: tool and contract versions, digests, options."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from schedulingkit.conformance.config import SuiteConfig
from schedulingkit.conformance.report import RunInfo
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml
from schedulingkit.openapi.requirements import load_catalogue

TOKEN_OPTIONS = ("token", "other_team_token", "limited_token")


def tool_version() -> str:
    """The installed schedulingkit distribution's version."""
    try:
        return metadata.version("schedulingkit")
    except metadata.PackageNotFoundError:  # running from a source tree
        from schedulingkit import __version__

        return __version__


def contract_identity(path: str | None = None) -> tuple[str, str]:
    """(`info.version`, sha256 of the file) of the document a run judges against."""
    source = Path(path) if path else document_path()
    info = (load_yaml(source) or {}).get("info") or {}
    return str(info.get("version", "")), hashlib.sha256(source.read_bytes()).hexdigest()


def public_options(config: SuiteConfig) -> dict[str, Any]:
    """The run's options as given, tokens replaced by whether they were given."""
    options: dict[str, Any] = {}
    for item in dataclasses.fields(config):
        value = getattr(config, item.name)
        if item.name in TOKEN_OPTIONS:
            options[item.name] = "given" if value else None
        else:
            options[item.name] = list(value) if isinstance(value, tuple) else value
    return options


def run_info(config: SuiteConfig, started: datetime) -> RunInfo:
    version, digest = contract_identity(config.document)
    return RunInfo(
        tool_version=tool_version(),
        contract_version=version,
        contract_digest=digest,
        requirements_digest=load_catalogue().digest,
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        options=public_options(config),
    )
