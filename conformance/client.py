"""HTTP to the deployment: every exchange recorded, 429 backed off, each one reproducible by curl.

Tokens never appear in curl commands: they are written as shell variables (`$SK_TOKEN`) so a
report can be shared with a customer without leaking credentials.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import shlex
import ssl
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


class NoAnswer(Exception):
    """A request the suite sent on purpose to be refused early got no answer in time."""


def on_base_url(base_url: str, url: str) -> bool:
    """Whether `url` is an absolute URL on the deployment's base URL: the same scheme, host and
    port, and a path under the base path (the only URLs the suite sends a token to)."""
    try:
        base, target = httpx.URL(base_url), httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        return False
    return target.path.startswith(base.path.rstrip("/") + "/")


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
        """The base URL followed by `path` (an absolute `path` is taken as it is)."""
        absolute = path.startswith(("http://", "https://"))
        url = path if absolute else self.base_url.rstrip("/") + path
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
        observed: bool = True,
    ) -> Exchange:
        """Send one request; on 429 wait `Retry-After` and send it again (unless told not to).
        `observed=False` keeps the exchange from the observers (the caller counts it)."""
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
            for observer in self.observers if observed else ():
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
        if not on_base_url(self.base_url, url):
            return None
        base, target = httpx.URL(self.base_url), httpx.URL(url)
        relative = target.path[len(base.path.rstrip("/")) :]
        query = target.query.decode()
        return self.get(relative + (f"?{query}" if query else ""), operation=operation)

    def announce(
        self,
        method: str,
        path: str,
        length: int,
        *,
        timeout: float,
        authorization: str | None = _UNSET,
        operation: str = "",
    ) -> Exchange:
        """Send only the head of a request whose `Content-Length` announces a `length`-byte JSON
        body, and read the answer: what a deployment says before it reads a body. The body is
        never sent; NoAnswer when no answer came within `timeout` seconds."""
        url = httpx.URL(self.url(path))
        sent = {"Accept": "application/json", "Content-Type": "application/json"}
        role = self.role
        if authorization is _UNSET and self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        elif authorization is _UNSET or authorization is None:
            role = "none"
        else:
            sent["Authorization"], role = authorization, "crafted"
        sent["Content-Length"] = str(length)
        if url.scheme == "https":
            import certifi  # httpx's own certificate bundle

            context = ssl.create_default_context(cafile=certifi.where())
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.host, url.port, timeout=timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(url.host, url.port, timeout=timeout)
        try:
            connection.putrequest(method, url.raw_path.decode("ascii"), skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            content = response.read()
        except TimeoutError as exc:
            raise NoAnswer(f"no answer in {timeout:.0f} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise NoAnswer(f"the connection closed without an answer ({exc})") from exc
        finally:
            connection.close()
        exchange = Exchange(
            method,
            str(url),
            role,
            sent,
            None,
            response.status,
            httpx.Headers(response.getheaders()),
            content,
            operation,
        )
        for observer in self.observers:
            observer(exchange)
        return exchange

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
