"""Dependencies shared by the routes."""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.core.security import read_access_token
from app.db.session import SessionLocal, WriteSessionLocal, engine
from app.exceptions import Forbidden, NotAuthenticated
from app.models import User

logger = logging.getLogger(__name__)

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _unsupported(expected: str, media_type: str) -> HTTPException:
    return HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"Content-Type must be {expected}, not {media_type or 'missing'}",
    )


async def require_json(request: Request) -> None:
    """Refuse a request body that is not JSON with 415, instead of a puzzling 422."""
    if request.method not in _BODY_METHODS:
        return
    media_type = _media_type(request)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise _unsupported("application/json", media_type)


async def require_form(request: Request) -> None:
    """The same for the login form, which OAuth2 sends URL-encoded."""
    media_type = _media_type(request)
    if media_type != "application/x-www-form-urlencoded":
        raise _unsupported("application/x-www-form-urlencoded", media_type)


CLOSES_IN_PROCESS = engine.dialect.name == "sqlite"

# One semaphore per event loop (the server has one; each test client has its own).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def connection_slots() -> asyncio.Semaphore:
    """As many slots as the pool has connections: a request holds one while it has a
    session."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(settings.db_connection_limit)
    return slots


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request, closed (and anything uncommitted rolled back) at the end.

    A request first waits for one of the pool's connections to be free, here in the
    event loop. The textbook sync dependency lets every worker thread block on an empty
    pool while the sessions holding the connections wait for a thread to close them:
    a deadlock that lasts until the pool timeout. With as many slots as the pool has
    connections, no thread ever waits for one.

    The session connects on first use, in the route's worker thread. Closing it gives
    its connection back to the pool after a rollback: on SQLite that is a call into a
    library in this process that takes microseconds, made here; any other database is
    a round trip away, so the close waits in a worker thread and the loop goes on.
    """
    # A request that may write takes SQLite's write lock up front; see db/session.py.
    factory = SessionLocal if request.method in _READ_ONLY_METHODS else WriteSessionLocal
    async with connection_slots():
        session = factory()
        try:
            yield session
        finally:
            if CLOSES_IN_PROCESS:
                _close(session)
            else:
                await to_thread.run_sync(_close, session)


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


SessionDep = Annotated[Session, Depends(get_db)]


# What the /docs "Authorize" button uses. auto_error=False: a missing token is refused
# by get_current_user, so every 401 has the same shape and comes from one handler.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token", auto_error=False)


def get_current_user(db: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    """The signed-in user, or 401: no token, an invalid or expired one, or one for a
    user who no longer exists."""
    if token is None:
        raise NotAuthenticated("not signed in: send an access token")
    user_id = read_access_token(token)
    user = None if user_id is None else crud.user.get(db, user_id)
    if user is None:
        raise NotAuthenticated("the access token is invalid or expired; sign in again")
    # End the transaction the lookup began. On SQLite a request that writes begins with
    # the write lock (db/session.py), and would otherwise hold it, blocking every other
    # writer, while it goes back to the event loop and waits for the route's thread.
    db.commit()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise Forbidden("only a superuser may do this")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
