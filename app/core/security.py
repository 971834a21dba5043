"""Password hashing (Argon2id), access and reset tokens (JWT, HS256) and refresh tokens
(opaque).

Requests hash through app/core/hashing.py, which bounds how many hashes run at once.
"""

import hashlib
import re
import secrets
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
    return verify_and_update_password(password, hashed_password)[0]


def verify_and_update_password(
    password: str, hashed_password: str | None
) -> tuple[bool, str | None]:
    """`verify_password`, and, for a match whose hash was made with other parameters
    than the current ones, the password hashed anew (else None)."""
    if hashed_password is None:
        password_hash.verify(password, _dummy_hash())
        return False, None
    return password_hash.verify_and_update(password, hashed_password)


@cache
def _dummy_hash() -> str:
    return hash_password("no user has this password; it only costs the same time")


class TokenClaims(NamedTuple):
    """Whom a valid access token was issued to: the user's id, their `token_generation`
    at the time (a token of an older generation is void), and the session it belongs to
    (the id of the refresh token issued with it; a token of an ended session is void)."""

    user_id: int
    generation: int
    session_id: int


def create_access_token(
    user_id: int, generation: int, session_id: int, expires_delta: timedelta | None = None
) -> str:
    expires = datetime.now(UTC) + (
        expires_delta or timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    )
    claims = {"sub": str(user_id), "gen": generation, "sid": session_id, "exp": expires}
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def new_refresh_token() -> str:
    """An opaque refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """What is stored of a refresh token. 256 random bits cannot be guessed, so a fast
    hash keeps a stolen table from being used; a slow one would only cost logins."""
    return hashlib.sha256(token.encode()).hexdigest()


def read_access_token(token: str) -> TokenClaims | None:
    """The claims of a valid token; None for any token that is not valid: malformed,
    signed with another key or algorithm (`none` included), expired, or without `exp`,
    a user id in `sub`, a generation in `gen` or a session id in `sid`."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "gen", "sid"]},
        )
    except jwt.InvalidTokenError:
        return None
    ids = _checked(claims, "gen", "sid")
    return None if ids is None else TokenClaims(*ids)


class ResetClaims(NamedTuple):
    """Whom a valid reset token was issued to, and their `token_generation` then."""

    user_id: int
    generation: int


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


def read_reset_token(token: str) -> ResetClaims | None:
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
    ids = _checked(claims, "gen")
    return None if ids is None else ResetClaims(*ids)


def _checked(claims: dict[str, Any], *numbers: str) -> tuple[int, ...] | None:
    """A decoded token's user id (`sub`) and the integers named by `numbers`, if they and
    its `exp` are what this service issues."""
    # PyJWT reads `exp` with int(), which takes a numeric string: RFC 7519 has a number.
    if type(claims["exp"]) not in (int, float):
        return None
    subject = claims["sub"]
    if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
        return None
    user_id = int(subject)
    values = [claims[name] for name in numbers]
    # All are stored in INTEGER columns, which end at MAX_ID. type(), not isinstance():
    # JSON's true and false arrive as bools, which are ints too.
    if user_id > MAX_ID or not all(type(v) is int and 0 <= v <= MAX_ID for v in values):
        return None
    return (user_id, *values)
