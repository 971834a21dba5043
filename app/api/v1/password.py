"""Password recovery: a reset token by mail, then a new password set with it."""

import functools
import logging
import smtplib
from typing import Annotated, NamedTuple

from anyio import to_thread
from fastapi import BackgroundTasks, Depends, Response, status

from app import crud
from app.api.deps import DatabaseDep, SessionDep
from app.api.ratelimit import PASSWORD_RECOVERY
from app.api.responses import (
    HASHING,
    INVALID_INPUT,
    JSON_BODY,
    RATE_LIMITED,
    RECOVERY_OFF,
    RESET_REFUSED,
)
from app.api.routing import APIRouter
from app.core import email, hashing
from app.core.config import settings
from app.core.security import ResetClaims, create_reset_token, read_reset_token
from app.db import session as db_session
from app.exceptions import Forbidden, NotConfigured
from app.schemas import PasswordRecovery, PasswordReset

logger = logging.getLogger(__name__)

# One answer for every token that cannot be used, so none says which check it failed.
TOKEN_REFUSED = "the reset token is invalid, expired or already used; ask for a new one"


async def require_smtp() -> None:
    if not settings.emails_enabled:
        raise NotConfigured("password recovery is off: this server has no SMTP settings")


router = APIRouter(
    tags=["login"],
    responses=RECOVERY_OFF | JSON_BODY | INVALID_INPUT,
    dependencies=[Depends(require_smtp)],
)


@router.post(
    "/password-recovery",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses=RATE_LIMITED
    | {202: {"description": "Accepted: whether or not an account has the address"}},
    dependencies=[PASSWORD_RECOVERY],
)
async def recover_password(
    body: PasswordRecovery,
    background: BackgroundTasks,
    database: DatabaseDep,
) -> Response:
    """Mail a password reset token to this address, if an account has it. The answer is
    202 either way and comes at once: the lookup and the mail happen after it, so
    neither the answer nor its timing says whether the address is known."""
    background.add_task(mail_reset_token, database, body.email)
    return Response(status_code=status.HTTP_202_ACCEPTED)


async def mail_reset_token(database: db_session.Database, address: str) -> None:
    async with database.session(may_write=False) as db:
        find = functools.partial(crud.user.get_by_email, db, email=address)
        user = await to_thread.run_sync(find)
    if user is None:
        return
    token = create_reset_token(user.id, user.token_generation)
    minutes = settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES
    # No link: a URL made from the request's Host header would let whoever asks point
    # the owner's mail, token and all, at a server of their own.
    body = (
        f"Someone asked to reset the password of your account at {settings.PROJECT_NAME}.\n\n"
        f"If it was you, send this token with your new password to "
        f"POST /api/v1/reset-password within {minutes} minutes; it works once:\n\n"
        f"{token}\n\n"
        "If it was not you, ignore this mail: your password stays as it is.\n"
    )
    send = functools.partial(email.send, user.email, "Reset your password", body)
    try:
        await to_thread.run_sync(send)
    except (OSError, smtplib.SMTPException) as exc:
        # The answer is long gone: all that is left is to say so in the log.
        logger.error("password reset mail to user %s not sent: %s", user.id, exc)


class CheckedReset(NamedTuple):
    claims: ResetClaims
    hashed_password: str


async def check_reset(body: PasswordReset) -> CheckedReset:
    """The token's claims and the new password's hash. A dependency listed before the
    session: FastAPI resolves a route's dependencies in order, so the slow hash runs
    before the session exists and holds no connection and no writer's turn."""
    claims = read_reset_token(body.token)
    if claims is None:
        raise Forbidden(TOKEN_REFUSED)
    return CheckedReset(claims, await hashing.hash(body.new_password))


@router.post(
    "/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=HASHING | RESET_REFUSED
)
def reset_password(reset: Annotated[CheckedReset, Depends(check_reset)], db: SessionDep) -> None:
    """Set a new password with the token password recovery mailed; it works once, within
    its lifetime. Every token issued before stops working: sign in again."""
    user = crud.user.get(db, reset.claims.user_id)
    # The generation is the one the token was issued at only while the password is
    # unchanged: a used token names an older one.
    if user is None or user.token_generation != reset.claims.generation:
        raise Forbidden(TOKEN_REFUSED)
    crud.user.replace_password(db, user=user, hashed_password=reset.hashed_password)
