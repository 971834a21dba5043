"""Every domain and database error becomes one HTTP status, here and nowhere else."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.exceptions import (
    Conflict,
    Forbidden,
    InvalidParameter,
    InvalidReference,
    NotAuthenticated,
    NotFound,
    NotModified,
    PreconditionFailed,
)

logger = logging.getLogger(__name__)


def _error(status_code: int, detail: object, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


async def not_found(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFound)
    return _error(status.HTTP_404_NOT_FOUND, exc.detail)


async def not_authenticated(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotAuthenticated)
    # RFC 6750: a 401 names the scheme that would be accepted.
    return _error(status.HTTP_401_UNAUTHORIZED, exc.detail, headers={"WWW-Authenticate": "Bearer"})


async def forbidden(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Forbidden)
    return _error(status.HTTP_403_FORBIDDEN, exc.detail)


async def conflict(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    return _error(status.HTTP_409_CONFLICT, exc.detail)


async def precondition_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PreconditionFailed)
    return _error(status.HTTP_412_PRECONDITION_FAILED, exc.detail)


async def not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": exc.etag})


async def invalid_reference(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidReference)
    # The same shape as FastAPI's own validation errors, so clients parse one format.
    detail = [{"type": "invalid_reference", "loc": ["body", exc.field], "msg": exc.detail}]
    return _error(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def invalid_parameter(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidParameter)
    detail = [{"type": "invalid_parameter", "loc": ["query", exc.field], "msg": exc.detail}]
    return _error(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    # Checks in the data layer catch the usual cases with a precise message; this is
    # what is left: two requests racing for the same unique value or a deleted row.
    logger.info("integrity error: %s", exc)
    return _error(
        status.HTTP_409_CONFLICT, "the change conflicts with stored data; reload and retry"
    )


async def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", exc)
    return _error(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "the database is unavailable; retry shortly",
        headers={"Retry-After": "1"},
    )


def register(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(NotAuthenticated, not_authenticated)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(InvalidReference, invalid_reference)
    app.add_exception_handler(InvalidParameter, invalid_parameter)
    app.add_exception_handler(PreconditionFailed, precondition_failed)
    app.add_exception_handler(NotModified, not_modified)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)
