"""Faults in error responses: their status, shape, media type and headers."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.types import Receive, Scope, Send

from .asgi import Captured, JsonResponseFault, Passthrough, ResponseFault, read_body, replay_receive
from .routes import document


class ErrorsDropped(JsonResponseFault):
    """422 answers keep their `message` but lose the `errors` object.

    Breaks: a 422 body lists every failing field in `errors` (dotted path -> messages).
    """

    statuses = (422,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if isinstance(document_, dict):
            document_.pop("errors", None)


class FirstErrorOnly(JsonResponseFault):
    """Validation stops at the first failing field (`bail` on the whole request).

    Breaks: `errors` lists every failing field, not only the first.
    """

    statuses = (422,)

    def edit(self, scope: Scope, document_: Any) -> None:
        errors = document_.get("errors") if isinstance(document_, dict) else None
        if isinstance(errors, dict) and errors:
            first = next(iter(errors))
            document_["errors"] = {first: errors[first]}


class ProblemDetails(ResponseFault):
    """Errors in RFC 7807 `application/problem+json` (a framework's default error handler).

    Breaks: every 4xx/5xx body is `{"message", "errors"?}` as `application/json`.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status >= 400 and response.is_json:
            body = response.json()
            problem = {
                "type": "about:blank",
                "title": HTTPStatus(response.status).phrase,
                "status": response.status,
                "detail": body.get("message") if isinstance(body, dict) else None,
            }
            response.set_json(problem, content_type="application/problem+json")
        return response


class QueryErrorsAs422(ResponseFault):
    """Bad query parameters answered 422, as a form validation would (Laravel's default).

    Breaks: a query or path parameter that fails its schema answers 400, not 422.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 400:
            response.status = 422
        return response


HTML_NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en"><head><title>Not Found</title></head>'
    b'<body><div class="code">404</div><div class="message">Not Found</div></body></html>'
)


class HtmlNotFound(ResponseFault):
    """Unknown routes fall through to the web app's HTML 404 page.

    Breaks: unknown routes answer 404 with the JSON error shape, like every other error.
    """

    def applies(self, scope: Scope) -> bool:
        return not document().is_known_path(scope["path"])

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 404:
            response.set_body(HTML_NOT_FOUND, "text/html; charset=UTF-8")
        return response


class NoAllowHeader(ResponseFault):
    """405 answered without the `Allow` header.

    Breaks: a wrong method answers 405 with `Allow` listing the path's methods (RFC 9110).
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 405:
            response.drop_header("allow")
        return response


class MalformedJsonServerError(Passthrough):
    """A body that is not JSON crashes the handler: 500 instead of 400.

    Breaks: a body that is not valid JSON answers 400 (and a 500 is never the answer to a
    client's mistake).
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        if body and scope["method"] in ("POST", "PUT", "PATCH") and not _is_json(body):
            await Captured(
                status=500,
                headers=[("content-type", "application/json")],
                body=b'{"message": "Server Error"}',
            ).send_to(send)
            return
        await self.app(scope, replay_receive(body), send)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
