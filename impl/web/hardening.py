"""What every answer carries and how every path is read, whatever layer answers.

- `X-Content-Type-Options: nosniff` on every response, and `Cache-Control: no-store` on
  every response but the served document and Swagger UI (public, the same for everyone):
  an answer to a token must not be kept by a browser or a shared cache.
- A trailing slash is not a different resource: `/api/v1/clients/` is read as
  `/api/v1/clients`, and `/api/v1` as `/api/v1/`, so the router never answers with a
  redirect (Starlette builds those from the `Host` header, which the client chooses).
- The request's public URL (`public_url.SCOPE_KEY`), from which links and `Location` are
  built.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import public_url

NOSNIFF = ("X-Content-Type-Options", "nosniff")
NO_STORE = ("Cache-Control", "no-store")


class HardeningMiddleware:
    """The outermost layer of the reference server (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_path: str,
        public_paths: tuple[str, ...] = (),
        configured_url: str | None = None,
    ) -> None:
        self.app = app
        self.base_path = base_path.rstrip("/")
        # served as they are (no slash rewriting, cacheable): the document and Swagger UI
        self.public_paths = tuple(f"{self.base_path}{suffix}" for suffix in public_paths)
        self.configured_url = configured_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        public = path.startswith(self.public_paths)
        if not public:
            scope = self._normalized(scope, path)
        scope[public_url.SCOPE_KEY] = self.configured_url or public_url.scope_listen_url(scope)

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[NOSNIFF[0]] = NOSNIFF[1]
                if not public:
                    headers[NO_STORE[0]] = NO_STORE[1]
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, send_hardened)

    def _normalized(self, scope: Scope, path: str) -> Scope:
        """The scope with its path read without trailing slashes (the API root with one)."""
        wanted = path.rstrip("/") or "/"
        if wanted == self.base_path:
            wanted += "/"  # the API root: the router would redirect `/api/v1` to `/api/v1/`
        if wanted == path:
            return scope
        raw = scope.get("raw_path")
        changed = {**scope, "path": wanted}
        if raw is not None:
            raw_wanted = raw.rstrip(b"/") or b"/"
            changed["raw_path"] = raw_wanted + b"/" if wanted.endswith("/") else raw_wanted
        return changed
