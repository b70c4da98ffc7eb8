"""AUTH: every operation refuses a missing, malformed, unknown or revoked-looking token with 401."""

from __future__ import annotations

import secrets
import string
import zlib

from schedulingkit.conformance.catalogue import CRITICAL, MAJOR, rule
from schedulingkit.conformance.checks import unauthenticated_problems
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.probes import harmless_call

ALPHABET = string.ascii_letters + string.digits


def sanctum_secret() -> str:
    """40 random letters and digits followed by their crc32b checksum, as Sanctum makes them."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(40))
    return random_part + format(zlib.crc32(random_part.encode()), "08x")


def _refused_everywhere(ctx: RuleContext, authorizations: list[str | None], why: str) -> None:
    for op in ctx.operations():
        for authorization in authorizations:
            exchange = harmless_call(ctx.api, op, authorization=authorization)
            for problem in unauthenticated_problems(exchange):
                ctx.fail(op.label, f"{why}: {problem}", exchange)
            ctx.checked()


@rule(
    "AUTH-001",
    "A request without a token answers 401 with the error shape and "
    "WWW-Authenticate: Bearer, on every operation",
    verifies=["REQ-AUTH-01"],
    severity=CRITICAL,
)
def missing_token(ctx: RuleContext) -> None:
    _refused_everywhere(ctx, [None], "no Authorization header")


@rule(
    "AUTH-002",
    "A malformed Authorization header answers 401 on every operation",
    verifies=["REQ-AUTH-02"],
    severity=CRITICAL,
)
def malformed_token(ctx: RuleContext) -> None:
    token = ctx.config.token
    _refused_everywhere(
        ctx,
        ["Bearer", "Bearer not-a-token", f"Basic {token}", f"Token {token}"],
        "malformed Authorization header",
    )


@rule(
    "AUTH-003",
    "A well-formed but unknown token answers 401 on every operation",
    verifies=["REQ-AUTH-03"],
    severity=CRITICAL,
)
def unknown_token(ctx: RuleContext) -> None:
    _refused_everywhere(ctx, [f"Bearer 987654321|{sanctum_secret()}"], "unknown token")


@rule(
    "AUTH-004",
    "A revoked-looking token (a real token id with another secret) answers 401 on every operation",
    verifies=["REQ-AUTH-04"],
    severity=CRITICAL,
)
def revoked_looking_token(ctx: RuleContext) -> None:
    token_id = ctx.config.token.split("|", 1)[0] if "|" in ctx.config.token else "1"
    _refused_everywhere(ctx, [f"Bearer {token_id}|{sanctum_secret()}"], "wrong secret")


@rule(
    "AUTH-005",
    "Authentication comes before validation and lookups: a request without a "
    "token and with invalid parameters still answers 401",
    verifies=["REQ-AUTH-05"],
    severity=MAJOR,
)
def authentication_first(ctx: RuleContext) -> None:
    for op in ctx.operations():
        params = {"per_page": 0, "page": "abc"} if op.is_list else None
        if op.writes and op.request_schema is not None:
            path = op.url_path(**{name: "abc" for name in op.path_params})
            exchange = ctx.api.request(
                op.method,
                path,
                content=b"{not json",
                authorization=None,
                headers={"Content-Type": "application/json"},
                operation=op.label,
            )
        else:
            exchange = harmless_call(ctx.api, op, authorization=None, params=params)
        for problem in unauthenticated_problems(exchange):
            ctx.fail(op.label, f"invalid request without a token: {problem}", exchange)
        ctx.checked()
