"""pytest plugin: the conformance rules as tests, with `pytest --schedulingkit-base-url URL`.

Registered through the `pytest11` entry point, so it loads in every pytest run of an environment
where schedulingkit is installed; it does nothing unless `--schedulingkit-base-url` is given.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schedulingkit", "SchedulingKit conformance")
    group.addoption("--schedulingkit-base-url", default=None, help="API base URL incl. /api/v1")
    group.addoption("--schedulingkit-token", default=None, help="a token with every scope")
