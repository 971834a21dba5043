from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, EmailStr, StringConstraints
from pydantic.config import JsonDict

from app.models.user import EMAIL_LENGTH, NAME_LENGTH
from app.schemas.base import (
    NO_CONTROL_CHARACTERS,
    OMITTED,
    Id,
    InputSchema,
    PublicSchema,
    UpdateSchema,
    text,
)

Email = Annotated[EmailStr, StringConstraints(max_length=EMAIL_LENGTH)]
Name = Annotated[str, text(NAME_LENGTH), NO_CONTROL_CHARACTERS]

_EXAMPLE: JsonDict = {"email": "ada@example.com", "first_name": "Ada", "surname": "Lovelace"}


class UserCreate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    email: Email
    first_name: Name | None = None
    surname: Name | None = None


class UserUpdate(UpdateSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"surname": "King"}]})

    email: Email = OMITTED
    first_name: Name | None = None
    surname: Name | None = None


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
