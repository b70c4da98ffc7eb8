"""Faults in error responses: their status, shape, media type and headers."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from .asgi import (
    Captured,
    JsonResponseFault,
    Passthrough,
    ResponseFault,
    read_body,
    replay_receive,
    request_header,
    with_header,
)
from .routes import document


class ErrorsDropped(JsonResponseFault):
    """422 answers keep their `message` but lose the `errors` object.

    Breaks: a 422 body lists every failing field in `errors` (dotted path -> messages).
    Caught by: ERR-008.
    """

    statuses = (422,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if isinstance(document_, dict):
            document_.pop("errors", None)


class FirstErrorOnly(JsonResponseFault):
    """Validation stops at the first failing field (`bail` on the whole request).

    Breaks: `errors` lists every failing field, not only the first.
    Caught by: ERR-008.
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
    Caught by: ERR-001.
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
    Caught by: ERR-005.
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
    Caught by: ERR-002.
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
    Caught by: ERR-003.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 405:
            response.drop_header("allow")
        return response


class MalformedJsonServerError(Passthrough):
    """A body that is not JSON crashes the handler: 500 instead of 400.

    Breaks: a body that is not valid JSON answers 400 (and a 500 is never the answer to a
    client's mistake).
    Caught by: ERR-006.
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


class BracketErrorKeys(JsonResponseFault):
    """422 `errors` keys in PHP form notation (`items[0][quantity]`) instead of dotted paths.

    Breaks: `errors` keys are dotted field paths (`items.0.quantity`).
    Caught by: ERR-009.
    """

    statuses = (422,)

    def edit(self, scope: Scope, document_: Any) -> None:
        errors = document_.get("errors") if isinstance(document_, dict) else None
        if isinstance(errors, dict):
            document_["errors"] = {_brackets(key): value for key, value in errors.items()}


def _brackets(key: str) -> str:
    head, *rest = key.split(".")
    return head + "".join(f"[{part}]" for part in rest)


class FormBodiesAccepted(Passthrough):
    """Form-encoded bodies parsed like JSON ones instead of refused with 415.

    Breaks: a body that is not `application/json` answers 415.
    Caught by: ERR-007.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = (request_header(scope, "content-type") or "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            await self.app(scope, receive, send)
            return
        form = dict(parse_qsl((await read_body(receive)).decode("utf-8", "replace")))
        scope = with_header(scope, "content-type", "application/json")
        await self.app(scope, replay_receive(json.dumps(form).encode()), send)


class MissingRowServerError(ResponseFault):
    """An unknown id crashes the handler (a null row dereferenced): 500 instead of 404.

    Breaks: an unknown id answers 404 with the error shape (and a 500 is never the answer to
    a client's request for something that is not there).
    Caught by: ERR-004.
    """

    def applies(self, scope: Scope) -> bool:
        operation = document().match(scope["method"], scope["path"])
        return operation is not None and operation.has_id

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 404:
            response.status = 500
            response.set_json({"message": "Server Error"})
        return response
