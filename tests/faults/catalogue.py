"""Every injected fault: its name, how it wraps the server, and the conformance rule that
must fail because of it.

A fault is realistic (a bug a real deployment could ship) and breaks one contract rule; the
mutation score is how many of them the conformance suite catches with the rule meant for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp

from . import (
    auth,
    errors,
    filtering,
    isolation,
    limits,
    pagination,
    production,
    ratelimit,
    resources,
    semantics,
    wire,
)
from .harness import GENEROUS_RATE_LIMIT, Credentials

AppFactory = Callable[[], ASGIApp]
Builder = Callable[[AppFactory, Credentials], ASGIApp]
# A small limit in a short window: rate-limit rules reach 429 quickly and wait little for
# the window to end, yet a burst under load still fits in one window.
TIGHT_RATE_LIMIT = "20/10 seconds"


@dataclass(frozen=True)
class Fault:
    """One injected fault and the rule that must catch it."""

    name: str
    rule: str  # the conformance rule id that must fail
    requirement: str  # the id of the requirement it breaks (openapi/requirements.yaml)
    build: Builder
    middleware: type
    rate_limit: str = GENEROUS_RATE_LIMIT
    what: str = ""  # what the deployment gets wrong, when the middleware's docstring is general
    # the HTTP protocol uvicorn serves it with (None: the reference server's own), for a
    # fault that lives below the app
    http: str | None = None

    @property
    def summary(self) -> str:
        """What the deployment gets wrong: `what`, or the middleware docstring's first paragraph."""
        first = self.what or (inspect.getdoc(self.middleware) or "").split("\n\n", 1)[0]
        return " ".join(first.split())


def wrap(middleware: type, *args: object) -> Builder:
    """A builder for a middleware that needs only the app (and fixed arguments)."""
    return lambda make, _credentials: middleware(make(), *args)


def with_tokens(middleware: type, *names: str, **kwargs: object) -> Builder:
    """A builder passing the named credentials (`token`, `other_team_token`, ...) in order."""
    return lambda make, credentials: middleware(
        make(), *(getattr(credentials, name) for name in names), **kwargs
    )


def several_processes(count: int) -> Builder:
    """`count` reference servers behind one round-robin (each with its own counters)."""
    return lambda make, _credentials: ratelimit.PerProcessCounters([make() for _ in range(count)])


def all_tokens(credentials: Credentials) -> set[str]:
    """Every real token of the run (faults that recognize a token by its id or its text)."""
    return {credentials.token, credentials.other_team_token, credentials.limited_token}


FAULTS: tuple[Fault, ...] = (
    # authentication
    Fault(
        "no-www-authenticate",
        "AUTH-001",
        "REQ-AUTH-01",
        wrap(auth.NoWwwAuthenticate),
        auth.NoWwwAuthenticate,
    ),
    Fault(
        "any-scheme-accepted",
        "AUTH-002",
        "REQ-AUTH-02",
        lambda make, c: auth.AnySchemeAccepted(make(), all_tokens(c)),
        auth.AnySchemeAccepted,
    ),
    Fault(
        "unauthenticated-as-403",
        "AUTH-003",
        "REQ-AUTH-03",
        wrap(auth.UnauthenticatedAs403),
        auth.UnauthenticatedAs403,
    ),
    Fault(
        "secret-not-compared",
        "AUTH-004",
        "REQ-AUTH-04",
        lambda make, c: auth.SecretNotCompared(make(), all_tokens(c)),
        auth.SecretNotCompared,
    ),
    Fault(
        "validation-before-auth",
        "AUTH-005",
        "REQ-AUTH-05",
        with_tokens(auth.ValidationBeforeAuthentication, "token"),
        auth.ValidationBeforeAuthentication,
    ),
    # scopes
    Fault(
        "scope-not-enforced",
        "SCOPE-001",
        "REQ-SCOPE-01",
        with_tokens(
            auth.ScopeNotEnforced, "limited_token", "token", operation_ids={"listInvoices"}
        ),
        auth.ScopeNotEnforced,
    ),
    Fault(
        "held-scope-refused",
        "SCOPE-002",
        "REQ-SCOPE-02",
        # not GET /clients: the preflight probes that one to check --limited-scopes, and
        # would refuse the run (exit 2) instead of letting SCOPE-002 judge it
        with_tokens(auth.ForbiddenOperations, "limited_token", operation_ids={"getTax"}),
        auth.ForbiddenOperations,
        what="`GET /taxes/{id}` refuses a token holding `taxes:read` (the route was given the "
        "wrong ability).",
    ),
    Fault(
        "wildcard-not-honored",
        "SCOPE-003",
        "REQ-SCOPE-03",
        with_tokens(auth.ForbiddenOperations, "token", operation_ids={"getTransaction"}),
        auth.ForbiddenOperations,
        what="`GET /transactions/{id}` refuses the `*` token (an ability check that does not "
        "understand the wildcard).",
    ),
    # errors
    Fault(
        "problem-json", "ERR-001", "REQ-ERR-01", wrap(errors.ProblemDetails), errors.ProblemDetails
    ),
    Fault(
        "html-not-found", "ERR-002", "REQ-ERR-02", wrap(errors.HtmlNotFound), errors.HtmlNotFound
    ),
    Fault(
        "405-without-allow",
        "ERR-003",
        "REQ-ERR-03",
        wrap(errors.NoAllowHeader),
        errors.NoAllowHeader,
    ),
    Fault(
        "500-for-unknown-id",
        "ERR-004",
        "REQ-ERR-04",
        wrap(errors.MissingRowServerError),
        errors.MissingRowServerError,
    ),
    Fault(
        "query-errors-as-422",
        "ERR-005",
        "REQ-ERR-05",
        wrap(errors.QueryErrorsAs422),
        errors.QueryErrorsAs422,
    ),
    Fault(
        "unknown-enum-ignored",
        "ERR-005",
        "REQ-FILT-06",
        wrap(filtering.UnknownEnumIgnored),
        filtering.UnknownEnumIgnored,
    ),
    Fault(
        "500-on-malformed-json",
        "ERR-006",
        "REQ-ERR-06",
        wrap(errors.MalformedJsonServerError),
        errors.MalformedJsonServerError,
    ),
    Fault(
        "form-bodies-accepted",
        "ERR-007",
        "REQ-ERR-07",
        wrap(errors.FormBodiesAccepted),
        errors.FormBodiesAccepted,
    ),
    Fault(
        "422-without-errors",
        "ERR-008",
        "REQ-ERR-08",
        wrap(errors.ErrorsDropped),
        errors.ErrorsDropped,
    ),
    Fault(
        "first-error-only",
        "ERR-008",
        "REQ-ERR-08",
        wrap(errors.FirstErrorOnly),
        errors.FirstErrorOnly,
    ),
    Fault(
        "max-items-clamped",
        "ERR-008",
        "REQ-COST-01",
        wrap(limits.MaxItemsClamped),
        limits.MaxItemsClamped,
    ),
    Fault(
        "bracket-error-keys",
        "ERR-009",
        "REQ-ERR-09",
        wrap(errors.BracketErrorKeys),
        errors.BracketErrorKeys,
    ),
    # wire format
    Fault("json-as-html", "WIRE-001", "REQ-WIRE-01", wrap(wire.JsonAsHtml), wire.JsonAsHtml),
    Fault(
        "timestamps-with-offset",
        "WIRE-002",
        "REQ-WIRE-03",
        wrap(wire.TimestampsWithOffset),
        wire.TimestampsWithOffset,
    ),
    Fault(
        "cache-control-no-cache",
        "WIRE-003",
        "REQ-COST-05",
        wrap(production.CacheControlNoCache),
        production.CacheControlNoCache,
    ),
    Fault(
        "server-header",
        "WIRE-003",
        "REQ-COST-11",
        wrap(production.ServerHeader),
        production.ServerHeader,
    ),
    Fault(
        "links-from-host",
        "WIRE-004",
        "REQ-COST-06",
        wrap(production.LinksFromHost),
        production.LinksFromHost,
    ),
    Fault(
        "trailing-slash-redirect",
        "WIRE-005",
        "REQ-WIRE-07",
        wrap(production.TrailingSlashRedirect),
        production.TrailingSlashRedirect,
    ),
    # pagination and ordering
    Fault(
        "per-page-default-20",
        "PAGE-001",
        "REQ-PAGE-01",
        wrap(pagination.DefaultPerPage),
        pagination.DefaultPerPage,
    ),
    Fault(
        "per-page-clamped",
        "PAGE-002",
        "REQ-PAGE-02",
        wrap(pagination.PerPageClamped),
        pagination.PerPageClamped,
    ),
    Fault(
        "last-page-floored",
        "PAGE-003",
        "REQ-PAGE-03",
        wrap(pagination.LastPageFloored),
        pagination.LastPageFloored,
    ),
    Fault(
        "links-drop-query",
        "PAGE-003",
        "REQ-PAGE-03",
        wrap(pagination.LinksDropQuery),
        pagination.LinksDropQuery,
    ),
    Fault(
        "total-off-by-one",
        "PAGE-004",
        "REQ-PAGE-04",
        wrap(pagination.TotalOffByOne),
        pagination.TotalOffByOne,
    ),
    Fault(
        "row-repeated-across-pages",
        "PAGE-004",
        "REQ-PAGE-04",
        wrap(pagination.OffsetOffByOne),
        pagination.OffsetOffByOne,
    ),
    Fault(
        "order-reversed",
        "PAGE-005",
        "REQ-PAGE-05",
        wrap(filtering.ReversedOrder),
        filtering.ReversedOrder,
    ),
    Fault(
        "past-last-page-404",
        "PAGE-006",
        "REQ-PAGE-06",
        wrap(pagination.PastLastPageNotFound),
        pagination.PastLastPageNotFound,
    ),
    # filtering
    Fault(
        "search-ignored",
        "FILT-001",
        "REQ-FILT-01",
        wrap(filtering.FilterIgnored, "search"),
        filtering.FilterIgnored,
    ),
    Fault(
        "upper-bound-inclusive",
        "FILT-001",
        "REQ-FILT-04",
        wrap(filtering.UpperBoundInclusive),
        filtering.UpperBoundInclusive,
    ),
    Fault(
        "search-case-sensitive",
        "FILT-002",
        "REQ-FILT-03",
        wrap(filtering.SearchCaseSensitive),
        filtering.SearchCaseSensitive,
    ),
    Fault(
        "boolean-false-as-true",
        "FILT-001",
        "REQ-FILT-01",
        wrap(filtering.BooleanFalseAsTrue),
        filtering.BooleanFalseAsTrue,
    ),
    Fault(
        "search-prefix-only",
        "FILT-002",
        "REQ-FILT-03",
        wrap(filtering.SearchPrefixOnly),
        filtering.SearchPrefixOnly,
    ),
    Fault(
        "inverted-range-accepted",
        "FILT-003",
        "REQ-FILT-06",
        wrap(filtering.InvertedRangeAccepted),
        filtering.InvertedRangeAccepted,
    ),
    # tenancy: the second team's token reaches the first team's rows
    Fault(
        "other-team-row-by-id",
        "TEN-001",
        "REQ-TEN-01",
        with_tokens(isolation.OtherTeamRowById, "other_team_token", "token"),
        isolation.OtherTeamRowById,
    ),
    Fault(
        "other-team-rows-in-lists",
        "TEN-002",
        "REQ-TEN-02",
        with_tokens(isolation.OtherTeamRowsInLists, "other_team_token", "token"),
        isolation.OtherTeamRowsInLists,
    ),
    # resource semantics
    Fault(
        "field-not-saved",
        "RES-001",
        "REQ-RES-01",
        wrap(resources.FieldNotSaved),
        resources.FieldNotSaved,
    ),
    Fault(
        "required-field-dropped",
        "RES-001",
        "REQ-RES-01",
        wrap(resources.RequiredFieldDropped),
        resources.RequiredFieldDropped,
    ),
    Fault(
        "no-location",
        "RES-001",
        "REQ-RES-09",
        wrap(resources.NoLocation),
        resources.NoLocation,
    ),
    Fault(
        "money-as-decimal-string",
        "RES-001",
        "REQ-WIRE-04",
        wrap(resources.MoneyAsDecimalString, {"price"}),
        resources.MoneyAsDecimalString,
    ),
    Fault(
        "put-replaces",
        "RES-002",
        "REQ-RES-02",
        wrap(resources.UpdateReplaces, {"updateClient"}),
        resources.UpdateReplaces,
    ),
    Fault(
        "delete-swallowed",
        "RES-003",
        "REQ-RES-03",
        wrap(resources.DeleteSwallowed),
        resources.DeleteSwallowed,
    ),
    Fault(
        "cancel-deletes-event",
        "RES-003",
        "REQ-RES-04",
        wrap(resources.CancelDeletesEvent),
        resources.CancelDeletesEvent,
    ),
    Fault(
        "unknown-fields-accepted",
        "RES-004",
        "REQ-RES-05",
        wrap(resources.UnknownFieldsAccepted),
        resources.UnknownFieldsAccepted,
    ),
    Fault(
        "read-only-fields-ignored",
        "RES-005",
        "REQ-RES-06",
        wrap(resources.ReadOnlyFieldsIgnored),
        resources.ReadOnlyFieldsIgnored,
    ),
    Fault(
        "discount-ignored",
        "RES-007",
        "REQ-DOM-02",
        wrap(resources.DiscountIgnored),
        resources.DiscountIgnored,
    ),
    Fault(
        "payments-not-recorded",
        "RES-008",
        "REQ-DOM-03",
        wrap(resources.PaymentsNotRecorded),
        resources.PaymentsNotRecorded,
    ),
    # meaning: only a suite that recomputes, follows or reads back sees these
    Fault(
        "dst-ignored",
        "RES-006",
        "REQ-DOM-01",
        wrap(semantics.DstIgnored),
        semantics.DstIgnored,
    ),
    Fault(
        "first-occurrence-folded",
        "RES-006",
        "REQ-DOM-07",
        wrap(semantics.FirstOccurrenceFolded),
        semantics.FirstOccurrenceFolded,
    ),
    Fault(
        "inclusive-tax-as-exclusive",
        "RES-007",
        "REQ-DOM-02",
        wrap(semantics.InclusiveTaxAsExclusive),
        semantics.InclusiveTaxAsExclusive,
    ),
    Fault(
        "stale-status-in-lists",
        "RES-009",
        "REQ-RES-08",
        wrap(semantics.StaleStatusInLists),
        semantics.StaleStatusInLists,
    ),
    Fault(
        "refund-not-recorded",
        "RES-009",
        "REQ-DOM-03",
        wrap(semantics.RefundNotRecorded),
        semantics.RefundNotRecorded,
    ),
    Fault(
        "links-drop-per-page",
        "PAGE-003",
        "REQ-PAGE-03",
        wrap(semantics.LinksDropPerPage),
        semantics.LinksDropPerPage,
    ),
    # bounded cost and availability
    Fault(
        "body-read-before-limit",
        "COST-001",
        "REQ-COST-02",
        wrap(limits.BodyReadBeforeLimit),
        limits.BodyReadBeforeLimit,
    ),
    Fault(
        "oversized-head-served",
        "COST-002",
        "REQ-COST-09",
        wrap(limits.OversizedHeadServed),
        limits.OversizedHeadServed,
        http="h11",
    ),
    Fault(
        "json-depth-unbounded",
        "COST-003",
        "REQ-COST-10",
        wrap(limits.JsonDepthUnbounded),
        limits.JsonDepthUnbounded,
    ),
    Fault(
        "series-cap-clamped",
        "COST-004",
        "REQ-COST-03",
        wrap(limits.SeriesCapClamped),
        limits.SeriesCapClamped,
    ),
    Fault(
        "no-health-route",
        "COST-005",
        "REQ-COST-07",
        wrap(production.NoHealthRoute),
        production.NoHealthRoute,
    ),
    # rate limits
    Fault(
        "no-ratelimit-remaining",
        "RATE-001",
        "REQ-RATE-02",
        wrap(ratelimit.NoRateLimitRemaining),
        ratelimit.NoRateLimitRemaining,
    ),
    Fault(
        "no-retry-after",
        "RATE-002",
        "REQ-RATE-03",
        wrap(ratelimit.NoRetryAfter),
        ratelimit.NoRetryAfter,
        TIGHT_RATE_LIMIT,
    ),
    Fault(
        "per-process-rate-counters",
        "RATE-002",
        "REQ-RATE-01",
        several_processes(3),
        ratelimit.PerProcessCounters,
        TIGHT_RATE_LIMIT,
    ),
    Fault(
        "limit-overstated",
        "RATE-002",
        "REQ-RATE-02",
        wrap(ratelimit.LimitOverstated),
        ratelimit.LimitOverstated,
        TIGHT_RATE_LIMIT,
    ),
    Fault(
        "retry-after-too-short",
        "RATE-003",
        "REQ-RATE-04",
        wrap(ratelimit.RetryAfterTooShort),
        ratelimit.RetryAfterTooShort,
        TIGHT_RATE_LIMIT,
    ),
)


def fault_named(name: str) -> Fault:
    for fault in FAULTS:
        if fault.name == name:
            return fault
    raise KeyError(f"no fault named {name!r}; known: {', '.join(f.name for f in FAULTS)}")
