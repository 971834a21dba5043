"""Every error becomes one HTTP status and one body format, here and nowhere else.

The body is an RFC 9457 problem: `application/problem+json` with `type`, `title`,
`status`, `detail` and `instance` (the request's path); a 422 adds `errors`, one per
invalid field, and malformed JSON `line` and `column`. Every AppError is answered from
what its class declares; routing's own errors (404 unknown path, 405) and the body size
limit's 413 use the same format. On a path the site's pages serve, the same error is a
page instead (text/html, in the site's layout), with the same status and headers.
"""

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.types import Scope

from app.api.v1 import site
from app.exceptions import AppError, InvalidInput, NotModified

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# The body of a request that is not JSON at all: where the parser stopped, by line and
# column (a character offset is no field of the input).
MALFORMED_JSON = "urn:recipe-service:problem:malformed-json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    scope: Scope,
    status_code: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    type_: str = "about:blank",
    **members: Any,
) -> Response:
    if site.is_page(scope):
        # A person reading the site gets the error as a page they can go on from.
        errors = members.get("errors", ())
        return site.error_page(scope, status_code, detail, headers=headers, errors=errors)
    body: dict[str, Any] = {
        "type": type_,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": scope.get("path", ""),
        **members,
    }
    return ProblemResponse(body, status_code=status_code, headers=headers)


def field_error(loc: Sequence[str | int], msg: str, type_: str) -> dict[str, Any]:
    # loc[0] says where ("body", "query", "path", "header"); the rest names the field,
    # an item of a list by its index: ingredients[3].food.
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])
    field = field.removeprefix(".") or str(loc[0])
    return {"loc": list(loc), "field": field, "msg": msg, "type": type_}


def invalid_fields(scope: Scope, errors: list[dict[str, Any]]) -> Response:
    # The detail alone says what is wrong with each field; `errors` has it by field.
    reasons = "; ".join(f"{error['field']}: {error['msg']}" for error in errors)
    return problem(
        scope,
        InvalidInput.status_code,
        f"invalid input: {reasons}",
        type_=InvalidInput.type,
        errors=errors,
    )


def _malformed_json(scope: Scope, document: str, position: int, reason: str) -> Response:
    # Counted as Python's json module counts them: lines from 1, columns from 1.
    line = document.count("\n", 0, position) + 1
    column = position - document.rfind("\n", 0, position)
    return problem(
        scope,
        InvalidInput.status_code,
        f"the body is not valid JSON: {reason} at line {line}, column {column}",
        type_=MALFORMED_JSON,
        line=line,
        column=column,
    )


async def request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if errors and errors[0]["type"] == "json_invalid" and isinstance(exc.body, str):
        # FastAPI's loc is ("body", offset) and its ctx the parser's reason.
        return _malformed_json(
            request.scope, exc.body, errors[0]["loc"][1], errors[0]["ctx"]["error"]
        )
    # Only where, what and why: pydantic's `input` would echo what was sent (a password,
    # megabytes of text) and its `ctx` may hold objects that are not JSON.
    fields = [field_error(e["loc"], e["msg"], e["type"]) for e in errors]
    return invalid_fields(request.scope, fields)


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem(request.scope, exc.status_code, exc.detail, headers=exc.headers, type_=exc.type)


async def invalid_input(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidInput)
    # The field is a query parameter if one by that name was sent; else it is the body's.
    where = "query" if exc.field in request.query_params else "body"
    return invalid_fields(
        request.scope, [field_error([where, exc.field], exc.detail, "invalid_input")]
    )


async def not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=exc.status_code, headers={"ETag": exc.etag})


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == status.HTTP_404_NOT_FOUND and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    return problem(request.scope, exc.status_code, detail, headers=exc.headers)


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


def internal_error(scope: Scope) -> Response:
    """The answer to an unexpected exception: nothing of it leaves the process."""
    return problem(
        scope, status.HTTP_500_INTERNAL_SERVER_ERROR, "an unexpected error; it has been logged"
    )


def register(app: FastAPI) -> None:
    # Starlette picks the handler of the nearest class in the exception's MRO: the
    # special cases below win over app_error, which serves every other AppError.
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(InvalidInput, invalid_input)
    app.add_exception_handler(NotModified, not_modified)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(HTTPException, http_exception)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)
