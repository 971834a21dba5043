"""Every error becomes one HTTP status and one body format, here and nowhere else.

The body is an RFC 9457 problem: `application/problem+json` with `type`, `title`,
`status`, `detail` and `instance` (the request's path); a 422 adds `errors`, one per
invalid field. Routing's own errors (404 unknown path, 405) and the body size limit's 413
use the same format.
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Mount, compile_path
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.exceptions import (
    Conflict,
    Forbidden,
    InvalidParameter,
    InvalidReference,
    NotAuthenticated,
    NotFound,
    NotModified,
    NotReady,
    PreconditionFailed,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# The one problem type with members of its own (`errors`); every other problem is
# about:blank, whose title is the status's phrase (RFC 9457, 4.2.1).
INVALID_INPUT = "urn:recipe-service:problem:invalid-input"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    scope: Scope,
    status_code: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    type_: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": scope.get("path", ""),
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status_code, headers=headers)


def _field_error(
    loc: tuple[str | int, ...] | list[str | int], msg: str, type_: str
) -> dict[str, Any]:
    # loc[0] says where ("body", "query", "path", "header"); the rest names the field.
    field = ".".join(str(part) for part in loc[1:]) or str(loc[0])
    return {"loc": list(loc), "field": field, "msg": msg, "type": type_}


def invalid_input(scope: Scope, errors: list[dict[str, Any]]) -> ProblemResponse:
    # The detail alone says what is wrong with each field; `errors` has it by field.
    reasons = "; ".join(f"{error['field']}: {error['msg']}" for error in errors)
    return problem(
        scope,
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"invalid input: {reasons}",
        type_=INVALID_INPUT,
        errors=errors,
    )


async def request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Only where, what and why: pydantic's `input` would echo what was sent (a password,
    # megabytes of text) and its `ctx` may hold objects that are not JSON.
    errors = [_field_error(e["loc"], e["msg"], e["type"]) for e in exc.errors()]
    return invalid_input(request.scope, errors)


async def invalid_reference(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidReference)
    return invalid_input(
        request.scope, [_field_error(["body", exc.field], exc.detail, "invalid_reference")]
    )


def allowed_methods(path: str, routes: list[Any]) -> set[str]:
    """Every method some route answers at `path` (Starlette's own 405 names only the
    first matching route's methods)."""
    methods: set[str] = set()
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            if path.startswith(route.path + "/"):
                methods |= {"GET", "HEAD"}
            continue
        if context.path and context.methods and compile_path(context.path)[0].match(path):
            methods |= set(context.methods)
    if "GET" in methods:
        methods.add("HEAD")  # app/middleware.py's HeadAsGet
    return methods


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(sorted(allowed_methods(request.url.path, request.app.routes)))
    if exc.status_code == status.HTTP_304_NOT_MODIFIED or exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == status.HTTP_404_NOT_FOUND and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    elif exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        detail = f"{request.method} is not allowed here; use {headers['Allow']}"
    return problem(request.scope, exc.status_code, detail, headers=headers)


async def not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFound)
    return problem(request.scope, status.HTTP_404_NOT_FOUND, exc.detail)


async def not_authenticated(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticated)
    # RFC 6750: a 401 names the scheme that would be accepted.
    return problem(
        request.scope,
        status.HTTP_401_UNAUTHORIZED,
        exc.detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return problem(request.scope, status.HTTP_403_FORBIDDEN, exc.detail)


async def conflict(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Conflict)
    return problem(request.scope, status.HTTP_409_CONFLICT, exc.detail)


async def precondition_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PreconditionFailed)
    return problem(request.scope, status.HTTP_412_PRECONDITION_FAILED, exc.detail)


async def not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": exc.etag})


async def invalid_parameter(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidParameter)
    return invalid_input(
        request.scope, [_field_error(["query", exc.field], exc.detail, "invalid_parameter")]
    )


async def integrity_error(request: Request, exc: Exception) -> Response:
    # Checks in the data layer catch the usual cases with a precise message; this is
    # what is left: two requests racing for the same unique value or a deleted row.
    logger.info("integrity error: %s", str(getattr(exc, "orig", exc)).splitlines()[0])
    return problem(
        request.scope,
        status.HTTP_409_CONFLICT,
        "the change conflicts with stored data; reload and retry",
    )


DATABASE_UNAVAILABLE = "the database is unavailable; retry shortly"


async def database_unavailable(request: Request, exc: Exception) -> Response:
    # The driver's message, first line only: SQLAlchemy appends a link on another line.
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    logger.warning("database unavailable: %s: %s", type(exc).__name__, reason)
    return problem(
        request.scope,
        status.HTTP_503_SERVICE_UNAVAILABLE,
        DATABASE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def not_ready(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotReady)
    return problem(
        request.scope, status.HTTP_503_SERVICE_UNAVAILABLE, exc.detail, headers={"Retry-After": "1"}
    )


def internal_error(scope: Scope) -> ProblemResponse:
    """The answer to an unexpected exception: nothing of it leaves the process."""
    return problem(
        scope, status.HTTP_500_INTERNAL_SERVER_ERROR, "an unexpected error; it has been logged"
    )


def register(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(HTTPException, http_exception)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(NotAuthenticated, not_authenticated)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(InvalidReference, invalid_reference)
    app.add_exception_handler(InvalidParameter, invalid_parameter)
    app.add_exception_handler(PreconditionFailed, precondition_failed)
    app.add_exception_handler(NotModified, not_modified)
    app.add_exception_handler(NotReady, not_ready)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)
