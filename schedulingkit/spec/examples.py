"""Validating examples against their schemas with OpenAPI 3.0 semantics.

`openapi-schema-validator` implements 3.0's dialect (`nullable`, `readOnly`, `writeOnly`,
formats). A request body example is checked as a write (a `readOnly` field is an error), a
response example as a read, any other example with neither restriction. Schemas are
referenced by their pointer in the whole document, so their internal `$ref`s resolve.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30Validator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry
from referencing.jsonschema import DRAFT4

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec.loader import Document

BASE_URI = "urn:schedulingkit:openapi"
VALIDATORS = {"request": OAS30WriteValidator, "response": OAS30ReadValidator, None: OAS30Validator}


class ExampleValidator:
    """Checks example values against schemas of one document."""

    def __init__(self, document: Document) -> None:
        self._registry = Registry().with_resource(BASE_URI, DRAFT4.create_resource(document.raw))

    def errors(
        self, example: Any, example_pointer: str, schema_pointer: str, context: str | None = None
    ) -> Iterator[tuple[str, str]]:
        """(pointer into the example, message) for each way `example` breaks the schema at
        `schema_pointer`; `context` is "request", "response" or None."""
        validator = VALIDATORS[context](
            {"$ref": f"{BASE_URI}#{schema_pointer}"},
            registry=self._registry,
            format_checker=oas30_format_checker,
        )
        for error in validator.iter_errors(example):
            yield jp.join(example_pointer, *error.absolute_path), error.message[:300]
