"""The compiled body check decides exactly as jsonschema does.

A request body is first checked by fastjsonschema's compiled code
(`validation.compiled_check`); only a body it refuses is walked by jsonschema, which words
the errors. A body the compiled check passes while jsonschema would refuse it would be
stored unvalidated, so for every request body of the document the two must agree: on the
document's own example, on the example with each field broken in turn, and on bodies
Schemathesis generates to pass and to fail the schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from connexion.spec import OpenAPISpecification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schedulingkit.impl.web import validation
from schedulingkit.openapi.contract import load_contract
from schemathesis import GenerationMode


def _body_operations() -> list[tuple[str, str, dict]]:
    """(method, path, body schema as the server sees it: references resolved)."""
    resolved = OpenAPISpecification(copy.deepcopy(load_contract().raw))
    found = []
    for path, item in resolved["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                found.append((method.upper(), path, body["content"]["application/json"]["schema"]))
    return found


OPERATIONS = _body_operations()
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]

# What each field of an example is replaced with, in turn: every JSON type, the edges of the
# bounds the document uses, text each format refuses, and text no backend can store.
REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    10**15,
    "",
    "x",
    "x" * 300,
    "not a date",
    "2026-02-30",
    "2026-03-16T09:00:00",
    "2026-03-16T09:00:00Z",
    "not an email",
    "a@b.example",
    "not a uri",
    "https://example.com/hook",
    "nul\x00",
    [],
    ["a", "a"],
    [1, 1.0],
    {},
    {"unknown": 1},
)


def _variants(example: Any) -> Iterator[Any]:
    """`example` with each of its fields (at any depth) replaced, removed, or given an unknown
    neighbour, one change at a time."""
    yield example
    yield from REPLACEMENTS
    yield from _changed(example)


def _changed(node: Any) -> Iterator[Any]:
    """`node` with one change: a field or element replaced (or itself changed), removed, an
    unknown field added, an element repeated."""
    if isinstance(node, dict):
        for key, value in node.items():
            for other in (*REPLACEMENTS, *_changed(value)):
                yield {**node, key: other}
            yield {k: v for k, v in node.items() if k != key}
        yield {**node, "nickname": "x"}
    elif isinstance(node, list):
        if node:
            yield [*node, node[0]]  # a duplicate element
            yield node[:-1]
        for index, value in enumerate(node):
            for other in (*REPLACEMENTS, *_changed(value)):
                yield [*node[:index], other, *node[index + 1 :]]


def _agree(schema: dict, body: Any) -> None:
    compiled = validation.compiled_check(schema)(copy.deepcopy(body))
    walked = not any(validation._validator(schema).iter_errors(copy.deepcopy(body)))
    assert compiled == walked, f"compiled check says {compiled}, jsonschema {walked}: {body!r}"


@pytest.mark.parametrize(("method", "path", "schema"), OPERATIONS, ids=IDS)
def test_the_example_and_each_broken_field_are_judged_alike(method, path, schema):
    example = schema.get("example")
    assert example is not None, f"{method} {path}: the body schema has no example"
    assert validation.compiled_check(schema)(copy.deepcopy(example)), "the example is valid"
    checked = 0
    for variant in _variants(example):
        _agree(schema, variant)
        checked += 1
    assert checked > len(REPLACEMENTS) * len(example)


def test_every_request_body_of_the_document_is_compared():
    assert len(OPERATIONS) == 15


_API = schemathesis.openapi.from_dict(copy.deepcopy(load_contract().raw))


@pytest.mark.parametrize(("method", "path", "schema"), OPERATIONS, ids=IDS)
def test_generated_bodies_are_judged_alike(method, path, schema):
    operation = _API[path][method]
    bodies = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(bodies)
    def judged_alike(case) -> None:
        _agree(schema, case.body)

    judged_alike()


def test_a_body_past_the_compiled_check_size_goes_to_jsonschema(monkeypatch):
    """The compiled check does not bound work per element: a body over
    COMPILED_CHECK_MAX_BYTES is never given to it."""
    calls: list[object] = []

    def counting(schema: dict):
        calls.append(schema)
        return lambda _body: True

    monkeypatch.setattr(validation, "_compiled", counting)
    schema = {"type": "object", "properties": {"tags": {"type": "array", "maxItems": 3}}}
    validator = validation.BodyValidator(
        schema=schema, required=True, encoding="utf-8", strict_validation=False
    )
    big = {"tags": ["x"] * 100_000}
    with pytest.raises(validation.ValidationFailed):
        validator._validate(big, size=validation.COMPILED_CHECK_MAX_BYTES + 1)
    assert calls == []
    validator._validate({"tags": ["x"]}, size=20)
    assert len(calls) == 1


PARAMETER_VALUES: tuple[Any, ...] = (
    *(-(2**63), -1, 0, 1, 2, 15, 100, 101, 10**6, 2**63),
    *("", "a", "abc", "x" * 300, "confirmed", "cancelled", "starts_at", "-starts_at", "1"),
    *(1.5, True, None),
)


def _parameters() -> list[tuple[str, dict]]:
    resolved = OpenAPISpecification(copy.deepcopy(load_contract().raw))
    found = {}
    for path, item in resolved["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            for parameter in (*shared, *operation.get("parameters", [])):
                found[f"{method.upper()} {path} {parameter['name']}"] = parameter["schema"]
    return sorted(found.items())


def test_the_plain_parameter_check_passes_only_what_jsonschema_passes():
    """`plainly_valid` lets a parameter value skip jsonschema: for every parameter of the
    document, a value it passes is one jsonschema passes too."""
    judged = skipped = 0
    for name, schema in _parameters():
        accepts = validation.plainly_valid(schema)
        if accepts is None:
            skipped += 1
            continue
        for value in PARAMETER_VALUES:
            if accepts(value):
                errors = list(validation._validator(schema).iter_errors(value))
                assert not errors, f"{name}: {value!r} passed the plain check: {errors}"
            judged += 1
    assert judged > 0 and skipped > 0
