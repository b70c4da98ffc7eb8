"""`create_app`: the reference server, routed by Connexion from the OpenAPI document."""

from __future__ import annotations

import json
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from schedulingkit.openapi import document_path
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import Database
from .document import Document, load_document
from .errors import ApiError
from .ratelimit import RateLimiter
from .security import RESPONSE_HEADERS_KEY, TokenGuard, security_map
from .settings import Settings
from .validation import VALIDATOR_MAP

logger = logging.getLogger(__name__)

HANDLERS_PACKAGE = "schedulingkit.impl.handlers"


def handler_module(tag: str) -> str:
    """`Event Types` -> `event_types`: the module that holds a tag's handlers."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", tag).strip("_").lower()


def handler_name(operation_id: str) -> str:
    """`listEventTypes` -> `list_event_types`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


class TagResolver(Resolver):
    """operationId -> `schedulingkit.impl.handlers.<tag module>.<snake_case operationId>`."""

    def resolve_operation_id(self, operation) -> str:
        tag = (operation.operation.get("tags") or ["default"])[0]
        return f"{HANDLERS_PACKAGE}.{handler_module(tag)}.{handler_name(operation.operation_id)}"


class ResponseHeadersMiddleware:
    """Adds the headers the security check decided (rate limits) to any response, errors too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra: dict[str, str] = {}
        scope[RESPONSE_HEADERS_KEY] = extra

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def json_response(status: int, body: dict, headers: dict[str, str] | None = None):
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json.dumps(body).encode(),
        headers=headers or {},
    )


def _api_error(_request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
    return json_response(exc.status, exc.body(), exc.headers)


def _problem(_request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    if exc.status >= 500:
        logger.error("problem %s: %s", exc.status, exc.detail)
        return json_response(exc.status, {"message": "Server Error"})
    message = exc.detail or exc.title or "Error."
    return json_response(exc.status, {"message": str(message)}, dict(exc.headers or {}))


def _server_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.error("unhandled error", exc_info=exc)
    return json_response(500, {"message": "Server Error"})


def _http_error_handler(document: Document):
    def handle(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        path = request.url.path
        if exc.status_code == 404:
            return json_response(
                404, {"message": f"The route {path.lstrip('/')} could not be found."}
            )
        if exc.status_code == 405:
            allowed = document.allowed_methods(path) or [
                m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()
            ]
            return json_response(
                405,
                {"message": f"The {request.method} method is not supported for route {path}."},
                {"Allow": ", ".join(allowed)},
            )
        return json_response(exc.status_code, {"message": str(exc.detail)}, dict(exc.headers or {}))

    return handle


def create_app(settings: Settings | None = None, document: Path | None = None) -> AsyncApp:
    """The reference server for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    spec_path = Path(document) if document else document_path()
    index = load_document(spec_path)
    database = Database(settings.database_url)
    guard = TokenGuard(database, index, RateLimiter(settings.rate_limit, settings.redis_url))

    @asynccontextmanager
    async def lifespan(_app):
        yield
        database.dispose()

    app = AsyncApp(
        __name__,
        lifespan=lifespan,
        resolver=TagResolver(),
        validator_map=VALIDATOR_MAP,
        security_map=security_map(guard),
        validate_responses=settings.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    app.add_api(spec_path, base_path=index.base_path)
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(ProblemException, _problem)
    app.add_error_handler(HTTPException, _http_error_handler(index))
    app.add_error_handler(Exception, _server_error)
    app.add_middleware(ResponseHeadersMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.database = database  # the app's own database, for tests and the CLI
    return app
