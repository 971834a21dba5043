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


class UserUpdateMe(UpdateSchema):
    """Changes to one's own account."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"surname": "King"}]})

    email: Email = OMITTED
    first_name: Name | None = None
    surname: Name | None = None


class PasswordChange(InputSchema):
    """A new password for one's own account, with the current one as proof."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": EXAMPLE_PASSWORD, "new_password": "difference engine"}
            ]
        }
    )

    # Only compared with the stored hash: any length, so a too-long one is just wrong.
    current_password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)]
    new_password: Password


class UserUpdate(UserUpdateMe):
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
    """An access token: send it as `Authorization: Bearer <access_token>`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"access_token": "eyJhbGciOi...", "token_type": "bearer"}]}
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
