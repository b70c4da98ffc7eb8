"""pytest plugin: the conformance rules as tests, with `pytest --schedulingkit-base-url URL`.

Registered through the `pytest11` entry point, so it loads in every pytest run of an environment
where schedulingkit is installed; it does nothing unless `--schedulingkit-base-url` is given.
Then it adds one test per selected rule (`schedulingkit-conformance::AUTH-001`); the suite runs
once, when the first of them runs, and each test passes, fails or skips as its rule did.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

OPTION = "--schedulingkit-base-url"
ROOT_NAME = "schedulingkit-conformance"
_REPORT = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schedulingkit", "SchedulingKit conformance")
    group.addoption(OPTION, default=None, help="API base URL incl. /api/v1")
    # tokens default to the environment, like the CLI's: keep them off the command line
    env = os.environ.get
    group.addoption(
        "--schedulingkit-token", default=env("SK_TOKEN"), help="every scope ($SK_TOKEN)"
    )
    group.addoption(
        "--schedulingkit-other-team-token",
        default=env("SK_OTHER_TEAM_TOKEN"),
        help="a second team's token ($SK_OTHER_TEAM_TOKEN)",
    )
    group.addoption(
        "--schedulingkit-limited-token",
        default=env("SK_LIMITED_TOKEN"),
        help="a limited token ($SK_LIMITED_TOKEN)",
    )
    group.addoption(
        "--schedulingkit-limited-scopes",
        default=env("SK_LIMITED_SCOPES", ""),
        help="its scopes, a,b,c ($SK_LIMITED_SCOPES)",
    )
    group.addoption("--schedulingkit-read-only", action="store_true", help="write nothing")
    group.addoption("--schedulingkit-rules", default="", help="rule IDs or globs, a,b,c")
    group.addoption("--schedulingkit-max-examples", type=int, default=5, help="Schemathesis")
    group.addoption("--schedulingkit-seed", type=int, default=None, help="Schemathesis seed")
    group.addoption(
        "--schedulingkit-max-duration",
        type=float,
        default=15.0,
        help="minutes the run may take at the deployment's rate limit",
    )
    group.addoption(
        "--schedulingkit-max-body-bytes",
        type=int,
        default=int(env("SK_MAX_BODY_BYTES") or 1024 * 1024),
        help="the deployment's request body limit ($SK_MAX_BODY_BYTES, default 1 MiB)",
    )


def _split(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _suite_config(config: pytest.Config):
    from schedulingkit.conformance.config import SuiteConfig

    return SuiteConfig(
        base_url=config.getoption(OPTION),
        token=config.getoption("--schedulingkit-token") or "",
        other_team_token=config.getoption("--schedulingkit-other-team-token"),
        limited_token=config.getoption("--schedulingkit-limited-token"),
        limited_scopes=_split(config.getoption("--schedulingkit-limited-scopes")),
        read_only=config.getoption("--schedulingkit-read-only"),
        rules=_split(config.getoption("--schedulingkit-rules")),
        max_examples=config.getoption("--schedulingkit-max-examples"),
        seed=config.getoption("--schedulingkit-seed"),
        max_duration=config.getoption("--schedulingkit-max-duration") * 60,
        max_body_bytes=config.getoption("--schedulingkit-max-body-bytes"),
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption(OPTION):
        return
    from schedulingkit.conformance.catalogue import select

    suite = _suite_config(config)
    root = ConformanceSuite.from_parent(session, name=ROOT_NAME)
    items.extend(RuleTest.from_parent(root, name=rule.id) for rule in select(suite.rules))


class ConformanceSuite(pytest.Collector):
    """The parent of the rule tests (they are added at collection's end, not collected)."""

    def collect(self) -> list[pytest.Item]:
        return []


class RuleFailed(Exception):
    """The rule found departures from the contract."""


class RuleTest(pytest.Item):
    """One conformance rule; the whole suite runs once, for the first rule test that runs."""

    def _report(self):
        stash = self.config.stash
        if _REPORT not in stash:
            from schedulingkit.conformance.config import UsageError
            from schedulingkit.conformance.runner import run_suite

            try:
                stash[_REPORT] = run_suite(_suite_config(self.config))
            except UsageError as exc:
                stash[_REPORT] = exc
        report = stash[_REPORT]
        if isinstance(report, Exception):
            raise pytest.UsageError(f"schedulingkit conformance: {report}")
        return report

    def runtest(self) -> None:
        result = self._report().result(self.name)
        if result.status == "skipped":
            pytest.skip(result.reason or "skipped")
        if result.status == "failed":
            lines = [f"{result.rule.id} {result.rule.title}"]
            lines += [f"  requirement {r.id}: {r.statement}" for r in result.rule.requirements]
            for failure in result.failures:
                lines.append(f"- {failure.operation}: {failure.detail}")
                if failure.curl:
                    lines.append(f"  {failure.curl}")
            if result.omitted:
                lines.append(f"... and {result.omitted} more")
            raise RuleFailed("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, RuleFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return ROOT_NAME, None, f"conformance rule {self.name}"
