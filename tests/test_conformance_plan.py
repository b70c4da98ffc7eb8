"""What a vendor sees before and around a run, without a deployment: the request plan sized
to the rate limit, the coverage sample, the independent recomputations, links followed only
on the deployment, run info without tokens, and output lines that never wrap."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
import yaml
from rich.console import Console
from schedulingkit.conformance.budget import (
    WINDOW_SECONDS,
    GeneratedSettings,
    Plan,
    size_generated,
)
from schedulingkit.conformance.catalogue import select
from schedulingkit.conformance.client import ApiClient
from schedulingkit.conformance.config import SuiteConfig
from schedulingkit.conformance.output import plain_progress, print_catalogue
from schedulingkit.conformance.report import RuleResult
from schedulingkit.conformance.rules.generated import CoverageSample
from schedulingkit.conformance.rules.resources import (
    recomputed_invoice,
    recomputed_problems,
    wall_clock_problems,
)
from schedulingkit.conformance.runinfo import public_options, run_info
from schedulingkit.openapi import document_path

CONTRACT_VERSION = yaml.safe_load(document_path().read_text(encoding="utf-8"))["info"]["version"]


def test_generated_phases_shrink_to_the_budget_but_keep_every_phase():
    full = size_generated(None, 39, 5)
    assert full.coverage_per_operation is None and full.examples_phase
    tight = size_generated(200, 39, 5)
    assert tight.requests <= 230 and tight.coverage_per_operation is not None
    assert tight.max_examples >= 1 and tight.stateful_steps >= 1
    assert not tight.examples_phase  # the coverage phase sends the documented examples
    starved = size_generated(0, 39, 5)  # never below what lets every generated check apply
    assert starved.coverage_per_operation == 2 and starved.max_examples == 1


def _plan(limit: int | None, requests: int, burst: bool = True) -> Plan:
    return Plan(limit, 900, requests, None, burst, requests_per_second=100.0)


def test_expected_duration_counts_the_windows_the_requests_fill():
    assert _plan(60, 800).expected_seconds == 14 * WINDOW_SECONDS  # 14 windows, burst in the last
    assert _plan(3000, 4000).expected_seconds == 2 * WINDOW_SECONDS
    assert _plan(None, 500).expected_seconds == 5.0  # no limit: the deployment's pace
    # the last window for the rate-limit rules, half of the one under way
    assert _plan(60, 800).capacity(900) == pytest.approx(810)


def test_the_cleanup_is_free_in_the_window_after_the_rate_limit_rules_and_a_window_beyond():
    fits = Plan(60, 900, 800, None, True, requests_per_second=100.0, cleanup=58)
    assert fits.requests == 858 and fits.expected_seconds == 14 * WINDOW_SECONDS
    spills = Plan(60, 900, 800, None, True, requests_per_second=100.0, cleanup=59)
    assert spills.expected_seconds == 15 * WINDOW_SECONDS  # one request over: a window more
    no_burst = Plan(60, 900, 800, None, False, requests_per_second=100.0, cleanup=58)
    assert no_burst.free_cleanup == 0 and no_burst.expected_seconds > 14 * WINDOW_SECONDS


def test_the_generated_phases_leave_room_for_the_cleanup_of_what_they_create():
    plan = Plan(60, 900, 600, None, True, requests_per_second=100.0)
    assert plan.generated_room(40, 10) == 40  # 10 + 5 records to remove fit the free window
    # 45 owed already: creating few enough to fit (104) or paying a window (258 - 60)
    assert plan.generated_room(258, 45) == pytest.approx(198)
    assert plan.generated_room(100, 45) == 100  # 45 + 12.5 still fit
    unlimited = Plan(None, 900, 600, None, True, requests_per_second=100.0)
    assert unlimited.generated_room(None, 45) is None
    assert unlimited.generated_room(1000, 100) == pytest.approx(800)  # at the pace, 1 in 8 more


def test_a_case_answered_429_never_fails_a_generated_check():
    """It is not judged; as a failure it would make Hypothesis replay and shrink the case,
    each replay one more request in a spent window."""
    from schedulingkit.conformance.rules.generated import schemathesis_config

    checks = schemathesis_config(5, 1)["checks"]
    assert 429 in checks["negative_data_rejection"]["expected-statuses"]
    assert 429 in checks["positive_data_acceptance"]["expected-statuses"]


def test_the_plan_is_printed_with_its_warnings():
    plan = _plan(10, 2000)
    plan.generated = GeneratedSettings(1, False, 2, 5, 150)
    plan.warnings.append("the rate limit makes this run long (10/minute)")
    text = "\n".join(plan.lines())
    assert "rate limit: 10/minute (X-RateLimit-Limit)" in text
    assert "about 2150 requests" in text and "2 coverage cases per operation" in text
    assert "expected duration: about" in text and "warning: the rate limit" in text


def _coverage_case(path: str, method: str, mode: str, parameter: str, description: str = "x"):
    data = type("CoveragePhaseData", (), {})()
    data.description, data.parameter_location, data.parameter = description, "query", parameter
    meta = SimpleNamespace(phase=SimpleNamespace(data=data), generation=SimpleNamespace(mode=mode))
    operation = SimpleNamespace(method="get", path=path)
    return SimpleNamespace(meta=meta, operation=operation, method=method)


def test_the_coverage_sample_keeps_breadth_within_its_quota():
    sample = CoverageSample(3)
    cases = [
        _coverage_case("/clients", "TRACE", "negative", "", "Unspecified HTTP method: TRACE"),
        _coverage_case("/clients", "TRACE", "negative", "", "Unspecified HTTP method: TRACE"),
        _coverage_case("/clients", "GET", "negative", "page"),
        _coverage_case("/clients", "GET", "negative", "page"),
        _coverage_case("/clients", "GET", "negative", "per_page"),
        _coverage_case("/clients", "GET", "positive", "search"),
    ]
    kept = [sample.keep(case) for case in cases]
    # one undocumented method per path beside the quota; one case per parameter and mode
    assert kept == [True, False, True, False, True, True]
    assert not sample.keep(_coverage_case("/clients", "GET", "positive", "tag"))  # quota
    assert CoverageSample(None).keep(cases[1])  # no quota: everything
    other_phase = SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(data=None)))
    assert sample.keep(other_phase)  # fuzzing and stateful cases are sized elsewhere


def test_wall_clock_is_checked_across_dst_without_a_recurrence_library():
    event = {"timezone": "Europe/Paris", "starts_at": "2031-03-29T08:00:00Z"}
    kept = [datetime(2031, 3, 29, 8, tzinfo=UTC), datetime(2031, 3, 30, 7, tzinfo=UTC)]
    assert wall_clock_problems(kept, event) == []
    drifted = [datetime(2031, 3, 29, 8, tzinfo=UTC), datetime(2031, 3, 30, 8, tzinfo=UTC)]
    assert "not 09:00:00" in wall_clock_problems(drifted, event)[0]
    same_offset = [datetime(2031, 3, 20, 8, tzinfo=UTC), datetime(2031, 3, 21, 8, tzinfo=UTC)]
    assert "do not cross a DST change" in wall_clock_problems(same_offset, event)[0]


def test_invoices_are_recomputed_from_what_was_sent():
    taxes = {1: {"rate": "20.00", "inclusive": False}, 2: {"rate": "5.5", "inclusive": True}}
    body = {
        "discount": 100,
        "items": [
            {"quantity": 1, "unit_amount": 12000, "tax_ids": [2]},
            {"quantity": 3, "unit_amount": 999},  # no tax_ids: the team's defaults
        ],
    }
    want = recomputed_invoice(body, taxes, defaults=[1])
    assert want["items"] == [{"amount": 12000, "taxes": [626]}, {"amount": 2997, "taxes": [599]}]
    assert (want["subtotal"], want["tax_total"], want["total"]) == (14371, 1225, 15496)
    honest = {
        "subtotal": 14371,
        "tax_total": 1225,
        "total": 15496,
        "items": [
            {"amount": 12000, "taxes": [{"amount": 626}]},
            {"amount": 2997, "taxes": [{"amount": 599}]},
        ],
    }
    assert recomputed_problems(honest, want) == []
    on_top = {**honest, "subtotal": 14997, "tax_total": 1259, "total": 16156}
    on_top["items"] = [honest["items"][1], honest["items"][1]]
    assert len(recomputed_problems(on_top, want)) == 4


def test_links_are_followed_only_on_the_deployment():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": []})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        api = ApiClient("https://api.test/api/v1", "1|t", "main", http)
        assert api.follow("https://api.test/api/v1/clients?page=2&per_page=2") is not None
        assert api.follow("https://evil.test/api/v1/clients?page=2") is None
        assert api.follow("http://api.test/api/v1/clients") is None  # another scheme
        assert api.follow("https://api.test/other/clients") is None
    assert seen == ["https://api.test/api/v1/clients?page=2&per_page=2"]


def test_run_info_names_versions_and_options_but_never_a_token():
    config = SuiteConfig(base_url="http://x/api/v1", token="1|secret", limited_scopes=("a",))
    options = public_options(config)
    assert options["token"] == "given" and options["other_team_token"] is None
    assert "1|secret" not in str(options) and options["limited_scopes"] == ["a"]
    info = run_info(config, datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)).to_dict()
    assert info["started_at"] == "2031-01-02T03:04:05Z"
    assert info["contract"]["version"] == CONTRACT_VERSION and len(info["contract"]["sha256"]) == 64
    assert info["tool"]["version"]


def _narrow_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=40, soft_wrap=True, highlight=False), buffer


def test_list_and_progress_lines_never_wrap_on_a_narrow_pipe():
    out, buffer = _narrow_console()
    print_catalogue(out)
    lines = buffer.getvalue().splitlines()
    assert any(len(line) > 100 and "verifies REQ-" in line for line in lines)
    out, buffer = _narrow_console()
    progress = plain_progress(out)
    rule = select(["ERR-001"])[0]
    progress("start", rule, None)
    result = RuleResult(rule, requests=3, duration=1.0)
    progress("finish", rule, result)
    progress("wait", None, 58.2)
    text = buffer.getvalue().splitlines()
    assert text[0].endswith(f"ERR-001 started: {rule.title}")  # markup-like text kept whole
    assert text[1].endswith("ERR-001 passed in 1.0 s (3 requests)")
    assert text[2].endswith("rate limited (429): waiting 58 s")


def _state(read_only: bool = False) -> SimpleNamespace:
    from schedulingkit.conformance.contract import load_contract

    config = SuiteConfig(base_url="http://x/api/v1", token="t", read_only=read_only)
    return SimpleNamespace(
        config=config, contract=load_contract(), other=object(), limited=object(), cache={}
    )


def test_the_plan_fits_the_limit_and_warns_when_it_cannot():
    from schedulingkit.conformance.budget import make_plan

    rules = select([])
    fast = make_plan(_state(), rules, 3000)
    assert fast.generated is not None and fast.generated.coverage_per_operation is None
    assert fast.warnings == [] and fast.expected_seconds <= 3 * 60
    default = make_plan(_state(), rules, 60)
    assert default.expected_seconds <= default.budget_seconds
    assert default.generated is not None and default.generated.coverage_per_operation
    assert "makes this run take about" in default.warnings[0]
    slow = make_plan(_state(), rules, 10)
    assert "more than --max-duration" in slow.warnings[0]
    read_only = make_plan(_state(read_only=True), rules, 60)
    assert read_only.rules_requests < default.rules_requests


def test_the_cleanup_settles_a_record_listed_twice_with_one_request():
    from schedulingkit.conformance.budget import cleanup_owed
    from schedulingkit.conformance.fixtures import Created, FixtureSet

    sent: list[str] = []

    def answer(status: int, data: dict | None = None) -> SimpleNamespace:
        return SimpleNamespace(status=status, data=data, describe=lambda: str(status))

    class Api:
        def delete(self, path: str) -> SimpleNamespace:
            sent.append(f"DELETE {path}")
            return answer(204)

        def get(self, path: str) -> SimpleNamespace:
            sent.append(f"GET {path}")
            return answer(200, {"status": "draft"})

        def put(self, path: str, body: dict) -> SimpleNamespace:
            sent.append(f"PUT {path}")
            return answer(200)

    state = SimpleNamespace(api=Api(), marker="sk-conf-x", fixtures=None, config=None)
    fixtures = FixtureSet(state)  # type: ignore[arg-type]
    state.fixtures = fixtures
    for collection, record_id in (("/taxes", 4), ("/taxes", 4), ("/invoices", 1)):
        fixtures.created.setdefault(collection, []).append(
            Created(collection, record_id, {}, None)  # type: ignore[arg-type]
        )
    assert cleanup_owed(state) == 4  # two records, the invoice's read, the team
    fixtures.cleanup()
    assert sent == ["GET /invoices/1", "PUT /invoices/1", "DELETE /taxes/4"]
