from datetime import datetime
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic.config import JsonDict

from app.core.config import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from app.models.user import EMAIL_LENGTH, NAME_LENGTH
from app.schemas.base import (
    NO_CONTROL_CHARACTERS,
    OMITTED,
    ONE_LINE,
    TRIMMED,
    Id,
    InputSchema,
    PublicSchema,
    UpdateSchema,
    text,
)


def _unmistakable(email: str) -> str:
    """`email` with an ASCII local part, and its domain in ASCII (IDNA, xn--), so that
    no address can pass for another: a Cyrillic "а" in "аdmin" looks exactly like the
    Latin "a", as letters of many scripts look like letters of others. Outside ASCII
    only a domain can be written, and it is kept and shown in its xn-- form."""
    try:
        address = validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    ascii_email = address.ascii_email or ""
    if len(ascii_email) > EMAIL_LENGTH:
        raise ValueError(f"must be at most {EMAIL_LENGTH} characters with its domain in ASCII")
    return ascii_email


# email-validator is stricter than the `email` format: it refuses special-use domains
# (RFC 6761). The document says so (the fuzz test found it unsaid).
Email = Annotated[
    EmailStr,
    StringConstraints(max_length=EMAIL_LENGTH),
    AfterValidator(_unmistakable),
    Field(
        description="An email address; special-use domains (.test, .example, .invalid, "
        ".localhost, .local, ...) are refused. The part before @ is ASCII; a domain "
        "written in another script is kept in its ASCII form (xn--...)"
    ),
]
Name = Annotated[str, text(NAME_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
# Taken as typed: no trimming, any characters.
Password = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]

# Only compared with the stored hash: any length up to the bound, so a too-long one
# is just wrong.
CurrentPassword = Annotated[
    str,
    StringConstraints(max_length=PASSWORD_MAX_LENGTH),
    Field(description="Your current password, as proof that you are you"),
]

_EXAMPLE: JsonDict = {"email": "ada@example.com", "first_name": "Ada", "surname": "Lovelace"}
EXAMPLE_PASSWORD = "analytical engine"


class UserSignup(InputSchema):
    """A new account, created by its owner: never a superuser."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "password": EXAMPLE_PASSWORD}]}
    )

    email: Email
    password: Password
    first_name: Name | None = None
    surname: Name | None = None


class UserCreate(InputSchema):
    """A new user, created by a superuser. Without a password they cannot sign in."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_EXAMPLE, {**_EXAMPLE, "password": EXAMPLE_PASSWORD}]}
    )

    email: Email
    password: Password | None = None
    first_name: Name | None = None
    surname: Name | None = None
    is_superuser: bool = False


class _UserChanges(UpdateSchema):
    email: Email = OMITTED
    first_name: Name | None = None
    surname: Name | None = None


class UserUpdateMe(_UserChanges):
    """Changes to one's own account. A new email needs the current password too (403
    without it, or with a wrong one, as for a new password)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"surname": "King"},
                {"email": "ada@example.org", "current_password": EXAMPLE_PASSWORD},
            ],
            "dependentRequired": {"email": ["current_password"]},
        }
    )

    current_password: CurrentPassword = OMITTED


class PasswordChange(InputSchema):
    """A new password for one's own account, with the current one as proof."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": EXAMPLE_PASSWORD, "new_password": "difference engine"}
            ]
        }
    )

    current_password: CurrentPassword
    new_password: Password


class UserUpdate(_UserChanges):
    """Changes to any account, by a superuser: a new password, superuser or not."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"surname": "King"}, {"password": EXAMPLE_PASSWORD}]}
    )

    password: Password = OMITTED
    is_superuser: bool = OMITTED


class UserPublic(PublicSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    **_EXAMPLE,
                    "is_superuser": False,
                    "created_at": "2026-11-22T09:30:00Z",
                }
            ]
        }
    )

    id: Id
    email: str
    first_name: str | None
    surname: str | None
    is_superuser: bool
    created_at: datetime


class Token(BaseModel):
    """An access token, valid for `expires_in` seconds: send it as `Authorization:
    Bearer <access_token>`. Then exchange the refresh token for new ones at
    /login/refresh; each refresh token is good for one exchange."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOi...",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "kR3v...",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


class RefreshRequest(InputSchema):
    """A refresh token, to exchange for new tokens (or to end its session with)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "kR3v..."}]})

    # secrets.token_urlsafe(32) is 43 characters; anything much longer is not one.
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=128)]
