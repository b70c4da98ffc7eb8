"""Faults in the production shape: caching and hardening headers, links, redirects, health."""

from __future__ import annotations

import json
from typing import Any

from schedulingkit.impl.web.public_url import scope_listen_url
from starlette.types import Receive, Scope, Send

from .asgi import Captured, ResponseFault, request_header
from .routes import document


class CacheControlNoCache(ResponseFault):
    """Answers marked `Cache-Control: no-cache, private` (Symfony's default for a response
    without caching headers) instead of `no-store`: a browser may keep an answer to a token.

    Breaks: REQ-COST-05, every response of an operation carries `Cache-Control: no-store`.
    Caught by: WIRE-003.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        response.set_header("cache-control", "no-cache, private")
        return response


class ServerHeader(ResponseFault):
    """Every answer names the server software (`Server: uvicorn`, uvicorn's default left on).

    Breaks: REQ-COST-11, no response names the server software.
    Caught by: WIRE-003.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        response.set_header("server", "uvicorn")
        return response


class LinksFromHost(ResponseFault):
    """Page links, `meta.path` and `Location` built from the request's `Host` header (Laravel's
    `url()` without a forced root URL behind a proxy that passes any `Host` on).

    Breaks: REQ-COST-06, links are built from the deployment's public URL, never from `Host`.
    A request with the server's own `Host` (every request a client normally sends) is
    answered as before.
    Caught by: WIRE-004.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        host = request_header(scope, "host")
        own = scope_listen_url(scope)  # the server's public URL when none is configured
        if not host or f"{scope.get('scheme', 'http')}://{host}" == own:
            return response
        theirs = f"{scope.get('scheme', 'http')}://{host}"
        location = response.header("location")
        if location and location.startswith(own):
            response.set_header("location", theirs + location[len(own) :])
        if response.is_json:
            document_ = response.json()
            if isinstance(document_, dict):
                _rebase(document_.get("links"), own, theirs)
                _rebase(document_.get("meta"), own, theirs, keys=("path",))
                response.set_json(document_)
        return response


def _rebase(node: Any, own: str, theirs: str, keys: tuple[str, ...] | None = None) -> None:
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if (keys is None or key in keys) and isinstance(value, str) and value.startswith(own):
            node[key] = theirs + value[len(own) :]


class TrailingSlashRedirect(ResponseFault):
    """A path with a trailing slash answered `307` to the path without it (Starlette's
    `redirect_slashes`, Laravel's `.htaccess` rule), the redirect built from `Host`.

    Breaks: REQ-WIRE-07, a trailing slash changes nothing and the API never redirects.
    Caught by: WIRE-005.
    """

    def applies(self, scope: Scope) -> bool:
        base = document().base_path
        path = scope["path"]
        return path.startswith(f"{base}/") and path.endswith("/") and path != f"{base}/"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        host = request_header(scope, "host") or "localhost"
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{scope.get('scheme', 'http')}://{host}{scope['path'].rstrip('/')}"
        redirect = Captured(307, [("location", target + (f"?{query}" if query else ""))])
        await redirect.send_to(send)


class NoHealthRoute(ResponseFault):
    """`GET /up` not routed (an application from before Laravel 11's `health: '/up'`): the
    health route answers `404` like any unknown path.

    Breaks: REQ-COST-07, `GET /up` answers `200 {"status": "up"}` while the database answers.
    Caught by: COST-005.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != "/up":
            await self.app(scope, receive, send)
            return
        body = json.dumps({"message": "Not Found."}).encode()
        answer = Captured(404, [("content-type", "application/json")], body)
        answer.set_header("x-content-type-options", "nosniff")
        await answer.send_to(send)
