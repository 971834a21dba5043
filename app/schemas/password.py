"""Password recovery: asking for a reset token by mail, and setting a password with it."""

from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from app.schemas.base import InputSchema
from app.schemas.user import EXAMPLE_PASSWORD, Email, Password

# A reset token is a JWT of about 200 characters; the bound leaves room and keeps a
# forged megabyte out of the decoder.
RESET_TOKEN_MAX_LENGTH = 1024


class PasswordRecovery(InputSchema):
    """The address of the account whose password is forgotten."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ada@example.com"}]})

    email: Email


class PasswordReset(InputSchema):
    """A new password, with the reset token mailed by password recovery as proof."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "eyJhbGciOi...", "new_password": EXAMPLE_PASSWORD}]
        }
    )

    token: Annotated[str, StringConstraints(min_length=1, max_length=RESET_TOKEN_MAX_LENGTH)]
    new_password: Password
