"""Dependencies shared by the routes."""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import nullcontext
from dataclasses import dataclass, field
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


SQLITE = engine.dialect.name == "sqlite"


@dataclass
class _Turns:
    """What requests wait for in the event loop, one set per loop (the server has one;
    each test client has its own)."""

    # As many as the pool has connections: a request holds one while it has a session.
    connections: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(settings.db_connection_limit)
    )
    # SQLite: requests that write take turns, first come first served. Left to queue
    # on the write lock in worker threads, they were served in no particular order,
    # and the slowest waited several times as long as the median.
    writer: asyncio.Lock = field(default_factory=asyncio.Lock)


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = weakref.WeakKeyDictionary()


def _turns_here() -> _Turns:
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = _Turns()
    return turns


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
    writes = request.method not in _READ_ONLY_METHODS
    turns = _turns_here()
    # Writers queue before taking a connection slot, so readers never wait behind them.
    async with turns.writer if writes and SQLITE else nullcontext(), turns.connections:
        # A request that may write takes SQLite's write lock up front; see db/session.py.
        session = WriteSessionLocal() if writes else SessionLocal()
        try:
            yield session
        finally:
            if SQLITE:
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
    """The signed-in user, or 401: no token, an invalid or expired one, one for a user
    who no longer exists, or one issued before the user's password or rights changed."""
    if token is None:
        raise NotAuthenticated("not signed in: send an access token")
    claims = read_access_token(token)
    if claims is not None:
        user = crud.user.get(db, claims.user_id)
        if user is not None and user.token_generation == claims.generation:
            return user
    raise NotAuthenticated("the access token is invalid or expired; sign in again")


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise Forbidden("only a superuser may do this")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
