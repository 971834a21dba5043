"""Password hashing (Argon2id) and access tokens (JWT, HS256)."""

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.config import settings
from app.schemas.base import MAX_ID

# Argon2id with 64 MiB, 3 passes, 4 lanes: above OWASP's minimum (19 MiB, 2 passes).
# About 0.3-0.5 s per hash on a small server, which is the point.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_TIME_COST = 3
ARGON2_PARALLELISM = 4

password_hash = PasswordHash(
    (
        Argon2Hasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
        ),
    )
)

ALGORITHM = "HS256"
_USER_ID = re.compile(r"[1-9][0-9]{0,9}")


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed_password: str | None) -> bool:
    """Whether `password` matches. A missing hash takes as long as a wrong password
    (it is checked against a dummy hash) and never matches."""
    if hashed_password is None:
        password_hash.verify(password, _dummy_hash())
        return False
    return password_hash.verify(password, hashed_password)


@cache
def _dummy_hash() -> str:
    return hash_password("no user has this password; it only costs the same time")


class TokenClaims(NamedTuple):
    """Whom a valid access token was issued to: the user's id, and their
    `token_generation` at the time (a token of an older generation is void)."""

    user_id: int
    generation: int


def create_access_token(
    user_id: int, generation: int, expires_delta: timedelta | None = None
) -> str:
    expires = datetime.now(UTC) + (
        expires_delta or timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    )
    claims = {"sub": str(user_id), "gen": generation, "exp": expires}
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def read_access_token(token: str) -> TokenClaims | None:
    """The claims of a valid token; None for any token that is not valid: malformed,
    signed with another key or algorithm (`none` included), expired, or without `exp`,
    a user id in `sub` or a generation in `gen`."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "gen"]},
        )
    except jwt.InvalidTokenError:
        return None
    return _user_claims(claims)


# Password reset tokens: JWTs like the access tokens, told apart by their audience. An
# access token has none, so it is refused here; PyJWT refuses a token with an audience
# where none is expected, so a reset token is never an access token. Each names the
# user's `token_generation`, which setting the password bumps: a reset token works once,
# and is void as soon as the password changes by any means.
RESET_AUDIENCE = "urn:recipe-service:password-reset"


def create_reset_token(
    user_id: int, generation: int, expires_delta: timedelta | None = None
) -> str:
    expires = datetime.now(UTC) + (
        expires_delta or timedelta(minutes=settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES)
    )
    claims = {"sub": str(user_id), "gen": generation, "aud": RESET_AUDIENCE, "exp": expires}
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def read_reset_token(token: str) -> TokenClaims | None:
    """The claims of a valid reset token; None for anything else, an access token and
    an expired reset token included. Whether its generation is still the user's is for
    the caller to check, in the transaction that sets the password."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            audience=RESET_AUDIENCE,
            options={"require": ["exp", "aud", "sub", "gen"]},
        )
    except jwt.InvalidTokenError:
        return None
    return _user_claims(claims)


def _user_claims(claims: dict[str, Any]) -> TokenClaims | None:
    """A decoded token's user id (`sub`) and generation (`gen`), if they and its `exp`
    are what this service issues."""
    # PyJWT reads `exp` with int(), which takes a numeric string: RFC 7519 has a number.
    if type(claims["exp"]) not in (int, float):
        return None
    subject, generation = claims["sub"], claims["gen"]
    if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
        return None
    user_id = int(subject)
    # Both are stored in INTEGER columns, which end at MAX_ID. type(), not isinstance():
    # JSON's true and false arrive as bools, which are ints too.
    if user_id > MAX_ID or type(generation) is not int or not 0 <= generation <= MAX_ID:
        return None
    return TokenClaims(user_id, generation)
