"""All models of the reference server.

Every module of this package is imported here, so a new model module (for example
`billing.py`) is seen by the app and by Alembic's autogenerate without registering it.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Base, ExactDecimal, TeamScoped, Timestamped, UTCDateTime, utcnow

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base", "ExactDecimal", "TeamScoped", "Timestamped", "UTCDateTime", "utcnow"]
