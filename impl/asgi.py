"""ASGI entry point for uvicorn workers: `uvicorn --factory schedulingkit.impl.asgi:create`
(`schedulingkit serve` adds `serving.uvicorn_options()`: no Server header, bounded headers)."""

from __future__ import annotations

from connexion import AsyncApp

from .app import create_app
from .settings import Settings


def create() -> AsyncApp:
    """The server configured from the environment (each worker process calls this)."""
    return create_app(Settings.from_env())
