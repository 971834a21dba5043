"""Signing in and out: the OAuth2 password flow (which the /docs "Authorize" button
speaks), refresh-token rotation, and logout.

A sign-in reads the user in one short session, checks the password with no session
open (app/core/hashing.py), then writes the new session in another short one.
"""

from typing import Annotated

from fastapi import Depends, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import (
    AccessToken,
    DatabaseDep,
    SessionDep,
    in_session,
    require_form,
    require_json,
    signed_in,
)
from app.api.ratelimit import LOGIN
from app.api.responses import (
    DATABASE,
    FORM_BODY,
    INVALID_INPUT,
    JSON_BODY,
    LIMITED_HASHING,
    SIGNED_IN,
    Responses,
)
from app.api.routing import APIRouter
from app.core import hashing
from app.core.config import settings
from app.core.security import create_access_token
from app.exceptions import NotAuthenticated
from app.models import RefreshToken, User
from app.schemas import RefreshRequest, Token
from app.schemas.base import ProblemDetail

router = APIRouter(tags=["login"], responses=DATABASE | INVALID_INPUT)

REFRESH_REFUSED: Responses = {
    401: {
        "model": ProblemDetail,
        "description": "The refresh token is unknown, expired or revoked, or was already "
        "used (which ends its session), or the account changed since (password, email, "
        "rights) or is gone",
    }
}


def _tokens(user: User, row: RefreshToken, refresh_token: str) -> Token:
    return Token(
        access_token=create_access_token(user.id, row.token_generation, row.id),
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
        refresh_token=refresh_token,
    )


@router.post(
    "/login/access-token",
    responses=SIGNED_IN | FORM_BODY | LIMITED_HASHING,
    dependencies=[Depends(require_form), LOGIN],
)
async def login_access_token(
    database: DatabaseDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Sign in with your email (as `username`) and password; returns a short-lived
    bearer token and a refresh token, which opens a session that lasts until you log
    out, your password, email or rights change, or REFRESH_TOKEN_EXPIRE_DAYS pass."""
    user = await in_session(
        database, lambda db: crud.user.get_by_email(db, email=form.username), may_write=False
    )
    stored_hash = user.hashed_password if user is not None else None
    valid, rehashed = await hashing.verify_and_update(form.password, stored_hash)
    if user is None or not valid:
        # One answer for an unknown email and a wrong password, so neither is revealed.
        raise NotAuthenticated("wrong email or password")
    found: User = user

    def open_session(db: Session) -> Token:
        if rehashed is not None:
            crud.user.rehash(db, user=found, hashed_password=rehashed)
        return _tokens(found, *crud.refresh_token.open(db, user=found))

    return await in_session(database, open_session, may_write=True)


@router.post(
    "/login/refresh",
    responses=REFRESH_REFUSED | JSON_BODY,
    dependencies=[Depends(require_json)],
)
def refresh(db: SessionDep, body: RefreshRequest) -> Token:
    """Exchange a refresh token for a new access token and a new refresh token. Each
    refresh token is good once: presenting a used one again ends its whole session."""
    return _tokens(*crud.refresh_token.rotate(db, token=body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=SIGNED_IN)
def logout(db: SessionDep, token: AccessToken) -> None:
    """End the session of this access token: its refresh tokens and every access token
    issued with them stop working. Other sessions (other devices) go on."""
    crud.refresh_token.end(db, session_id=signed_in(db, token).session_id)
