"""HTTP to the deployment: every exchange recorded, 429 backed off, each one reproducible by curl.

Tokens never appear in curl commands: they are written as shell variables (`$SK_TOKEN`) so a
report can be shared with a customer without leaking credentials.
"""

from __future__ import annotations

import json as jsonlib
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

# token role -> shell variable used in curl commands
TOKEN_VARIABLES = {
    "main": "SK_TOKEN",
    "other": "SK_OTHER_TEAM_TOKEN",
    "limited": "SK_LIMITED_TOKEN",
}
MAX_BACKOFF_SECONDS = 120.0
MAX_RETRIES_ON_429 = 6
_UNSET: Any = object()


class DeploymentUnreachable(Exception):
    """The deployment did not answer (connection refused, DNS, timeout)."""


@dataclass
class Exchange:
    """One request and its response."""

    method: str
    url: str
    role: str  # main | other | limited | crafted | none
    request_headers: dict[str, str]
    body: bytes | None
    status: int
    headers: httpx.Headers
    content: bytes
    operation: str = ""  # "GET /clients/{id}" when the request targets a documented operation
    _json: Any = field(default=_UNSET, repr=False)

    def json(self) -> Any:
        """The parsed body, or None when it is not JSON."""
        if self._json is _UNSET:
            try:
                self._json = jsonlib.loads(self.content) if self.content else None
            except ValueError:
                self._json = None
        return self._json

    @property
    def data(self) -> Any:
        body = self.json()
        return body.get("data") if isinstance(body, dict) else None

    @property
    def authenticated(self) -> bool:
        """Sent with one of the real tokens."""
        return self.role in TOKEN_VARIABLES

    def curl(self) -> str:
        """A shell command that sends the same request."""
        parts = ["curl", "-sS", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() == "authorization" and self.role in TOKEN_VARIABLES:
                parts += ["-H", f'"Authorization: Bearer ${TOKEN_VARIABLES[self.role]}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "replace"))]
        return " ".join(parts)

    def describe(self) -> str:
        """`401 {"message": ...}` (body cut short) for failure details."""
        text = self.content[:300].decode("utf-8", "replace")
        return f"{self.status} {text}".strip()


Observer = Callable[[Exchange], None]


@dataclass
class ApiClient:
    """Requests to one deployment with one token."""

    base_url: str
    token: str | None
    role: str
    http: httpx.Client
    observers: list[Observer] = field(default_factory=list)
    on_wait: Callable[[float], None] | None = None

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = self.base_url.rstrip("/") + path
        if params:
            url += "?" + urlencode({k: _wire(v) for k, v in params.items() if v is not None})
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = _UNSET,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        authorization: str | None = _UNSET,
        operation: str = "",
        backoff: bool = True,
    ) -> Exchange:
        """Send one request; on 429 wait `Retry-After` and send it again (unless told not to)."""
        sent: dict[str, str] = {"Accept": "application/json"}
        role = self.role
        if authorization is _UNSET:
            if self.token is not None:
                sent["Authorization"] = f"Bearer {self.token}"
            else:
                role = "none"
        elif authorization is None:
            role = "none"
        else:
            sent["Authorization"] = authorization
            role = "crafted"
        body = content
        if json is not _UNSET:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        url = self.url(path, params)
        for attempt in range(MAX_RETRIES_ON_429 + 1):
            try:
                response = self._send(method, url, sent, body)
            except httpx.TransportError as exc:
                raise DeploymentUnreachable(f"{method} {url}: {exc}") from exc
            exchange = Exchange(
                method,
                url,
                role,
                sent,
                body,
                response.status_code,
                response.headers,
                response.content,
                operation,
            )
            for observer in self.observers:
                observer(exchange)
            if response.status_code != 429 or not backoff or attempt == MAX_RETRIES_ON_429:
                return exchange
            self.wait_for_window(exchange)
        return exchange

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> httpx.Response:
        """One request; a read that timed out is sent once more (a deployment under load may
        be slow once), a write never (it may have been applied)."""
        try:
            return self.http.request(method, url, headers=headers, content=body)
        except httpx.TimeoutException:
            if method != "GET":
                raise
            return self.http.request(method, url, headers=headers, content=body)

    def wait_for_window(self, exchange: Exchange) -> None:
        """Sleep until the rate-limit window that answered 429 is over."""
        delay = retry_after_seconds(exchange)
        if self.on_wait:
            self.on_wait(delay)
        time.sleep(delay)

    def follow(self, url: str, operation: str = "") -> Exchange | None:
        """GET a URL the deployment gave (a page link), with the token only when it is on the
        base URL's origin: None for a link elsewhere (a token never leaves the deployment)."""
        base, target = httpx.URL(self.base_url), httpx.URL(url)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            return None
        if not target.path.startswith(base.path.rstrip("/") + "/"):
            return None
        relative = target.path[len(base.path.rstrip("/")) :]
        query = target.query.decode()
        return self.get(relative + (f"?{query}" if query else ""), operation=operation)

    def get(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> Exchange:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> Exchange:
        return self.request("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("DELETE", path, **kwargs)


def retry_after_seconds(exchange: Exchange) -> float:
    """`Retry-After` (falling back to `X-RateLimit-Reset`, then 1 s), capped."""
    value = exchange.headers.get("retry-after", "")
    try:
        delay = float(value)
    except ValueError:
        try:
            delay = float(exchange.headers.get("x-ratelimit-reset", "")) - time.time()
        except ValueError:
            delay = 1.0
    return min(max(delay, 0.0), MAX_BACKOFF_SECONDS) + 0.25


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
