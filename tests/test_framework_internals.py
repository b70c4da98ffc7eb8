"""The Connexion and Starlette internals the server relies on (impl/README.md, "Framework
internals") are still there, shaped as the server uses them.

Each check names the piece of the server that depends on it: when an upgrade changes one,
this file says what to revisit, before a request finds out.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncApp, AsyncASGIApp
from connexion.decorators import parameter
from connexion.frameworks.starlette import starlettify_path
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.abstract import AbstractRoutingAPI
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIAPI, SwaggerUIMiddleware
from connexion.operations import AbstractOperation, OpenAPIOperation
from connexion.resolver import Resolution, Resolver
from connexion.security import AbstractSecurityHandler
from connexion.utils import TYPE_MAP
from schedulingkit.impl.web.endpoint import EndpointApp, EndpointASGIApp
from schedulingkit.impl.web.security import CONTEXT_KEY


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def body_of(function) -> list[ast.stmt]:
    """The function's statements, its docstring left out."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    statements = tree.body[0].body
    if (
        statements
        and isinstance(statements[0], ast.Expr)
        and isinstance(statements[0].value, ast.Constant)
    ):
        statements = statements[1:]
    return statements


def test_async_app_only_makes_its_inner_app_and_defers_to_abstract_app():
    """`endpoint.EndpointApp.__init__` repeats `AsyncApp.__init__` with its own inner app:
    right only while `AsyncApp.__init__` does nothing else."""
    statements = body_of(AsyncApp.__init__)
    assert len(statements) == 2, "AsyncApp.__init__ changed: re-check endpoint.EndpointApp"
    first, second = (ast.unparse(s) for s in statements)
    assert first.startswith("self._middleware_app") and first.endswith("AsyncASGIApp()"), first
    assert second.startswith("super().__init__(import_name"), second
    own = set(parameters(AsyncApp.__init__)) - {"self"}
    assert own <= set(parameters(AbstractApp.__init__)), "AbstractApp lost an option"
    assert isinstance(EndpointApp(__name__)._middleware_app, EndpointASGIApp)


def test_the_inner_app_makes_each_operation_through_its_api_class():
    """`endpoint.EndpointASGIApp.api_cls` and `EndpointApi.make_operation`."""
    assert AsyncASGIApp.api_cls is AsyncApi, "AsyncASGIApp.api_cls changed: re-check endpoint"
    assert parameters(AsyncApi.make_operation) == ["self", "operation"]


def test_the_parameter_helpers_the_endpoint_uses():
    """`endpoint.Endpoint` names and converts parameters as Connexion's decorator does."""
    # list queries key their arguments by the parameter's own name (`from`, `per_page`)
    assert parameter.sanitized("per_page") == "per_page"
    assert parameter.sanitized("from") == "from"
    assert parameter.unwrap_decorators(len) is len
    assert {"integer", "number", "string", "boolean"} <= set(TYPE_MAP)


def test_what_the_prepared_request_validation_reads():
    """`middleware.PreparedValidationOperation` builds Connexion's validators once, from
    these attributes and methods of `RequestValidationOperation` and the operation."""
    assert parameters(RequestValidationOperation.__init__) == [
        "self",
        "next_app",
        "operation",
        "strict_validation",
        "validator_map",
    ]
    source = inspect.getsource(RequestValidationOperation.__init__)
    for attribute in ("self._operation", "self._validator_map", "self.strict_validation"):
        assert attribute in source, f"RequestValidationOperation no longer sets {attribute}"
    assert isinstance(RequestValidationOperation.security_query_params, property)
    for method in ("extract_content_type", "validate_mime_type"):
        assert callable(getattr(RequestValidationOperation, method, None)), method
    for member in ("body_schema", "body_definition", "request_body"):
        assert hasattr(OpenAPIOperation, member), f"OpenAPIOperation.{member} is gone"
    assert "self._uri_parser_class" in inspect.getsource(AbstractOperation.__init__)
    assert parameters(RequestValidationAPI.make_operation) == ["self", "operation"]
    assert RequestValidationMiddleware.api_cls is RequestValidationAPI


def test_what_the_swagger_ui_overrides_read_and_replace():
    """`middleware.SwaggerUIOnItsPaths` mounts its own API on Connexion's router;
    `RenderedOnceSwaggerUIAPI` replaces the two document endpoints and reads the spec."""
    assert "default" in parameters(SwaggerUIAPI.__init__), "SwaggerUIAPI takes no `default`"
    for member in (
        "_get_openapi_json",
        "_get_openapi_yaml",
        "_spec_for_prefix",
        "_base_path_for_prefix",
    ):
        assert callable(getattr(SwaggerUIAPI, member, None)), f"SwaggerUIAPI.{member} is gone"
    middleware = SwaggerUIMiddleware(lambda *_: None)
    assert hasattr(middleware, "router") and callable(middleware.default_fn)


def test_the_default_stack_has_the_layers_the_server_swaps():
    """`middleware.middleware_stack` replaces these by identity."""
    stack = ConnexionMiddleware.default_middlewares
    layers = (
        RoutingMiddleware,
        RequestValidationMiddleware,
        SwaggerUIMiddleware,
        ResponseValidationMiddleware,
    )
    for layer in layers:
        assert layer in stack, f"{layer.__name__} left Connexion's default stack"


def test_what_the_one_route_per_path_replaces():
    """`routing.PathRoutingMiddleware.add_api` mounts a `PathRoutingAPI` as
    `RoutingMiddleware.add_api` mounts a `RoutingAPI`; `PathRoutingAPI` sets `paths` before
    `AbstractRoutingAPI.__init__` adds the operations, names each route's path without types,
    and adds one route per path from `_add_operation_internal`."""
    add_api = inspect.getsource(RoutingMiddleware.add_api)
    assert "RoutingAPI(" in add_api and "next_app=self.app" in add_api, "re-check add_api"
    assert "self.router.mount(api.base_path, app=api.router)" in add_api, "re-check add_api"
    assert "self.add_paths()" in inspect.getsource(AbstractRoutingAPI.__init__)
    framework_path = inspect.getattr_static(RoutingAPI, "_framework_path_and_name")
    assert isinstance(framework_path, staticmethod)
    assert parameters(RoutingAPI._framework_path_and_name) == ["operation", "path"]
    assert parameters(RoutingAPI._add_operation_internal) == [
        "self",
        "method",
        "path",
        "operation",
        "name",
    ]
    assert starlettify_path("/clients/{id}") == "/clients/{id}"  # no converter: any segment


def test_the_resolver_hook():
    """`app.TagResolver.resolve` keeps the document's operationId as the operation's id."""
    assert parameters(Resolver.resolve) == ["self", "operation"]
    assert parameters(Resolver.resolve_function_from_operation_id) == ["self", "operation_id"]
    resolution = Resolution(len, "getTeam")
    assert (resolution.function, resolution.operation_id) == (len, "getTeam")


def test_the_security_handler_hook():
    """`security.security_map` gives Connexion a handler whose `get_fn` returns the guard."""
    assert parameters(AbstractSecurityHandler.get_fn) == [
        "self",
        "security_scheme",
        "required_scopes",
    ]


def test_starlettes_route_path_helper():
    """`middleware.SwaggerUIOnItsPaths` reads the path as Starlette's router does."""
    from starlette._utils import get_route_path

    assert get_route_path({"path": "/api/v1/ui/", "root_path": ""}) == "/api/v1/ui/"


def test_the_scope_extensions_the_guard_and_the_endpoint_read(app, api, monkeypatch):
    """`security._operation_id` reads `extensions.connexion_routing.operation_id`;
    `endpoint.Endpoint` reads the guard's token info at `extensions.connexion_context`."""
    from schedulingkit.impl.web import endpoint

    seen: dict = {}
    arguments = endpoint.Endpoint.arguments

    async def spy(self, scope, receive):
        seen.update(scope.get("extensions", {}))
        return await arguments(self, scope, receive)

    monkeypatch.setattr(endpoint.Endpoint, "arguments", spy)
    assert api.get("/team").status_code == 200
    assert seen["connexion_routing"]["operation_id"] == "getTeam"  # `app.TagResolver`
    assert CONTEXT_KEY in seen["connexion_context"]["token_info"]


def test_what_the_one_hop_sqlite_cursor_relies_on():
    """`sqlite_driver.OneHopCursor` replaces SQLAlchemy's aiosqlite cursor adapter: it fills
    the adapter's slots itself and runs each statement through aiosqlite's worker queue."""
    import aiosqlite
    from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )

    assert set(AsyncAdapt_dbapi_cursor.__slots__) == {
        "_adapt_connection",
        "_connection",
        "_cursor",
        "_rows",
        "_soft_closed_memoized",
    }, "SQLAlchemy's cursor adapter changed its state: re-check sqlite_driver.OneHopCursor"
    assert AsyncAdapt_aiosqlite_connection._cursor_cls is AsyncAdapt_aiosqlite_cursor
    assert callable(AsyncAdapt_aiosqlite_connection._handle_exception)
    for method in ("fetchone", "fetchmany", "fetchall", "__iter__"):
        source = inspect.getsource(getattr(AsyncAdapt_dbapi_cursor, method))
        assert "self._rows" in source, f"AsyncAdapt_dbapi_cursor.{method} no longer reads _rows"
    assert "AsyncAdapt_aiosqlite_connection(self, await_(connection))" in inspect.getsource(
        AsyncAdapt_aiosqlite_dbapi.connect
    )
    assert parameters(aiosqlite.Connection._execute)[:2] == ["self", "fn"]
    assert isinstance(aiosqlite.Connection._conn, property), "aiosqlite.Connection._conn"


def test_the_one_hop_sqlite_driver_answers_as_aiosqlite_does(tmp_path):
    """Rows, row counts, RETURNING over several rows, errors: the same through both."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run(driver: str) -> list:
        engine = create_async_engine(f"sqlite+{driver}:///{tmp_path / driver}.sqlite3")
        seen: list = []
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
                )
                await connection.execute(
                    text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}]
                )
                returned = await connection.execute(
                    text("INSERT INTO t (v) VALUES ('c'), ('d') RETURNING id, v")
                )
                seen.append(sorted(returned.all()))
                seen.append((await connection.execute(text("SELECT v FROM t ORDER BY id"))).all())
                seen.append((await connection.execute(text("UPDATE t SET v = v || '!'"))).rowcount)
                seen.append((await connection.execute(text("SELECT 1 WHERE 0"))).first())
            try:
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO t (v) VALUES ('a!')"))
            except IntegrityError:
                seen.append("IntegrityError")
        finally:
            await engine.dispose()
        return seen

    from schedulingkit.impl.data import sqlite_driver

    assert asyncio.run(run(sqlite_driver.DRIVER)) == asyncio.run(run("aiosqlite"))


def test_what_the_driver_path_reads_of_sqlalchemy(tmp_path):
    """`data.driver.DriverStatement` takes a compiled statement's SQL, bind order and bind
    names from SQLAlchemy's compiler (`positional`, `positiontup`, `bind_names`, `binds`,
    `post_compile_params`, `construct_params`), and announces each statement to the
    engine's `before_cursor_execute` listeners through `engine.dispatch`."""
    from sqlalchemy import bindparam, column, create_engine, event, select, table
    from sqlalchemy.engine import default
    from sqlalchemy.sql.compiler import SQLCompiler

    things = table("things", column("id"), column("name"))
    statement = select(things.c.name).where(
        things.c.id == bindparam("a"), things.c.name != bindparam("b", value="x")
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    compiled = statement.compile(dialect=engine.dialect)
    assert isinstance(compiled, SQLCompiler) and compiled.positional
    assert list(compiled.positiontup) == ["a", "b"], "SQLCompiler.positiontup"
    assert sorted(compiled.bind_names.values()) == ["a", "b"], "SQLCompiler.bind_names"
    assert set(compiled.binds) == {"a", "b"}, "SQLCompiler.binds"
    assert not compiled.post_compile_params, "SQLCompiler.post_compile_params"
    assert compiled.construct_params({"a": 1}) == {"a": 1, "b": "x"}, "construct_params"
    assert isinstance(engine.dialect, default.DefaultDialect)

    announce = engine.dispatch.before_cursor_execute
    assert not announce, "an engine without listeners: engine.dispatch.<event> is falsy"
    heard: list[tuple] = []
    event.listen(engine, "before_cursor_execute", lambda *args: heard.append(args))
    announce = engine.dispatch.before_cursor_execute
    assert announce, "engine.dispatch.before_cursor_execute is truthy with a listener"
    announce(None, None, "SELECT 1", (), None, False)
    assert heard == [(None, None, "SELECT 1", (), None, False)]
    engine.dispose()
