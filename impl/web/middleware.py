"""Connexion's middleware stack, with the per-request work it need not do taken out.

- Request validation: `RequestValidationOperation` builds a URI parser, a parameter
  validator, a media-type table and a body validator on every request, although all of them
  depend on the operation only (plus the request's media type and charset for the body).
  `PreparedValidationOperation` builds them when the API is added; the checks and their
  order are Connexion's.
- Swagger UI: `SwaggerUIMiddleware` copies the scope and runs its router on every request;
  `SwaggerUIOnItsPaths` does so only for paths under the ones it serves.
- The served document: `SwaggerUIAPI` copies and dumps the whole document on every request
  (1.0-1.4 s of CPU for the YAML); `RenderedOnceSwaggerUIAPI` renders each form once, off the
  event loop, and answers the same bytes afterwards.
- Response validation is left out when it is off (a layer that only looks the operation up).
- Routing: one route per documented path (`routing.PathRoutingMiddleware`).
"""

from __future__ import annotations

import logging
import threading
import typing as t

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.jsonifier import Jsonifier
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIAPI, SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from connexion.options import SwaggerUIConfig, SwaggerUIOptions
from connexion.spec import Specification
from connexion.utils import yamldumper
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .routing import PathRoutingMiddleware

logger = logging.getLogger(__name__)

# Body validators kept per operation: one per (media type, charset) a client has sent. The
# header is the client's, so the table is bounded; past it, a validator is built per request.
BODY_VALIDATORS_PER_OPERATION = 16


class PreparedValidationOperation(RequestValidationOperation):
    def __init__(
        self,
        next_app: ASGIApp,
        *,
        operation: AbstractOperation,
        strict_validation: bool = False,
        validator_map: dict | None = None,
    ) -> None:
        super().__init__(
            next_app,
            operation=operation,
            strict_validation=strict_validation,
            validator_map=validator_map,
        )
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=self._uri_parser(),
            strict_validation=strict_validation,
            security_query_params=self.security_query_params,
        )
        consumes = [(media.lower(), None) for media in operation.consumes]
        self._consumes = MediaTypeDict(consumes) if consumes else None
        self._body_validators: dict[tuple[str, str], t.Any] = {}
        self._assumed_mime_type = (operation.consumes or ["application/octet-stream"])[0]

    def _uri_parser(self) -> t.Any:
        operation = self._operation
        return operation._uri_parser_class(operation.parameters, operation.body_definition())

    def validate_mime_type(self, mime_type: str) -> None:
        if self._consumes is not None and mime_type.lower() not in self._consumes:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameter_validator.validate(scope)
        headers = scope["headers"]
        if any(name.lower() == b"content-type" for name, _ in headers):
            mime_type, encoding = self.extract_content_type(headers)
            self.validate_mime_type(mime_type)
        else:  # what Connexion assumes without the header; it is acceptable by construction
            mime_type, encoding = self._assumed_mime_type, "utf-8"
        body_validator = self._body_validator(mime_type, encoding)
        if body_validator is not None:
            receive, scope = await body_validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)

    def _body_validator(self, mime_type: str, encoding: str) -> t.Any:
        key = (mime_type, encoding)
        if key in self._body_validators:
            return self._body_validators[key]
        validator = self._make_body_validator(mime_type, encoding)
        if len(self._body_validators) < BODY_VALIDATORS_PER_OPERATION:
            self._body_validators[key] = validator
        return validator

    def _make_body_validator(self, mime_type: str, encoding: str) -> t.Any:
        operation = self._operation
        schema = operation.body_schema(mime_type)
        if not schema:
            return None
        try:
            validator_cls = self._validator_map["body"][mime_type]
        except KeyError:
            logger.info("no body validator for content type %s: not validated", mime_type)
            return None
        return validator_cls(
            schema=schema,
            required=operation.request_body.get("required", False),
            nullable=utils.is_nullable(operation.body_definition(mime_type)),
            encoding=encoding,
            strict_validation=self.strict_validation,
            uri_parser=self._uri_parser(),
        )


class PreparedValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> PreparedValidationOperation:
        return PreparedValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class PreparedValidationMiddleware(RequestValidationMiddleware):
    api_cls = PreparedValidationAPI


SWAGGER_UI_PATH = "/ui"


def served_paths(options: SwaggerUIOptions) -> tuple[str, ...]:
    """The prefixes, under the API's base path, of the served document and Swagger UI."""
    config = SwaggerUIConfig(options, oas_version=(3, 0, 3))
    spec_stem = config.openapi_spec_path.rsplit(".", 1)[0] + "."
    return (spec_stem, config.swagger_ui_path.strip().rstrip("/"))


class RenderedOnceSwaggerUIAPI(SwaggerUIAPI):
    """The served document (`openapi.json`, `openapi.yaml`) rendered once per form and base
    path, in a worker thread (rendering takes a second of CPU that the event loop cannot
    spare), then answered from memory."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendered: dict[tuple[str, str], bytes] = {}
        self._render_lock = threading.Lock()

    async def _get_openapi_json(self, request: Request) -> Response:
        return Response(await self._document(request, "json"), media_type="application/json")

    async def _get_openapi_yaml(self, request: Request) -> Response:
        return Response(await self._document(request, "yaml"), media_type="text/yaml")

    async def _document(self, request: Request, form: str) -> bytes:
        key = (self._base_path_for_prefix(request), form)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = await run_in_threadpool(self._render, key, request)
        return rendered

    def _render(self, key: tuple[str, str], request: Request) -> bytes:
        with self._render_lock:  # concurrent first requests: one renders, the others wait
            if key not in self._rendered:
                document = self._spec_for_prefix(request)
                dump = Jsonifier().dumps if key[1] == "json" else yamldumper
                text = dump(document)
                self._rendered[key] = text.encode()
            return self._rendered[key]


class SwaggerUIOnItsPaths(SwaggerUIMiddleware):
    """Swagger UI and the served document, routed only for paths under their own prefixes
    (`{base}/ui`, `{base}/openapi.`); every other request goes straight on."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.prefixes: tuple[str, ...] = ()

    def add_api(
        self,
        specification: Specification,
        base_path: str | None = None,
        arguments: dict | None = None,
        **kwargs: t.Any,
    ) -> None:
        api = RenderedOnceSwaggerUIAPI(
            specification,
            base_path=base_path,
            arguments=arguments,
            default=self.default_fn,
            **kwargs,
        )
        self.router.mount(api.base_path, app=api.router)
        spec_stem = api.options.openapi_spec_path.rsplit(".", 1)[0] + "."
        ui_path = api.options.swagger_ui_path.strip().rstrip("/")
        self.prefixes += (api.base_path + spec_stem, api.base_path + ui_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def middleware_stack(validate_responses: bool) -> list[type]:
    """Connexion's default middlewares, with one route per path, prepared request
    validation, Swagger UI routed on its own paths only, and response validation only when
    it is on."""
    stack = []
    for middleware in ConnexionMiddleware.default_middlewares:
        if middleware is RoutingMiddleware:
            stack.append(PathRoutingMiddleware)
        elif middleware is RequestValidationMiddleware:
            stack.append(PreparedValidationMiddleware)
        elif middleware is SwaggerUIMiddleware:
            stack.append(SwaggerUIOnItsPaths)
        elif middleware is ResponseValidationMiddleware and not validate_responses:
            continue
        else:
            stack.append(middleware)
    return stack
