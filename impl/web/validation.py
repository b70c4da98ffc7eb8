"""Request validation that reports every failing field, with Laravel-like messages.

Connexion stops at the first error and answers 400; the contract wants 422 for a body with
every failing field keyed by its dotted path, and 400 for parameters keyed by name.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import typing as t
from datetime import date
from urllib.parse import urlsplit

import fastjsonschema
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import TypeValidationError
from connexion.json_schema import Draft4RequestValidator, allow_nullable
from connexion.utils import coerce_type
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators
from schedulingkit.openapi.contract import load_contract
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Receive, Scope

from ..domain.errors import BadRequest, ValidationFailed
from .request_state import BODY_KEY, query_params

Errors = dict[str, list[str]]

# How deep arrays and objects may nest in a request body (the deepest the document needs is 4).
MAX_JSON_DEPTH = 32
# Bodies up to this size are checked by compiled code first (`compiled_check`); a larger one
# (far past any the document describes) goes straight to jsonschema, whose per-element work
# this module bounds by `maxItems`.
COMPILED_CHECK_MAX_BYTES = 64 * 1024

FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers.update(Draft4Validator.FORMAT_CHECKER.checkers)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    """A calendar date written as YYYY-MM-DD (RFC 3339 full-date)."""
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    date.fromisoformat(value)
    return True


def _within_max_items(instance: list, schema: dict) -> bool:
    return len(instance) <= schema.get("maxItems", len(instance))


def _bounded_by_max_items(keyword: t.Callable) -> t.Callable:
    """A keyword that looks at every element, skipped for an array over its `maxItems`:
    `maxItems` reports it, and no element of an oversized array costs anything."""

    def check(validator, value, instance, schema) -> t.Iterator[ValidationError]:
        if validator.is_type(instance, "array") and not _within_max_items(instance, schema):
            return
        yield from keyword(validator, value, instance, schema)

    return check


def _unique_items(validator, unique, instance, schema) -> t.Iterator[ValidationError]:
    """`uniqueItems` in one pass over hashable canonical forms, where jsonschema compares every
    pair of an array it cannot sort (`["a", 0, 1, ...]`: 8,000 elements took 15 s)."""
    if not unique or not validator.is_type(instance, "array"):
        return
    if not _within_max_items(instance, schema):
        return
    seen: set = set()
    for element in instance:
        key = _canonical(element)
        if key in seen:
            yield ValidationError("has non-unique elements")
            return
        seen.add(key)


def _canonical(value: t.Any) -> t.Hashable:
    """A hashable form equal for values JSON Schema calls equal (1 and 1.0, but not true)."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(element) for element in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, _canonical(v)) for name, v in value.items()))
    return ("string", value)


# `nullable: true` beside `allOf: [$ref]` (a nullable reference) lets `null` through the
# composition too, as OpenAPI 3.0 authors mean it; connexion only does this for type/enum.
# Element keywords are bounded by `maxItems` (see above).
RequestValidator = validators.extend(
    Draft4RequestValidator,
    {
        **{k: allow_nullable(Draft4Validator.VALIDATORS[k]) for k in ("allOf", "anyOf", "oneOf")},
        "items": _bounded_by_max_items(Draft4RequestValidator.VALIDATORS["items"]),
        "additionalItems": _bounded_by_max_items(
            Draft4RequestValidator.VALIDATORS["additionalItems"]
        ),
        "uniqueItems": _unique_items,
    },
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


@FORMAT_CHECKER.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    """An absolute URI (RFC 3986): a scheme, then an authority or a path, no spaces."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    has_rest = bool(parts.netloc or parts.path)
    return bool(_SCHEME.match(parts.scheme)) and has_rest and not re.search(r"\s", value)


TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}

FORMAT_WORDS = {
    "email": "a valid email address",
    "date": "a valid date (YYYY-MM-DD)",
    "date-time": "a valid date-time (RFC 3339)",
    "uri": "a valid URL",
}


def attribute(path: str) -> str:
    """Laravel's displayable attribute: underscores become spaces."""
    return path.replace("_", " ") if path else "body"


def join_path(*parts: t.Any) -> str:
    return ".".join(str(part) for part in parts if part != "")


class PerSchema:
    """What is built from a schema, once per schema (the document's schemas live as long as
    the process, and building a validator costs more than validating a body). Keyed by
    identity, holding the schema so its id cannot be reused; bounded in case a caller
    passes throwaway schemas."""

    MAX = 4096

    def __init__(self, build: t.Callable[[dict], t.Any]) -> None:
        self.build = build
        self._built: dict[int, tuple[dict, t.Any]] = {}

    def __call__(self, schema: dict) -> t.Any:
        cached = self._built.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        if len(self._built) >= self.MAX:
            self._built.clear()
        built = self.build(schema)
        self._built[id(schema)] = (schema, built)
        return built


# jsonschema's validator (checks the schema and sets up its resolver when built)
_validator = PerSchema(lambda schema: RequestValidator(schema, format_checker=FORMAT_CHECKER))


# Draft 4's keywords (what jsonschema checks in a request body): a compiled check keeps
# only these; the document's other words (example, readOnly, discriminator...) check nothing.
_SCHEMA_KEYWORDS = frozenset(Draft4Validator.VALIDATORS) | {"default"}
_SUBSCHEMA = frozenset({"items", "additionalItems", "additionalProperties", "not"})
_SUBSCHEMAS = frozenset({"allOf", "anyOf", "oneOf"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependencies"})


def as_json_schema(schema: t.Any) -> t.Any:
    """An OpenAPI 3.0 schema (references resolved) as the Draft 4 JSON Schema jsonschema
    checks it against here: `nullable` (or `x-nullable`) admits null whatever else the
    schema says (`allow_nullable` above), and only Draft 4's keywords remain."""
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, t.Any] = {}
    for keyword, value in schema.items():
        if keyword not in _SCHEMA_KEYWORDS:
            continue
        if keyword in _SUBSCHEMA or (keyword == "items" and isinstance(value, dict)):
            value = as_json_schema(value)
        elif keyword in _SUBSCHEMAS or (keyword == "items" and isinstance(value, list)):
            value = [as_json_schema(part) for part in value]
        elif keyword in _SUBSCHEMA_MAPS:
            value = {name: as_json_schema(part) for name, part in value.items()}
        converted[keyword] = value
    if schema.get("nullable") or schema.get("x-nullable") is True:
        return {"anyOf": [{"type": "null"}, converted]}
    return converted


def _always(_value: t.Any) -> bool:
    return True


def _formats(schema: t.Any) -> set[str]:
    """The `format` names used anywhere in a converted schema."""
    if isinstance(schema, list):
        return {name for part in schema for name in _formats(part)}
    if not isinstance(schema, dict):
        return set()
    found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
    for keyword, value in schema.items():
        if keyword in _SUBSCHEMA_MAPS:
            found |= _formats(list(value.values()))
        elif keyword in _SUBSCHEMA or keyword in _SUBSCHEMAS:
            found |= _formats(value)
    return found


_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def compiled_check(schema: dict) -> t.Callable[[t.Any], bool]:
    """Whether an instance passes `schema` (a request body's), by fastjsonschema's compiled
    code: ten times faster than walking it with jsonschema, which a valid body (nearly
    every one) then never needs. It decides as jsonschema does (`as_json_schema`, the same
    format checks; tests/test_server_body_check.py compares the two); the errors of a body
    it refuses are jsonschema's to word."""
    converted = as_json_schema(schema)
    # every format the schema names, checked as jsonschema checks it here (one jsonschema
    # does not check, such as int64, is not checked), never by fastjsonschema's own rules
    formats = {
        name: functools.partial(FORMAT_CHECKER.conforms, format=name)
        if name in FORMAT_CHECKER.checkers
        else _always
        for name in _formats(converted)
    }
    validate = fastjsonschema.compile(
        {"$schema": _DRAFT4, **converted},
        formats=formats,
        use_default=False,  # `fill_defaults` gives defaults, after validation
    )

    def check(instance: t.Any) -> bool:
        try:
            validate(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check


_compiled = PerSchema(compiled_check)  # fastjsonschema's generated code


def schema_errors(schema: dict, instance: t.Any, root: str = "") -> Errors:
    """Every failure of `instance` against `schema`, keyed by dotted path, in document order."""
    validator = _validator(schema)
    errors: Errors = {}
    found = [
        (key, message)
        for error in sorted(validator.iter_errors(instance), key=_error_order)
        for key, message in _messages(error, join_path(root, *error.absolute_path))
    ]
    for key, message in [*found, *text_errors(instance, root)]:
        bucket = errors.setdefault(key, [])
        if message not in bucket:
            bucket.append(message)
    return errors


# U+0000 cannot be stored in PostgreSQL text, and a lone surrogate (JSON allows "\ud800")
# cannot be encoded as UTF-8 at all: such text is refused on every backend alike.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_errors(instance: t.Any, root: str = "") -> t.Iterator[tuple[str, str]]:
    """Strings (values, at any depth) holding a NUL character or an unpaired surrogate."""
    if isinstance(instance, str):
        if _UNSTORABLE.search(instance):
            message = "must not contain NUL characters or unpaired surrogates"
            yield root, f"The {attribute(root)} field {message}."
    elif isinstance(instance, dict):
        for name, value in instance.items():
            yield from text_errors(value, join_path(root, name))
    elif isinstance(instance, list):
        for index, value in enumerate(instance):
            yield from text_errors(value, join_path(root, index))


def _error_order(error: ValidationError) -> tuple:
    return tuple(str(part) for part in error.absolute_path)


def _messages(error: ValidationError, path: str) -> t.Iterator[tuple[str, str]]:
    kind, expected, schema, instance = (
        error.validator,
        error.validator_value,
        error.schema,
        error.instance,
    )
    name = attribute(path)
    if kind == "required":
        present = instance if isinstance(instance, dict) else {}
        for field in expected:
            if field not in present:
                key = join_path(path, field)
                yield key, f"The {attribute(key)} field is required."
    elif kind == "additionalProperties" and expected is False:
        known = list(schema.get("properties", {}))
        read_only = read_only_fields().get(frozenset(known), frozenset())
        for field in instance:
            if field not in known:
                key = join_path(path, field)
                if field in read_only:
                    yield key, f"The {attribute(key)} field is read-only."
                else:
                    accepted = ", ".join(known)
                    message = f"The {attribute(key)} field is unknown; the accepted fields are"
                    yield key, f"{message} {accepted}."
    elif kind == "type":
        wanted = expected if isinstance(expected, str) else expected[0]
        yield path, f"The {name} field must be {TYPE_WORDS.get(wanted, wanted)}."
    elif kind == "enum":
        allowed = ", ".join(_value_text(value) for value in expected)
        yield path, f"The selected {name} is invalid; the allowed values are {allowed}."
    elif kind == "format":
        words = FORMAT_WORDS.get(expected, f"a valid {expected}")
        yield path, f"The {name} field must be {words}."
    elif kind in ("minimum", "maximum"):
        yield path, _bound_message(name, kind, expected, schema)
    elif kind in ("minLength", "maxLength"):
        if kind == "minLength":
            yield path, f"The {name} field must be at least {expected} characters."
        else:
            yield path, f"The {name} field must not be greater than {expected} characters."
    elif kind == "minItems":
        yield path, f"The {name} field must have at least {expected} items."
    elif kind == "maxItems":
        yield path, f"The {name} field must not have more than {expected} items."
    elif kind == "uniqueItems":
        yield path, f"The {name} field has a duplicate value."
    elif kind == "pattern":
        yield path, f"The {name} field format is invalid."
    elif kind == "multipleOf":
        yield path, f"The {name} field must be a multiple of {expected}."
    elif kind in ("oneOf", "anyOf"):
        yield from _composite_messages(error, path)
    elif kind == "minProperties":
        yield path, f"The {name} field must have at least {expected} fields."
    else:
        yield path, f"The {name} field is invalid."


def _value_text(value: t.Any) -> str:
    """An enum value as a client writes it (`no_show`, `null`, `true`)."""
    return value if isinstance(value, str) else json.dumps(value)


# Request body schemas are named after the resource they write: `ClientCreate`,
# `ClientUpdate`, `InvoiceItemInput` write `Client`, `InvoiceItem`.
REQUEST_SUFFIXES = ("Create", "Update", "Input")


@functools.cache
def read_only_fields() -> dict[frozenset[str], frozenset[str]]:
    """The read-only fields of the resource each request body writes, keyed by the body's
    field names (what a validator sees of its schema once references are resolved), so
    that `id` in a body is answered "read-only" and `nickname` "unknown"."""
    schemas = load_contract().raw.get("components", {}).get("schemas", {})
    found: dict[frozenset[str], frozenset[str]] = {}
    for name, schema in schemas.items():
        suffix = next((s for s in REQUEST_SUFFIXES if name.endswith(s)), None)
        resource = schemas.get(name[: -len(suffix)]) if suffix else None
        if resource is None:
            continue
        fields = _properties(schemas, resource)
        read_only = frozenset(key for key, spec in fields.items() if spec.get("readOnly"))
        key = frozenset(_properties(schemas, schema))
        found[key] = found[key] & read_only if key in found else read_only
    return found


def _properties(schemas: dict, schema: dict) -> dict[str, dict]:
    """An object schema's properties, merged across `allOf` and references."""
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    merged: dict[str, dict] = {}
    for part in schema.get("allOf", ()):
        merged.update(_properties(schemas, part))
    merged.update(schema.get("properties", {}))
    return merged


def _bound_message(name: str, kind: str, bound: t.Any, schema: dict) -> str:
    exclusive = schema.get("exclusiveMinimum" if kind == "minimum" else "exclusiveMaximum")
    if kind == "minimum":
        word = "greater than" if exclusive else "at least"
        return f"The {name} field must be {word} {bound}."
    if exclusive:
        return f"The {name} field must be less than {bound}."
    return f"The {name} field must not be greater than {bound}."


def _composite_messages(error: ValidationError, path: str) -> t.Iterator[tuple[str, str]]:
    """A oneOf/anyOf: report the errors of the branch the value meant to be (its discriminator)."""
    branches = error.validator_value
    instance = error.instance
    chosen = _discriminated_branch(error.schema, branches, instance)
    if chosen is not None:
        for key, messages in schema_errors(chosen, instance, path).items():
            for message in messages:
                yield key, message
        return
    formats = [b.get("format") for b in branches]
    if all(formats):
        words = " or ".join(FORMAT_WORDS.get(f, f"a valid {f}") for f in formats)
        yield path, f"The {attribute(path)} field must be {words}."
        return
    yield path, f"The {attribute(path)} field is invalid."


def _discriminated_branch(schema: dict, branches: list[dict], instance: t.Any) -> dict | None:
    if not isinstance(instance, dict):
        return None
    discriminator = (schema.get("discriminator") or {}).get("propertyName")
    candidates = [discriminator] if discriminator else ["type", "kind"]
    for prop in candidates:
        value = instance.get(prop)
        if value is None:
            continue
        matches = [b for b in branches if value in _allowed_values(b.get("properties", {}), prop)]
        if len(matches) == 1:
            return matches[0]
    return None


def _allowed_values(properties: dict, prop: str) -> list:
    spec = properties.get(prop) or {}
    if "enum" in spec:
        return list(spec["enum"])
    if "const" in spec:
        return [spec["const"]]
    return []


class BodyValidator(JSONRequestBodyValidator):
    """JSON bodies: malformed -> 400, failing the schema -> 422 listing every field.

    A missing body counts as `{}`, so a POST without one lists the required fields (as
    Laravel does) instead of failing on a technicality; where `{}` would pass (a PUT), a
    missing body the document requires is still a 422.
    """

    MUTABLE_VALIDATION = True

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        chunks: list[bytes] = []
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more_body = message.get("more_body", False)
        raw = b"".join(chunks)
        body = self._parse_bytes(raw)
        self._validate(body, missing=self._required and not raw.strip(), size=len(raw))
        # the endpoint takes the body from here, parsed once, its defaults filled in; the
        # bytes stay readable for any other reader
        scope[BODY_KEY] = body
        receive = _replay(raw)
        # Connexion read a body sent without Content-Type as JSON (the only media type the
        # operation consumes); say so, or the handler would get the raw bytes instead.
        headers = MutableHeaders(scope=scope)
        if "content-type" not in headers:
            headers["content-type"] = "application/json"
        return receive, scope

    def _parse_bytes(self, raw: bytes) -> t.Any:
        if not raw.strip():
            return {}
        return parse_json_body(raw, self._encoding or "utf-8")

    def _validate(self, body: t.Any, *, missing: bool = False, size: int = 0) -> None:
        if self._plainly_valid(body, missing, size):
            fill_defaults(self._schema, body)
            return
        errors = schema_errors(self._schema, body)
        if missing and not errors:
            errors = {"body": ["The request body is required."]}
        if errors:
            raise ValidationFailed(errors)
        fill_defaults(self._schema, body)

    def _plainly_valid(self, body: t.Any, missing: bool, size: int) -> bool:
        """Whether the compiled check passes the body (and its text is storable): then
        jsonschema has nothing to report."""
        if missing or size > COMPILED_CHECK_MAX_BYTES:
            return False
        return _compiled(self._schema)(body) and not any(text_errors(body))


def _replay(raw: bytes) -> Receive:
    """A `receive` that gives `raw` as the whole body, once."""
    sent = False

    async def receive() -> dict[str, t.Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive


def parse_json_body(raw: bytes, encoding: str = "utf-8") -> t.Any:
    """A request body's JSON, or a 400: not JSON (a number past Python's 4,300 digits is not
    read either), or arrays and objects nested deeper than MAX_JSON_DEPTH, which every
    recursive step after this one (validation, defaults) could not afford."""
    try:
        body = json.loads(raw.decode(encoding))
    except RecursionError:  # nested far deeper than the limit: the parser gave up first
        body = None
        too_deep = True
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, digits past the limit
        raise BadRequest(
            {"body": ["The request body must be valid JSON."]},
            message="The request body is not valid JSON.",
        ) from exc
    else:
        too_deep = nested_deeper_than(body, MAX_JSON_DEPTH)
    if too_deep:
        limit = f"more than {MAX_JSON_DEPTH} levels deep"
        raise BadRequest(
            {"body": [f"The request body must not nest arrays and objects {limit}."]},
            message=f"The request body nests arrays and objects {limit}.",
        )
    return body


def nested_deeper_than(value: t.Any, limit: int) -> bool:
    """Whether arrays/objects nest more than `limit` levels (`[]` is 1), found without
    recursion."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: t.Iterable = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def fill_defaults(schema: dict, instance: t.Any) -> None:
    """Give absent properties their schema `default` (through properties, items and allOf)."""
    for part in schema.get("allOf", ()):
        fill_defaults(part, instance)
    if isinstance(instance, dict):
        for name, subschema in schema.get("properties", {}).items():
            if name not in instance and "default" in subschema:
                instance[name] = copy.deepcopy(subschema["default"])
            elif name in instance:
                fill_defaults(subschema, instance[name])
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            fill_defaults(schema["items"], item)


class QueryAndPathValidator(ParameterValidator):
    """Parameters: every failing one reported, keyed by its name, answered 400.

    Built once per operation (`middleware.PreparedValidationOperation`); a request's values
    are read straight from the ASGI scope and converted as Connexion's URI parser does (the
    last of repeated values; a value that does not convert stays text, and its schema then
    says why).
    """

    def __init__(self, parameters, uri_parser, strict_validation=False, **kwargs) -> None:
        if strict_validation:
            raise ValueError("strict validation is not supported: the contract ignores extras")
        super().__init__(parameters, uri_parser, strict_validation=False, **kwargs)
        self._query = self.parameters.get("query", [])
        self._path = self.parameters.get("path", [])
        self._header = self.parameters.get("header", [])
        for param in (*self._query, *self._path, *self._header):
            _PARAMETERS[id(param)] = param  # held here for good: its id names it in the cache
            _PLAINLY_VALID[id(param)] = plainly_valid(param.get("schema", {}))

    def validate(self, scope: Scope) -> None:
        errors: Errors = {}
        if self._query:
            sent = query_params(scope)
            for param in self._query:
                values = sent.getlist(param["name"])
                _check(errors, param, _coerced(param, values[-1]) if values else None)
        path = scope.get("path_params", {})
        for param in self._path:
            value = path.get(param["name"].replace("-", "_"))
            _check(errors, param, None if value is None else _path_value(param, value))
        if self._header:
            headers = Headers(scope=scope)
            for param in self._header:
                _check(errors, param, headers.get(param["name"]))
        if errors:
            raise BadRequest(errors)


def _coerced(param: dict, value: t.Any) -> t.Any:
    try:
        return coerce_type(param, value, "parameter", param["name"])
    except TypeValidationError:
        return value


# An integer path segment as Connexion's `int` route converter reads one: ASCII digits with an
# optional sign (`/taxes/-3` is -3, below its minimum; `/taxes/ 5` and `/taxes/abc` are text).
_INTEGER_SEGMENT = re.compile(r"[+-]?[0-9]+")


def _path_value(param: dict, text: str) -> t.Any:
    """A path segment (routed as text, `routing.PathRoutingAPI`) as its parameter's value;
    one that is not an integer stays text, and its schema then says why."""
    if param.get("schema", {}).get("type") != "integer":
        return _coerced(param, text)
    return int(text) if _INTEGER_SEGMENT.fullmatch(text) else text


def _check(errors: Errors, param: dict, value: t.Any) -> None:
    name = param["name"]
    if value is None:
        if param.get("required"):
            errors.setdefault(name, []).append(f"The {attribute(name)} field is required.")
        return
    accepts = _PLAINLY_VALID.get(id(param))
    if accepts is not None and accepts(value):
        return
    for messages in _parameter_errors(id(param), type(value), value):
        errors.setdefault(name, []).extend(messages)


# The keywords `plainly_valid` decides alone; words that only document a value, and
# `format`s jsonschema's Draft 4 checker does not check (int32, int64).
_PLAIN_KEYWORDS = frozenset(
    {"type", "minimum", "maximum", "minLength", "maxLength", "enum", "format", "default"}
    | {"description", "example", "title"}
)
_UNCHECKED_FORMATS = frozenset({"int32", "int64"})


def plainly_valid(schema: dict) -> t.Callable[[t.Any], bool] | None:
    """For a parameter schema jsonschema is not needed for (an integer within bounds, a string
    within its lengths or from its enum), a test that says when a value surely passes it; None
    for any other schema. A value the test does not pass is checked by jsonschema, which words
    the errors: the test only ever skips the validator for values it would accept."""
    kind, checked_format = schema.get("type"), schema.get("format")
    if not set(schema) <= _PLAIN_KEYWORDS or checked_format not in (None, *_UNCHECKED_FORMATS):
        return None
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer" and "enum" not in schema and "minLength" not in schema:
        return lambda value: (
            type(value) is int and (low is None or value >= low) and (high is None or value <= high)
        )
    if kind == "string" and low is None and high is None:
        shortest, longest = schema.get("minLength", 0), schema.get("maxLength")
        allowed = frozenset(schema["enum"]) if "enum" in schema else None
        return lambda value: (
            type(value) is str
            and shortest <= len(value)
            and (longest is None or len(value) <= longest)
            and (allowed is None or value in allowed)
        )
    return None


_PLAINLY_VALID: dict[int, t.Callable[[t.Any], bool] | None] = {}

# Parameter values repeat (page=1, per_page=15, status=confirmed): a value's verdict against
# its parameter's schema is remembered, so jsonschema runs once per distinct value. Bounded,
# as the values are the client's.
_PARAMETERS: dict[int, dict] = {}


@functools.lru_cache(maxsize=4096)
def _parameter_errors(param_id: int, _kind: type, value: t.Any) -> tuple[list[str], ...]:
    param = _PARAMETERS[param_id]
    errors = schema_errors(param.get("schema", {}), value, param["name"])
    return tuple(errors.values())


VALIDATOR_MAP = {
    "parameter": QueryAndPathValidator,
    "body": MediaTypeDict({"*/*json": BodyValidator}),
}
