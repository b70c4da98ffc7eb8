"""The reference pages as a reader meets them: each thing they say once, in words, and the
commands they print run as printed (the token command, a curl line with `$SK_TOKEN`)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from schedulingkit.impl.domain.invoicing import TRANSITIONS
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml

from schedulingkit.docs.schemas import INTERNAL_BOUNDS, PATTERN_WORDS
from tests.conformance_server import reference_server
from tests.docs_helpers import REPO_ROOT, build, markdown_pages, table_rows

DOCUMENT = load_yaml(document_path())
SCHEDULINGKIT = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    return markdown_pages(site)


def section(markdown: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next `## ` heading."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


def operation_section(markdown: str, operation_id: str) -> str:
    start = markdown.index(f'<a id="{operation_id}"></a>')
    end = markdown.find('<a id="', start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


def document_patterns(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.add(node["pattern"])
        for value in node.values():
            found |= document_patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= document_patterns(value)
    return found


# --- the invoice lifecycle -------------------------------------------------------------


def test_the_invoice_lifecycle_is_one_transition_table_equal_to_the_servers(pages, site):
    page = pages["invoices.md"]
    lifecycle = section(page, "`status` lifecycle")
    rows = {row[0].strip("`"): row[1] for row in table_rows(lifecycle)}
    shown = {
        status: set() if targets == "— (final)" else {t.strip("` ") for t in targets.split(",")}
        for status, targets in rows.items()
    }
    assert shown == {status: set(targets) for status, targets in TRANSITIONS.items()}
    for text in (page, (site / "reference.html").read_text(encoding="utf-8")):
        assert text.count("records a further payment") == 1
        assert "`draft` → `sent`" not in text and "draft → sent" not in text
    for row in table_rows(page):
        if row[0] in ("`data.status`", "`data[].status`"):
            assert row[-1] == (
                "Where the invoice stands. See [`status` lifecycle](#invoices-status-lifecycle)."
            )
    assert '<a id="invoices-status-lifecycle"></a>' in page


# --- patterns and internal bounds ------------------------------------------------------


def test_every_pattern_of_the_document_has_words():
    assert document_patterns(DOCUMENT) <= set(PATTERN_WORDS)


def test_pages_show_no_pattern_and_no_internal_bound(pages, site):
    texts = [*pages.values(), (site / "reference.html").read_text(encoding="utf-8")]
    for text in texts:
        for pattern in document_patterns(DOCUMENT):
            assert pattern not in text
        assert "pattern `" not in text
        for bound in INTERNAL_BOUNDS:
            assert str(bound) not in text
    search = next(r for r in table_rows(pages["clients.md"]) if r[0] == "`search`")
    assert "no NUL characters" in search[4]
    page = next(r for r in table_rows(pages["clients.md"]) if r[0] == "`page`")
    assert page[4] == "value ≥ 1; default `1`"


def test_no_nul_characters_is_what_the_server_enforces(client, team, auth):
    refused = client.get("/api/v1/clients?search=a%00b", headers=auth(team[1]))
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["search"]
    assert client.get("/api/v1/clients?search=ab", headers=auth(team[1])).status_code == 200


# --- pagination ------------------------------------------------------------------------


def list_operations() -> list[tuple[str, str]]:
    """(page, operationId) of every operation that takes `page`."""
    found = []
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            refs = [p.get("$ref", "") for p in operation.get("parameters", [])]
            if "#/components/parameters/Page" in refs:
                tag = operation["tags"][0].lower().replace(" ", "-")
                found.append((f"{tag}.md", operation["operationId"]))
    return found


@pytest.mark.parametrize(("name", "operation_id"), list_operations())
def test_each_list_operation_links_to_its_pages_one_pagination_section(pages, name, operation_id):
    page = pages[name]
    slug = name.removesuffix(".md")
    assert page.count("\n## Pagination\n") == 1
    assert page.count(f'<a id="{slug}-pagination"></a>') == 1
    rows = {row[0]: row for row in table_rows(operation_section(page, operation_id))}
    for field in ("`links`", "`meta`"):
        assert rows[field][-1].endswith(f"See [Pagination](#{slug}-pagination).")
    assert not any(key.startswith(("`links.", "`meta.")) for key in rows)


def test_the_pagination_section_lists_what_a_list_answers(pages, api):
    fields = {row[0].strip("`") for row in table_rows(section(pages["clients.md"], "Pagination"))}
    answer = api.get("/clients").json()
    answered = {"links", "meta"}
    answered |= {f"links.{key}" for key in answer["links"]}
    answered |= {f"meta.{key}" for key in answer["meta"]}
    assert fields == answered


def test_the_overview_describes_pagination_once_and_no_page_repeats_its_rows(pages):
    for name, page in pages.items():
        assert page.count("`links.first`") <= 1, name


# --- 405 among the error responses -----------------------------------------------------


def test_405_is_among_the_error_responses(pages):
    errors = pages["index.md"][pages["index.md"].index('<a id="error-responses"></a>') :]
    statuses = [row[0] for row in table_rows(errors.split("\n### ")[0])]
    assert "405" in statuses and "404" in statuses
    example = DOCUMENT["x-path-responses"]["405"]["content"]["application/json"]["example"]
    assert f'"message": "{example["message"]}"' in errors
    assert "| `Allow` | string |" in errors


# --- one token variable ----------------------------------------------------------------


def test_one_token_variable_everywhere(pages):
    texts = dict(pages)
    for readme in ("README.md", "impl/README.md", "conformance/README.md", "openapi/README.md"):
        texts[readme] = (REPO_ROOT / readme).read_text(encoding="utf-8")
    for name, text in texts.items():
        variables = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*TOKEN)\b", text))
        assert variables <= {"SK_TOKEN", "SK_OTHER_TEAM_TOKEN", "SK_LIMITED_TOKEN"}, name
    assert '-H "Authorization: Bearer $SK_TOKEN"' in pages["clients.md"]


def test_a_curl_line_of_the_pages_runs_as_printed_with_sk_token(pages, tmp_path):
    listing = operation_section(pages["clients.md"], "listClients")
    command = listing.split("```sh\n")[1].split("\n```")[0]
    public = re.search(r"'(https://[^/]+/api/v1)/clients'", command).group(1)
    with reference_server(tmp_path, "1000/minute") as deployment:
        runnable = command.replace(public, deployment.base_url) + " -sS -w '\\n%{http_code}'"
        env = {**os.environ, "SK_TOKEN": deployment.token}
        done = subprocess.run(
            ["bash", "-c", runnable], env=env, capture_output=True, text=True, timeout=30
        )
    body, status = done.stdout.rsplit("\n", 1)
    assert status == "200", done.stdout + done.stderr
    assert '"data"' in body and '"meta"' in body


# --- authentication: the command the overview gives -------------------------------------


def test_authentication_gives_the_token_command_and_it_works(pages, tmp_path):
    authentication = section(pages["index.md"], "Authentication")
    commands = [
        line.strip()
        for line in authentication.splitlines()
        if line.strip().startswith("schedulingkit token create ")
    ]
    assert len(commands) == 1
    assert "Settings → API Tokens" not in authentication.split("(In the SchedulingKit app")[0]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")},
        "SCHEDULINGKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'auth.sqlite3'}",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [*SCHEDULINGKIT, *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("db", "upgrade")
    assert run("team", "create", "Docs").strip().splitlines()[-1] == "1"
    token = run(*shlex.split(commands[0])[1:]).strip().splitlines()[-1]
    assert re.fullmatch(r"\d+\|[A-Za-z0-9]{48}", token)
    listed = run(*shlex.split("token list --team 1"))
    assert "CRM Integration" in listed and "clients:read,clients:write" in listed
    from schedulingkit.impl.settings import Settings
    from schedulingkit.impl.web.app import create_app

    app = create_app(Settings(database_url=env["SCHEDULINGKIT_DATABASE_URL"]))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with app.test_client() as client:
        assert client.get("/api/v1/clients", headers=headers).status_code == 200
        assert client.get("/api/v1/events", headers=headers).status_code == 403
        run("token", "revoke", token.split("|")[0])
        assert client.get("/api/v1/clients", headers=headers).status_code == 401
    app.database.dispose()
