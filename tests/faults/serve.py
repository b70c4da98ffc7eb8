"""`uvicorn tests.faults.serve:app --factory`: the reference server wrapped in one fault.

`SCHEDULINGKIT_FAULT` names the fault (empty: the plain server) and
`SCHEDULINGKIT_FAULT_CREDENTIALS` holds the run's tokens (JSON), which some faults replay
requests with; the server itself is configured as usual (`SCHEDULINGKIT_DATABASE_URL`, ...).
"""

from __future__ import annotations

import os

from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from starlette.types import ASGIApp

from .catalogue import fault_named
from .harness import CREDENTIALS_VARIABLE, FAULT_VARIABLE, Credentials


def app() -> ASGIApp:
    """The app uvicorn serves: the reference server, through the named fault if any."""
    settings = Settings.from_env()

    def reference() -> ASGIApp:
        return create_app(settings)

    name = os.environ.get(FAULT_VARIABLE, "")
    if not name:
        return reference()
    credentials = Credentials.from_json(os.environ[CREDENTIALS_VARIABLE])
    return fault_named(name).build(reference, credentials)
