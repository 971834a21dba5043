"""Dependencies shared by the routes."""

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.core.config import settings
from app.db.session import SessionLocal, WriteSessionLocal

logger = logging.getLogger(__name__)

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def require_json(request: Request) -> None:
    """Refuse a request body that is not JSON with 415, instead of a puzzling 422."""
    if request.method not in _BODY_METHODS:
        return
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type must be application/json, not {media_type or 'missing'}",
        )


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, closed (and anything uncommitted rolled back) at the end."""
    # A request that may write takes SQLite's write lock up front; see db/session.py.
    factory = SessionLocal if request.method in _READ_ONLY_METHODS else WriteSessionLocal
    session = factory()
    try:
        yield session
    finally:
        _close(session)


def _close(session: Session) -> None:
    try:
        session.close()
    except DBAPIError as exc:
        # The connection died after the request's work was done (a database restart or
        # a killed session): the server has already ended its transaction and the pool
        # has discarded the connection. The answer stands; raising here would drop it.
        if not exc.connection_invalidated:
            raise
        logger.warning("database connection lost while closing a session: %s", exc.orig)


# max_concurrency: a request waits for a free connection here, in the event loop,
# instead of in a worker thread. The textbook dependency lets every worker thread
# block on an empty pool while the sessions holding the connections wait for a
# thread to close them: a deadlock that lasts until the pool timeout. Each request
# uses one connection, so with as many slots as the pool has connections no thread
# ever waits for one.
SessionDep = Annotated[Session, Depends(get_db, max_concurrency=settings.db_connection_limit)]
