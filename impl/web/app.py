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
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from ..data.db import Database
from ..document import Document, load_document
from ..domain.errors import ApiError, BadRequest, ServiceUnavailable
from ..settings import Settings
from .bodylimit import BodyLimitMiddleware
from .endpoint import EndpointApp, json_bytes
from .hardening import HardeningMiddleware
from .health import HealthRoute
from .middleware import SWAGGER_UI_PATH, middleware_stack, served_paths
from .ratelimit import RateLimiter
from .request_state import RequestStateMiddleware
from .security import TokenGuard, security_map
from .validation import VALIDATOR_MAP, path_parameter_errors

logger = logging.getLogger(__name__)


class TagResolver(Resolver):
    """operationId -> `schedulingkit.impl.handlers.<tag module>.<snake_case operationId>`."""

    def __init__(self, document: Document) -> None:
        super().__init__()
        self.document = document

    def resolve_operation_id(self, operation) -> str:
        return self.document.operations[operation.operation_id].handler


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


def _http_error_handler(document: Document, guard: TokenGuard):
    """Router misses: unknown path 404, wrong method 405 (`Allow` from the document), and a
    path parameter that fails its schema (`/clients/abc`, which no route converter took) 400."""

    # async: the guard's rate limiter runs on the event loop (a sync handler runs in a thread)
    async def handle(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        path = request.url.path
        if exc.status_code not in (404, 405):
            body = {"message": str(exc.detail)}
            return json_response(exc.status_code, body, dict(exc.headers or {}))
        matches = document.match(path)
        if not matches:
            return json_response(404, {"message": f"The route {path} could not be found."})
        same_method = [(op, raw) for op, raw in matches if op.method == request.method]
        if not same_method:
            allowed = ", ".join(document.allowed_methods(path))
            message = (
                f"The {request.method} method is not supported for route {path}. "
                f"Supported methods: {allowed}."
            )
            return json_response(405, {"message": message}, {"Allow": allowed})
        operation, raw = same_method[0]
        if operation.secured:
            try:
                await guard.authorize(request, operation)
            except ApiError as refused:
                return _api_error(request, refused)
        errors = path_parameter_errors(operation, raw)
        if not errors:
            return json_response(404, {"message": "Not Found."})
        return json_response(400, BadRequest(errors).body())

    return handle


def create_app(settings: Settings | None = None) -> AsyncApp:
    """The reference server for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    index = load_document()
    database = Database(settings.database_url, settings.database_timeout)
    limiter = RateLimiter(settings.rate_limit, settings.redis_url, settings.redis_timeout)
    guard = TokenGuard(database, index, limiter)

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
            base_path=index.base_path,
            public_paths=served_paths(swagger_ui),
            configured_url=settings.public_url,
        ),
        partial(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    app = EndpointApp(
        __name__,
        lifespan=lifespan,
        middlewares=[*bounds, *middleware_stack(settings.validate_responses)],
        resolver=TagResolver(index),
        validator_map=VALIDATOR_MAP,
        security_map=security_map(guard),
        validate_responses=settings.validate_responses,
        swagger_ui_options=swagger_ui,
    )
    # the document as already parsed (a copy: Connexion resolves references in place)
    app.add_api(copy.deepcopy(index.raw), base_path=index.base_path)
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(ProblemException, _problem)
    app.add_error_handler(HTTPException, _http_error_handler(index, guard))
    app.add_error_handler(Exception, _server_error)
    app.add_middleware(RequestStateMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(HealthRoute, position=MiddlewarePosition.BEFORE_EXCEPTION, database=database)
    app.database = database  # the app's own database, for tests and the CLI
    return app
