"""What a run is told: where the deployment is, which tokens it may use, which rules to run."""

from __future__ import annotations

from dataclasses import dataclass


class UsageError(Exception):
    """The run cannot start: bad options, unreachable deployment or a rejected token (exit 2)."""


@dataclass(frozen=True)
class SuiteConfig:
    """The options of `schedulingkit conformance`, as a value."""

    base_url: str  # the API base, including /api/v1
    token: str  # a token of the first team with every scope (`*`)
    other_team_token: str | None = None  # a token of a second team (tenancy rules)
    limited_token: str | None = None  # a token of the first team with only `limited_scopes`
    limited_scopes: tuple[str, ...] = ()
    read_only: bool = False  # run only rules that write nothing
    rules: tuple[str, ...] = ()  # glob patterns of rule IDs; empty means all
    max_examples: int = 10  # Schemathesis examples per operation in the fuzzing phases
    seed: int | None = None  # Schemathesis seed, for reproducible generation
    timeout: float = 30.0  # seconds per request
    max_duration: float = 900.0  # seconds the run should take at the deployment's rate limit
    # the deployment's request body limit: the document's default unless it sets another
    max_body_bytes: int = 1024 * 1024
    document: str | None = None  # another copy of the document (tests only)

    def validate(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must be an http(s) URL, got {self.base_url!r}")
        if not self.token:
            raise UsageError("--token is required")
        if bool(self.limited_token) != bool(self.limited_scopes):
            raise UsageError("--limited-token and --limited-scopes go together")
        if self.max_examples < 1:
            raise UsageError("--max-examples must be at least 1")
        if self.max_body_bytes < 1:
            raise UsageError("--max-body-bytes must be at least 1")
