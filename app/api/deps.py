"""Dependencies shared by the routes."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, NamedTuple, TypeVar

from anyio import to_thread
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app import crud
from app.api.routing import may_write
from app.core.security import read_access_token
from app.db import session as db_session
from app.exceptions import Forbidden, NotAuthenticated
from app.models import User

T = TypeVar("T")

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _unsupported(expected: str, media_type: str) -> HTTPException:
    return HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"Content-Type must be {expected}, not {media_type or 'missing'}",
    )


def _declared_media_types(request: Request) -> list[str] | None:
    # A route that reads its body itself declares the media types it takes in its
    # OpenAPI requestBody (openapi_extra): the document and this check say the same.
    extra = getattr(request.scope.get("route"), "openapi_extra", None) or {}
    content = extra.get("requestBody", {}).get("content")
    return list(content) if content else None


async def require_json(request: Request) -> None:
    """Refuse a request body that is not JSON with 415, instead of a puzzling 422; or,
    on a route that declares the media types of its request body, not one of those."""
    if request.method not in _BODY_METHODS:
        return
    media_type = _media_type(request)
    declared = _declared_media_types(request)
    if declared is not None:
        if media_type not in declared:
            raise _unsupported(" or ".join(declared), media_type)
    elif media_type != "application/json" and not media_type.endswith("+json"):
        raise _unsupported("application/json", media_type)


async def require_form(request: Request) -> None:
    """The same for the login form, which OAuth2 sends URL-encoded."""
    media_type = _media_type(request)
    if media_type != "application/x-www-form-urlencoded":
        raise _unsupported("application/x-www-form-urlencoded", media_type)


def session_dependency(
    database: db_session.Database,
) -> Callable[[Request], AsyncIterator[Session]]:
    """The dependency giving each request a session on `database`; see Database.session.

    The session may write if the route may (`may_write`). Whatever it writes, the
    data layer commits; see Database.session for how the session ends.
    """

    async def get_db(request: Request) -> AsyncIterator[Session]:
        async with database.session(may_write=may_write(request.scope["route"])) as session:
            yield session

    return get_db


get_db = session_dependency(db_session.database)
SessionDep = Annotated[Session, Depends(get_db)]


async def get_database() -> db_session.Database:
    """The database, for a route that opens short sessions of its own instead of one
    for the whole request: one that hashes a password (app/core/hashing.py) holds no
    connection and no writer's turn while it does. `async`, as it does no I/O: FastAPI
    would run a plain function in a worker thread, a hop for nothing."""
    return db_session.database


DatabaseDep = Annotated[db_session.Database, Depends(get_database)]


async def in_session(
    database: db_session.Database, work: Callable[[Session], T], *, may_write: bool
) -> T:
    """`work(session)` in a worker thread, on a session of its own, ended right after in
    the same thread."""

    def work_and_end(session: Session) -> T:
        result = work(session)
        db_session.end_session(session)
        return result

    async with database.session(may_write=may_write) as session:
        return await to_thread.run_sync(work_and_end, session)


# What the /docs "Authorize" button uses. auto_error=False: a missing token is refused
# by get_current_user, so every 401 has the same shape and comes from one handler.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token", auto_error=False)


class SignedIn(NamedTuple):
    user: User
    # The refresh token the access token was issued with (its `sid`).
    session_id: int


def signed_in(db: Session, token: str | None) -> SignedIn:
    """Who `token` signs in, or 401: no token, an invalid or expired one, one for a user
    who no longer exists, one issued before the user's password, email or rights
    changed, or one of a session that has ended. One query."""
    if token is None:
        raise NotAuthenticated("not signed in: send an access token")
    claims = read_access_token(token)
    if claims is not None:
        user = crud.refresh_token.user_of_live_session(
            db, user_id=claims.user_id, session_id=claims.session_id
        )
        if user is not None and user.token_generation == claims.generation:
            return SignedIn(user, claims.session_id)
    raise NotAuthenticated("the access token is invalid or expired; sign in again")


AccessToken = Annotated[str | None, Depends(oauth2_scheme)]


def get_current_user(db: SessionDep, token: AccessToken) -> User:
    """The signed-in user (see signed_in), read in the request's session."""
    return signed_in(db, token).user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_signed_in_briefly(database: DatabaseDep, token: AccessToken) -> SignedIn:
    """`signed_in`, read in a short session of its own, for the routes that open their
    own sessions (see get_database). The user is as of that read: write through
    crud.user.get_unchanged."""
    return await in_session(database, lambda db: signed_in(db, token), may_write=False)


SignedInBriefly = Annotated[SignedIn, Depends(get_signed_in_briefly)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise Forbidden("only a superuser may do this")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
