"""`create_app`: the reference server, routed by Connexion from the OpenAPI document."""

from __future__ import annotations

import copy
import logging
from contextlib import asynccontextmanager
from functools import partial

from connexion import AsyncApp
from connexion.exceptions import ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver
from schedulingkit.openapi.contract import Contract, load_contract
from starlette.exceptions import HTTPException

from ..data.db import Database
from ..domain.errors import ApiError, ServiceUnavailable
from ..handlers import handler_path
from ..settings import Settings
from .bodylimit import BodyLimitMiddleware
from .endpoint import EndpointApp, json_bytes
from .hardening import HardeningMiddleware
from .health import HealthRoute
from .middleware import SWAGGER_UI_PATH, middleware_stack, served_paths
from .ratelimit import RateLimiter
from .request_state import RequestStateMiddleware
from .routing import allow_header
from .security import TokenGuard, security_map
from .validation import VALIDATOR_MAP

logger = logging.getLogger(__name__)


class TagResolver(Resolver):
    """An operation's function is `handlers.<tag module>.<snake_case operationId>`; its id
    stays the document's operationId, which the guard and the endpoint look it up by."""

    def __init__(self, contract: Contract) -> None:
        super().__init__()
        self.contract = contract

    def resolve(self, operation) -> Resolution:
        operation_id = operation.operation_id
        handler = handler_path(self.contract.operation(operation_id))
        return Resolution(self.resolve_function_from_operation_id(handler), operation_id)


def json_response(status: int, body: dict, headers: dict[str, str] | None = None):
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json_bytes(body),
        headers=headers or {},
    )


def _api_error(_request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
    if isinstance(exc, ServiceUnavailable):
        logger.warning("%s unavailable: %r", exc.dependency, exc.__cause__)
    return json_response(exc.status, exc.body(), exc.headers)


def _problem(request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    if isinstance(exc, UnsupportedMediaTypeProblem):
        media = request.headers.get("content-type", "")
        message = f"The content type {media} is not supported; send application/json."
        return json_response(415, {"message": message})
    if exc.status >= 500:
        logger.error("problem %s: %s", exc.status, exc.detail)
        return json_response(exc.status, {"message": "Server Error"})
    message = exc.detail or exc.title or "Error."
    return json_response(exc.status, {"message": str(message)}, dict(exc.headers or {}))


def _server_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.error("unhandled error", exc_info=exc)
    return json_response(500, {"message": "Server Error"})


def _router_miss(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
    """What the router answers when no operation takes a request: 404, no route matches the
    path; 405, the path lacks the method (`Allow`, from the route, names those it has: the
    document's for an API path, Starlette's for Swagger UI's, put in the same order)."""
    path = request.url.path
    if exc.status_code == 404:
        return json_response(404, {"message": f"The route {path} could not be found."})
    if exc.status_code == 405:
        allowed = allow_header((exc.headers or {}).get("Allow", "").split(","))
        message = (
            f"The {request.method} method is not supported for route {path}. "
            f"Supported methods: {allowed}."
        )
        return json_response(405, {"message": message}, {"Allow": allowed})
    return json_response(exc.status_code, {"message": str(exc.detail)}, dict(exc.headers or {}))


def create_app(settings: Settings | None = None) -> AsyncApp:
    """The reference server for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    contract = load_contract()
    database = Database(settings.database_url, settings.database_timeout)
    limiter = RateLimiter(settings.rate_limit, settings.redis_url, settings.redis_timeout)
    guard = TokenGuard(database, contract, limiter)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        await database.aclose()

    swagger_ui = SwaggerUIOptions(swagger_ui_path=SWAGGER_UI_PATH)
    # outermost, before Connexion's own layers: whatever answers (a 500 too) is hardened,
    # and no layer reads more body than the limit
    bounds = [
        partial(
            HardeningMiddleware,
            base_path=contract.base_path,
            public_paths=served_paths(swagger_ui),
            configured_url=settings.public_url,
        ),
        partial(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    app = EndpointApp(
        __name__,
        lifespan=lifespan,
        middlewares=[*bounds, *middleware_stack(settings.validate_responses)],
        resolver=TagResolver(contract),
        validator_map=VALIDATOR_MAP,
        security_map=security_map(guard),
        validate_responses=settings.validate_responses,
        swagger_ui_options=swagger_ui,
    )
    # the document as already parsed (a copy: Connexion resolves references in place)
    app.add_api(copy.deepcopy(contract.raw), base_path=contract.base_path)
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(ProblemException, _problem)
    app.add_error_handler(HTTPException, _router_miss)
    app.add_error_handler(Exception, _server_error)
    app.add_middleware(RequestStateMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(HealthRoute, position=MiddlewarePosition.BEFORE_EXCEPTION, database=database)
    app.database = database  # the app's own database, for tests and the CLI
    return app
