"""Every error example in the document is what the server answers for that case.

Each example that holds a `message` (shared responses, `x-path-responses`, the `Error`
schema, the JSON in `info.description`) is listed in CASES with the request that produces
it; the server's body must equal the example, and its status the status the document gives
that response. A new example without a case fails `test_every_message_example_has_a_case`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from schedulingkit.impl.data import migrate
from schedulingkit.impl.data.tokens import create_token
from schedulingkit.impl.services.team import create_team
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from schedulingkit.openapi import document_path
from schedulingkit.openapi import pointer as jp
from sqlalchemy import create_engine, text

DOCUMENT = yaml.safe_load(document_path().read_text(encoding="utf-8"))
INFO = "/info/description"
INVALID_INVOICE = {"items": [{"description": "Session", "quantity": 0, "unit_amount": 6500}]}


@dataclass(frozen=True)
class Case:
    """A request that must be answered with the example at a pointer."""

    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    scopes: list[str] | None = None  # the token's; None: every scope
    authenticated: bool = True
    # plain | rate-limited (1/minute) | broken (a table dropped) | database-down (unreachable)
    setup: str = "plain"


def media(pointer: str) -> str:
    return f"{pointer}/content/application~1json/example"


UNPROCESSABLE = Case("POST", "/invoices", json=INVALID_INVOICE)
JSON_HEADER = {"Content-Type": "application/json"}
# nothing listens on port 9 (discard) of this machine: every connection is refused
UNREACHABLE_DATABASE = "postgresql+psycopg://nobody:secret@127.0.0.1:9/nowhere"
CASES: dict[str, Case] = {
    media("/x-path-responses/404"): Case("GET", "/nowhere", authenticated=False),
    media("/x-path-responses/405"): Case("PATCH", "/clients", authenticated=False),
    media("/components/responses/BadRequest"): Case("GET", "/clients?per_page=500"),
    media("/components/responses/Unauthorized"): Case("GET", "/team", authenticated=False),
    media("/components/responses/Forbidden"): Case(
        "POST", "/events", json={}, scopes=["clients:read"]
    ),
    media("/components/responses/NotFound"): Case("GET", "/clients/424242"),
    media("/components/responses/UnsupportedMediaType"): Case(
        "POST", "/clients", content=b"name=Ada", headers={"Content-Type": "text/plain"}
    ),
    media("/components/responses/UnprocessableEntity"): UNPROCESSABLE,
    media("/components/responses/TooManyRequests"): Case("GET", "/team", setup="rate-limited"),
    media("/components/responses/ServerError"): Case("GET", "/taxes", setup="broken"),
    media("/components/responses/PayloadTooLarge"): Case(
        "POST", "/clients", content=b" " * (1024 * 1024 + 1), headers=JSON_HEADER
    ),
    media("/components/responses/ServiceUnavailable"): Case(
        "GET",
        "/team",
        headers={"Authorization": "Bearer 1|" + "a" * 40 + "0" * 8},
        authenticated=False,
        setup="database-down",
    ),
    "/components/schemas/Error/example": UNPROCESSABLE,
    INFO: UNPROCESSABLE,
}
# Parts of an example: the message alone, or some of the errors, of a case's answer.
PARTS: dict[str, tuple[str, str]] = {
    "/components/schemas/Error/properties/message/example": (
        "/components/schemas/Error/example",
        "message",
    ),
    "/components/schemas/Error/properties/errors/example": (
        "/components/schemas/Error/example",
        "errors",
    ),
}


def examples(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every `example` and `examples.*.value` in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = jp.join(pointer, key)
            if key == "example":
                yield here, value
            elif key == "examples" and isinstance(value, dict):
                for name, entry in value.items():
                    if isinstance(entry, dict) and "value" in entry:
                        yield jp.join(here, name, "value"), entry["value"]
            else:
                yield from examples(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from examples(value, jp.join(pointer, index))


def description_example() -> dict:
    """The JSON error body written (indented as code) in `info.description`."""
    blocks = re.findall(r"\n((?: {4}.*\n?)+)", DOCUMENT["info"]["description"])
    bodies = [json.loads(b) for b in blocks if b.strip().startswith('{"message"')]
    assert len(bodies) == 1, bodies
    return bodies[0]


def resolve(pointer: str) -> Any:
    if pointer == INFO:
        return description_example()
    return jp.lookup(DOCUMENT, pointer)


def is_error_example(pointer: str, value: Any) -> bool:
    inside_error = pointer.startswith("/components/schemas/Error/")
    return (isinstance(value, dict) and "message" in value) or inside_error


def test_every_message_example_has_a_case():
    found = {pointer for pointer, value in examples(DOCUMENT) if is_error_example(pointer, value)}
    assert found | {INFO} == set(CASES) | set(PARTS)


def expected_status(pointer: str) -> int:
    """The status the document gives the response an example belongs to."""
    if pointer.startswith("/x-path-responses/"):
        return int(pointer.split("/")[2])
    if not pointer.startswith("/components/responses/"):
        return 422  # the Error schema's example and the description's: the 422 case
    name = pointer.split("/")[3]
    statuses = {
        int(status)
        for item in DOCUMENT["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if response.get("$ref") == f"#/components/responses/{name}"
    }
    assert len(statuses) == 1, (name, statuses)
    return statuses.pop()


@pytest.fixture(scope="module")
def answer(client, sqlite_url, tmp_path_factory) -> Callable[[Case], Any]:
    """Send a case to the right server: the shared test app, or one set up for it."""
    apps: dict[str, Any] = {}

    def special(setup: str):
        if setup not in apps:
            if setup == "rate-limited":
                settings = Settings(database_url=sqlite_url, rate_limit="1/minute")
            elif setup == "database-down":
                settings = Settings(database_url=UNREACHABLE_DATABASE)
            else:
                url = f"sqlite:///{tmp_path_factory.mktemp('broken') / 'broken.sqlite3'}"
                migrate.upgrade(url)
                settings = Settings(database_url=url)
            if setup == "broken":
                engine = create_engine(settings.database_url)
                with engine.begin() as connection:
                    connection.execute(text("DROP TABLE taxes"))
                engine.dispose()
            app = create_app(settings)
            apps[setup] = app
        return apps[setup]

    def send(case: Case):
        app = client.app if case.setup == "plain" else special(case.setup)
        database = app.database if case.setup != "plain" else client.app.database
        headers = {"Accept": "application/json", **case.headers}
        if case.authenticated:
            with database.system_session() as session:
                team_id = create_team(session, "Examples").id
                token = create_token(session, team_id, "examples", case.scopes).plaintext
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if case.json is not None:
            kwargs["json"] = case.json
        if case.content is not None:
            kwargs["content"] = case.content
        if case.setup == "plain":
            return client.request(case.method, "/api/v1" + case.path, **kwargs)
        with app.test_client(raise_server_exceptions=False) as own:
            response = own.request(case.method, "/api/v1" + case.path, **kwargs)
            if case.setup == "rate-limited":  # the first request uses the one allowed
                response = own.request(case.method, "/api/v1" + case.path, **kwargs)
            return response

    yield send
    for app in apps.values():
        app.database.dispose()


@pytest.mark.parametrize("pointer", sorted(CASES))
def test_the_server_answers_each_example(answer, pointer):
    response = answer(CASES[pointer])
    assert response.status_code == expected_status(pointer), response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == resolve(pointer)


@pytest.mark.parametrize("pointer", sorted(PARTS))
def test_example_parts_come_from_the_same_answer(answer, pointer):
    whole, key = PARTS[pointer]
    actual = answer(CASES[whole]).json()[key]
    part = resolve(pointer)
    if isinstance(part, dict):
        assert part.items() <= actual.items()
    else:
        assert part == actual


def test_the_laravel_wording_the_contract_fixes_is_what_the_server_says(answer):
    from schedulingkit.spec.rules_responses import ERROR_MESSAGES

    fixed = {
        "401": media("/components/responses/Unauthorized"),
        "429": media("/components/responses/TooManyRequests"),
        "500": media("/components/responses/ServerError"),
        "503": media("/components/responses/ServiceUnavailable"),
    }
    assert set(fixed) == set(ERROR_MESSAGES)
    for status, pointer in fixed.items():
        response = answer(CASES[pointer])
        assert response.status_code == int(status)
        assert response.json() == {"message": ERROR_MESSAGES[status]}
