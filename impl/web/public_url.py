"""The URLs the server writes (page links, `Location`), built from the deployment's public URL.

Never from the request's `Host` header, which the client chooses: a request with
`Host: evil.example` must not get links to evil.example. The public URL is configured
(`SCHEDULINGKIT_PUBLIC_URL`); without it, it is the address the request came in on, the
listening socket's own (`scope["server"]`), which the client cannot choose either.
`HardeningMiddleware` puts the request's public URL in the scope; the functions here read it.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from starlette.types import Scope

SCOPE_KEY = "schedulingkit.public_url"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_public_url(value: str) -> str:
    """A configured public URL without its trailing slash; ValueError when it is not an
    absolute http(s) URL without query or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"the public URL must be an absolute http(s) URL, not {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"the public URL must not have a query or a fragment: {value!r}")
    return value.strip().rstrip("/")


def listen_url(scheme: str, host: str, port: int | None) -> str:
    """`scheme://host[:port]`, the port left out when it is the scheme's default."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})


def default_for_listen_address(host: str, port: int) -> str | None:
    """The public URL a server listening on `host:port` defaults to: `http://host:port`, or
    None for a wildcard address (every interface), whose requests each name the address they
    came in on."""
    if host in WILDCARD_HOSTS:
        return None
    return listen_url("http", host, port)


def scope_listen_url(scope: Scope) -> str:
    """The public URL of a deployment that configured none: where the request was received."""
    scheme = scope.get("scheme", "http")
    server = scope.get("server")
    if not server:  # a Unix socket: no address to name
        return f"{scheme}://localhost"
    host, port = server[0], server[1] if len(server) > 1 else None
    return listen_url(scheme, host, port)


def request_url(scope: Scope) -> str:
    """The request's public URL, without the query string."""
    base = scope.get(SCOPE_KEY) or scope_listen_url(scope)
    return base + scope["path"]


def created_location(scope: Scope, answer: t.Any) -> str | None:
    """The `Location` of a resource a POST to a collection created: the collection's public
    URL and the new id (`{"data": {"id": 7}}` -> `.../clients/7`)."""
    data = answer[0] if isinstance(answer, tuple) else answer
    created = data.get("data") if isinstance(data, dict) else None
    if not isinstance(created, dict) or "id" not in created:
        return None
    return f"{request_url(scope).rstrip('/')}/{created['id']}"
