"""Optional: Redoc's HTML page built by Redocly CLI (`redocly build-docs`), when it is installed
(on PATH or in `./node_modules/.bin`, where `.ci/run` puts it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

EXECUTABLE = "redocly"
QUIET_ENVIRONMENT = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_COLOR": "1",
}
TIMEOUT_SECONDS = 300


class RedoclyError(RuntimeError):
    """Redocly CLI is missing or failed."""


def find_redocly(cwd: Path | None = None) -> Path | None:
    """The `redocly` executable on PATH, else in `<cwd>/node_modules/.bin`."""
    found = shutil.which(EXECUTABLE)
    if found:
        return Path(found)
    local = (cwd or Path.cwd()) / "node_modules" / ".bin" / EXECUTABLE
    return local if local.is_file() and os.access(local, os.X_OK) else None


def build_docs(document: Path, output: Path, title: str, executable: Path | None = None) -> Path:
    """Run `redocly build-docs` with the Redoc scripts inlined (a page that works offline)."""
    executable = executable or find_redocly()
    if executable is None:
        raise RedoclyError(
            "redocly not found on PATH or in ./node_modules/.bin "
            "(npm install --no-save @redocly/cli@2.77.0)"
        )
    command = [
        str(executable),
        "build-docs",
        str(document),
        "--output",
        str(output),
        "--title",
        title,
        "--inlineBundle",
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, **QUIET_ENVIRONMENT},
        check=False,
    )
    if result.returncode != 0 or not output.is_file():
        raise RedoclyError(f"redocly build-docs failed ({result.returncode}):\n{result.stderr}")
    return output
