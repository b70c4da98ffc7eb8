"""The SchedulingKit API v1 contract, shipped as package data."""

from importlib.resources import as_file, files
from pathlib import Path

DOCUMENT_NAME = "schedulingkit.yaml"


def document_path() -> Path:
    """Path of the OpenAPI document installed with this package."""
    resource = files(__name__) / DOCUMENT_NAME
    with as_file(resource) as path:
        return Path(path)
