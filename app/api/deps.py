"""Dependencies shared by the routes."""

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.core.security import read_access_token
from app.db.session import SessionLocal, WriteSessionLocal
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


def require_json(request: Request) -> None:
    """Refuse a request body that is not JSON with 415, instead of a puzzling 422."""
    if request.method not in _BODY_METHODS:
        return
    media_type = _media_type(request)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise _unsupported("application/json", media_type)


def require_form(request: Request) -> None:
    """The same for the login form, which OAuth2 sends URL-encoded."""
    media_type = _media_type(request)
    if media_type != "application/x-www-form-urlencoded":
        raise _unsupported("application/x-www-form-urlencoded", media_type)


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
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise Forbidden("only a superuser may do this")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
