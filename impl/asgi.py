"""ASGI entry point for uvicorn workers: `uvicorn --factory schedulingkit.impl.asgi:create`
(`schedulingkit serve` adds `serving.uvicorn_options()`: no Server header, bounded headers)."""

from __future__ import annotations

from connexion import AsyncApp

from .settings import Settings
from .web.app import create_app


def create() -> AsyncApp:
    """The server configured from the environment (each worker process calls this)."""
    return create_app(Settings.from_env())
