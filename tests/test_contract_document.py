"""The OpenAPI document itself: it validates, Connexion routes every operation from it, it
has every row of the help page's endpoint tables, and Redocly's recommended ruleset passes."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import connexion
import pytest
import yaml
from connexion.resolver import Resolver
from connexion.security import BearerSecurityHandler
from openapi_spec_validator import OpenAPIV30SpecValidator
from schedulingkit.openapi import document_path

from schedulingkit.spec.loader import Document, load_document
from schedulingkit.spec.objects import operations

REPO_ROOT = Path(__file__).resolve().parents[1]
# In CI the repository is cloned with `shared/` beside it, as in the workspace.
HELP_PAGE = REPO_ROOT.parent / "shared" / "product" / "help-center-api.txt"
# A table row is METHOD, path and description run together: `GET/teamGet current team info`.
ROW = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)(/[a-z0-9_{}/-]*)(\S.*)$")
TABLE_HEADER = "MethodEndpointDescription"
HELP_PAGE_OPERATIONS = 39  # the count: a parser that finds fewer rows is broken


@dataclass(frozen=True)
class Row:
    """One row of an endpoint table, under its resource heading."""

    heading: str
    method: str
    path: str
    description: str


def help_page_rows(text: str) -> list[Row]:
    """The rows of every endpoint table: the lines after a resource heading and the table's
    header line, until the first line that is not a row."""
    rows: list[Row] = []
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line != TABLE_HEADER:
            continue
        heading = next(lines[i] for i in range(index - 1, -1, -1) if lines[i])
        for row in lines[index + 1 :]:
            match = ROW.match(row)
            if not match:
                break
            rows.append(Row(heading, match[1].lower(), match[2], match[3].strip()))
    return rows


@pytest.fixture(scope="session")
def contract() -> Document:
    return load_document(document_path())


@pytest.fixture(scope="session")
def rows() -> list[Row]:
    assert HELP_PAGE.is_file(), f"the help page is expected at {HELP_PAGE}"
    found = help_page_rows(HELP_PAGE.read_text(encoding="utf-8"))
    assert len(found) == HELP_PAGE_OPERATIONS
    return found


def test_document_is_valid_openapi_3_0(contract: Document) -> None:
    assert contract.raw["openapi"] == "3.0.3"
    errors = [error.message for error in OpenAPIV30SpecValidator(contract.raw).iter_errors()]
    assert errors == []


def test_help_page_parser_reads_rows_after_a_heading() -> None:
    text = "Team\n\nMethodEndpointDescription\nGET/teamGet current team info\n\nPagination\n"
    assert help_page_rows(text) == [Row("Team", "get", "/team", "Get current team info")]


def test_every_help_page_row_is_an_operation(contract: Document, rows: list[Row]) -> None:
    for row in rows:
        operation = contract.raw["paths"].get(row.path, {}).get(row.method)
        assert operation is not None, f"{row.method.upper()} {row.path} is missing"
        assert operation["summary"] == row.description


def test_document_has_no_operation_beyond_the_help_page(
    contract: Document, rows: list[Row]
) -> None:
    documented = {(operation.method, operation.path) for operation in operations(contract)}
    assert documented == {(row.method, row.path) for row in rows}


def test_each_help_page_section_is_one_tag(contract: Document, rows: list[Row]) -> None:
    for row in rows:
        assert contract.raw["paths"][row.path][row.method]["tags"] == [row.heading]


class AnyBearerToken(BearerSecurityHandler):
    """Accepts every bearer token: these tests prove routing, not authentication."""

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return lambda token: {"sub": token}


@pytest.fixture(scope="module")
def routed_app() -> connexion.AsyncApp:
    """An app routed from the document whose handlers answer their own operationId."""

    def handler_for(operation_id: str) -> Any:
        async def handler(**_: Any) -> dict[str, str]:
            return {"operationId": operation_id}

        return handler

    app = connexion.AsyncApp(__name__, security_map={"bearer": AnyBearerToken})
    app.add_api(document_path(), resolver=Resolver(function_resolver=handler_for))
    return app


def request_body(contract: Document, operation: dict[str, Any]) -> Any:
    """The documented example of an operation's request body, if it takes one."""
    if "requestBody" not in operation:
        return None
    body, pointer = contract.deref(operation["requestBody"], "")
    schema, _ = contract.deref(body["content"]["application/json"]["schema"], pointer)
    return body["content"]["application/json"].get("example", schema.get("example"))


def query_example(contract: Document, operation: dict[str, Any]) -> dict[str, Any]:
    """Every query parameter of an operation set to its documented example."""
    query = {}
    for parameter in operation.get("parameters", []):
        parameter, pointer = contract.deref(parameter, "")
        if parameter["in"] != "query":
            continue
        schema, _ = contract.deref(parameter["schema"], pointer)
        query[parameter["name"]] = parameter.get("example", schema.get("example"))
    return query


def test_connexion_routes_every_operation(
    contract: Document, routed_app: connexion.AsyncApp
) -> None:
    """Each operation, called with its documented parameter and body examples, reaches its
    own handler: Connexion can parse and validate everything the document declares."""
    client = routed_app.test_client()
    headers = {"Authorization": "Bearer routing-test", "Accept": "application/json"}
    for operation in operations(contract):
        url = "/api/v1" + operation.path.replace("{id}", "1")
        body = request_body(contract, operation.node)
        params = query_example(contract, operation.node)
        response = client.request(
            operation.method.upper(), url, headers=headers, params=params, json=body
        )
        assert response.status_code == 200, (operation.label, params, response.text)
        assert response.json() == {"operationId": operation.node["operationId"]}


def test_connexion_requires_a_token(routed_app: connexion.AsyncApp) -> None:
    client = routed_app.test_client()
    assert client.get("/api/v1/team").status_code == 401
    assert client.get("/api/v1/nowhere", headers={"Authorization": "Bearer x"}).status_code == 404


def redocly() -> str:
    """The Redocly CLI: on PATH or installed in node_modules; CI must have it."""
    found = shutil.which("redocly") or shutil.which(
        "redocly", path=str(REPO_ROOT / "node_modules" / ".bin")
    )
    if found is None:
        message = "redocly not found: npm install --no-save @redocly/cli@2.77.0"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def redocly_lint(path: Path) -> dict[str, Any]:
    """`redocly lint` with the repository's configuration, as its JSON report."""
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    result = subprocess.run(
        [redocly(), "lint", str(path), "--config", "redocly.yaml", "--format=json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_redocly_recommended_lint_is_clean() -> None:
    report = redocly_lint(document_path())
    problems = [
        (problem["ruleId"], problem["severity"], problem["location"][0]["pointer"])
        for problem in report["problems"]
    ]
    assert report["totals"]["errors"] == 0, problems
    assert report["totals"]["warnings"] == 0, problems


def test_redocly_lint_reports_a_broken_copy(contract: Document, tmp_path: Path) -> None:
    raw = copy.deepcopy(contract.raw)
    raw["components"]["schemas"]["Leftover"] = {"type": "object", "example": {}}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    report = redocly_lint(path)
    assert {problem["ruleId"] for problem in report["problems"]} == {"no-unused-components"}


def test_redocly_config_extends_recommended_and_explains_each_rule_off() -> None:
    config_path = REPO_ROOT / "redocly.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert config["extends"] == ["recommended"]
    lines = config_path.read_text(encoding="utf-8").splitlines()
    for rule, setting in (config.get("rules") or {}).items():
        if setting == "off" or (isinstance(setting, dict) and setting.get("severity") == "off"):
            index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{rule}:"))
            explained = "#" in lines[index] or lines[index - 1].strip().startswith("#")
            assert explained, f"{rule} is switched off without a comment saying why"
