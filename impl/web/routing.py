"""One router: Connexion's, with one route per documented path.

Connexion adds a Starlette route per (path, method), with a converter per path parameter
type (`/clients/{id:int}`). Two answers then come out wrong for the contract: a segment the
converter refuses (`/clients/abc`) matches no route, so it is a 404 before the token is even
read, where the contract wants the 400 of a bad parameter after the token, scope and rate
limit checks; and a method the path lacks is a 405 whose `Allow` is the first matching
route's (`GET, HEAD`), not the path's. Here each documented path is one route whose
segments are text: the request validator checks a path parameter like any other, after the
token check; and the route itself answers a method the path lacks with a 405 whose `Allow`
lists the path's methods in the document's order. What no route matches falls through to
Connexion's 404, as before.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable

from connexion.frameworks.starlette import starlettify_path
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware
from connexion.operations import AbstractOperation
from connexion.spec import Specification
from schedulingkit.openapi.contract import HTTP_METHODS
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send


def allow_header(methods: Iterable[str]) -> str:
    """`Allow` for these methods: upper case, in the order OpenAPI lists them (`HTTP_METHODS`)."""
    named = {m.strip().upper() for m in methods}
    return ", ".join(m.upper() for m in HTTP_METHODS if m.upper() in named)


class PathRoute:
    """The operations of one documented path, by method: the ASGI app of its one route."""

    def __init__(self) -> None:
        self.operations: dict[str, ASGIApp] = {}
        self.allow = ""

    def add(self, method: str, operation: ASGIApp) -> None:
        self.operations[method.upper()] = operation
        self.allow = allow_header(self.operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        operation = self.operations.get(method)
        if operation is None and method == "HEAD":  # as Starlette's route for a GET does
            operation = self.operations.get("GET")
        if operation is None:
            raise HTTPException(405, headers={"Allow": self.allow})
        await operation(scope, receive, send)


class PathRoutingAPI(RoutingAPI):
    """Connexion's routing API with one route per path (`PathRoute`), segments as text."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.paths: dict[str, PathRoute] = {}  # before Connexion adds the operations
        super().__init__(*args, **kwargs)

    @staticmethod
    def _framework_path_and_name(operation: AbstractOperation, path: str) -> tuple[str, str]:
        starlette_path = starlettify_path(path)  # no types: no converters
        return starlette_path, starlette_path

    def _add_operation_internal(
        self, method: str, path: str, operation: ASGIApp, name: str | None = None
    ) -> None:
        route = self.paths.get(path)
        if route is None:
            route = self.paths[path] = PathRoute()
            self.router.add_route(path, route)  # every method matches: the route answers 405
        route.add(method, operation)


class PathRoutingMiddleware(RoutingMiddleware):
    """Connexion's routing middleware mounting a `PathRoutingAPI` (one API per base path)."""

    def add_api(
        self,
        specification: Specification,
        base_path: str | None = None,
        arguments: dict | None = None,
        **kwargs: t.Any,
    ) -> None:
        api = PathRoutingAPI(
            specification,
            base_path=base_path,
            arguments=arguments,
            next_app=self.app,
            **kwargs,
        )
        self.router.mount(api.base_path, app=api.router)
