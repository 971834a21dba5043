"""Signing in: the OAuth2 password flow, which the /docs "Authorize" button speaks."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm

from app import crud
from app.api.deps import SessionDep, require_form
from app.api.ratelimit import LOGIN
from app.api.responses import DATABASE, FORM_BODY, INVALID_INPUT, RATE_LIMITED, SIGNED_IN
from app.api.routing import APIRouter, reads_only
from app.core.security import create_access_token
from app.exceptions import NotAuthenticated
from app.schemas import Token

router = APIRouter(
    prefix="/login",
    tags=["login"],
    responses=DATABASE | INVALID_INPUT,
    dependencies=[Depends(require_form)],
)


@router.post("/access-token", responses=SIGNED_IN | FORM_BODY | RATE_LIMITED, dependencies=[LOGIN])
@reads_only
def login_access_token(
    db: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Sign in with your email (as `username`) and password; returns a bearer token."""
    user = crud.user.authenticate(db, email=form.username, password=form.password)
    if user is None:
        # One answer for an unknown email and a wrong password, so neither is revealed.
        raise NotAuthenticated("wrong email or password")
    return Token(access_token=create_access_token(user.id, user.token_generation))
