"""Domain errors, raised by the data layer and dependencies.

They say what went wrong in the caller's terms; app/exception_handlers.py turns each
into one HTTP status, in one place.
"""


class AppError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(AppError):
    """The addressed object does not exist (404)."""

    def __init__(self, resource: str, id: int) -> None:
        super().__init__(f"{resource} {id} not found")


class NotAuthenticated(AppError):
    """No valid access token: not signed in, or the token is bad or expired (401)."""


class Forbidden(AppError):
    """Signed in, but not allowed to do this: not yours, or not a superuser (403)."""


class Conflict(AppError):
    """The change contradicts what is stored, e.g. a duplicate unique value (409)."""


class InvalidReference(AppError):
    """An input field points at something that does not exist (422, naming the field)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class InvalidParameter(AppError):
    """A query parameter the data layer cannot use, e.g. an unknown sort column or a
    tampered cursor (422, naming the parameter)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(AppError):
    """The client's If-Match names a version that is no longer the stored one (412)."""


class NotModified(AppError):
    """The client's copy, named by If-None-Match, is still current (304, no body)."""

    def __init__(self, etag: str) -> None:
        super().__init__("not modified")
        self.etag = etag


class NotReady(AppError):
    """The database answers but cannot be used yet: its migrations are not at head (503)."""
