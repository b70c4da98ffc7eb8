"""A copy-paste `curl` command for an operation, built from the document's examples."""

from __future__ import annotations

import json
from typing import Any

TOKEN_VARIABLE = "$SK_TOKEN"


def shell_quote(text: str) -> str:
    """Single-quote `text` for a POSIX shell."""
    return "'" + text.replace("'", "'\\''") + "'"


def curl_command(
    method: str,
    url: str,
    *,
    authenticated: bool,
    body: Any = None,
    has_body: bool = False,
) -> str:
    """The command, one option a line. The token is read from `$SK_TOKEN`."""
    lines = [f"curl -X {method.upper()} {shell_quote(url)}"]
    if authenticated:
        lines.append(f'-H "Authorization: Bearer {TOKEN_VARIABLE}"')
    lines.append("-H 'Accept: application/json'")
    if has_body:
        lines.append("-H 'Content-Type: application/json'")
        lines.append("-d " + shell_quote(json.dumps(body, indent=2, ensure_ascii=False)))
    return " \\\n  ".join(lines)
