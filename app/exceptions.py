"""Domain errors, raised by the data layer and dependencies.

Each says what went wrong in the caller's terms and declares the HTTP status and
problem `type` it is answered with; app/exception_handlers.py sends every one of them
the same way. A new error is a subclass here and nothing else.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class AppError(Exception):
    """An error the client can act on: `detail` is the problem's `detail`."""

    status_code: ClassVar[int] = 500
    # about:blank: the status says it all, and the problem's title is its phrase
    # (RFC 9457, 4.2.1). A type of our own names a problem with members of its own.
    type: ClassVar[str] = "about:blank"
    # A subclass declares its own; an instance may set them (a Retry-After it computed).
    headers: Mapping[str, str] = _NO_HEADERS

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(AppError):
    """The addressed object does not exist."""

    status_code = 404

    def __init__(self, resource: str, id: int) -> None:
        super().__init__(f"{resource} {id} not found")


class NotAuthenticated(AppError):
    """No valid access token: not signed in, or the token is bad or expired."""

    status_code = 401
    # RFC 6750: a 401 names the scheme that would be accepted.
    headers = MappingProxyType({"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    """Signed in, but not allowed to do this: not yours, or not a superuser."""

    status_code = 403


class Conflict(AppError):
    """The change contradicts what is stored, e.g. a duplicate unique value."""

    status_code = 409


class InvalidInput(AppError):
    """An input the schema lets through but the service cannot use: a field pointing at
    something that does not exist, an unknown sort column, a tampered cursor. Answered
    like a validation error, naming the field."""

    status_code = 422
    type = "urn:recipe-service:problem:invalid-input"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(AppError):
    """The client's If-Match names a version that is no longer the stored one."""

    status_code = 412


class NotModified(AppError):
    """The client's copy, named by If-None-Match, is still current (no body)."""

    status_code = 304

    def __init__(self, etag: str) -> None:
        super().__init__("not modified")
        self.etag = etag


class NotReady(AppError):
    """The database answers but cannot be used yet: its migrations are not at head."""

    status_code = 503
    headers = MappingProxyType({"Retry-After": "1"})


class TooManyRequests(AppError):
    """Over a rate limit (app/api/ratelimit.py): retry after `retry_after` seconds."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = MappingProxyType({"Retry-After": str(retry_after)})


class RateLimitUnavailable(AppError):
    """The rate limits' store (Redis) does not answer: the attempt cannot be counted, so
    it is refused rather than let through uncounted."""

    status_code = 503
    headers = MappingProxyType({"Retry-After": "1"})


class NotConfigured(AppError):
    """A feature this server offers only when configured, and is not (password recovery
    without SMTP settings). Retrying does not help, so not a 503."""

    status_code = 501


class Overloaded(AppError):
    """Too many requests are waiting for the same scarce resource (password hashing);
    the client should retry a little later."""

    status_code = 503
    headers = MappingProxyType({"Retry-After": "1"})
