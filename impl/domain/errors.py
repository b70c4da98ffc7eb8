"""Errors a service or the platform raises; `app.py` renders them as `{"message", "errors"?}`."""

from __future__ import annotations


class ApiError(Exception):
    """An error with an HTTP status, a message and optional per-field messages."""

    status = 500
    default_message = "Server Error"

    def __init__(
        self,
        message: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict:
        body: dict = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(ApiError):
    """400: a query/path parameter fails its schema, or the body is not JSON."""

    status = 400
    default_message = "The request is invalid."

    def __init__(self, errors: dict[str, list[str]] | None = None, message: str | None = None):
        super().__init__(message or first_message(errors) or self.default_message, errors)


class Unauthenticated(ApiError):
    status = 401
    default_message = "Unauthenticated."

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status = 403
    default_message = "This action is unauthorized."


class NotFound(ApiError):
    status = 404
    default_message = "Not Found."


class ValidationFailed(ApiError):
    """422: the body fails its schema or a business rule; `errors` keyed by dotted path."""

    status = 422

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or laravel_summary(errors), errors)


class TooManyAttempts(ApiError):
    status = 429
    default_message = "Too Many Attempts."


class ServiceUnavailable(ApiError):
    """503: a dependency (the database, Redis) is down or did not answer in time."""

    status = 503
    default_message = "Service Unavailable."
    retry_after = 5  # seconds: long enough for a restart, short enough to notice recovery

    def __init__(self, dependency: str) -> None:
        super().__init__(headers={"Retry-After": str(self.retry_after)})
        self.dependency = dependency  # for the log, never the answer


def first_message(errors: dict[str, list[str]] | None) -> str | None:
    if not errors:
        return None
    return next(iter(errors.values()))[0]


def laravel_summary(errors: dict[str, list[str]]) -> str:
    """Laravel's message: the first error, plus "(and N more errors)" when there are more."""
    first = first_message(errors) or "The given data was invalid."
    more = sum(len(messages) for messages in errors.values()) - 1
    if more <= 0:
        return first
    return f"{first} (and {more} more error{'s' if more > 1 else ''})"
