"""Building blocks shared by the resource schemas."""

import re
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Ids are range-checked here, before they reach a 32-bit INTEGER column (PostgreSQL,
# MySQL) or overflow SQLite's 64-bit integers.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID, examples=[1])]
# No query reads more rows at once, or skips more, than these.
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters (NUL, tab, newline, ...)")
    return value


NO_CONTROL_CHARACTERS = AfterValidator(_no_control_characters)


def text(max_length: int) -> StringConstraints:
    """A one-line string of text: trimmed, 1 to `max_length` characters. Used as
    `Annotated[str, text(n), NO_CONTROL_CHARACTERS]`, n the column's length."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


class InputSchema(BaseModel):
    """Request bodies: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


# Default of a field that a partial update may leave out but must not send as null:
# `label: Label = OMITTED`. Typed Any so the field keeps its non-null type; pydantic
# never validates a default, and updates only read the fields that were sent.
OMITTED: Any = None


class UpdateSchema(InputSchema):
    """Partial updates: fields left out stay as they are (`model_dump(exclude_unset=True)`)."""


class PublicSchema(BaseModel):
    """Responses, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, with links to the pages before and after it."""

    items: list[ItemT]
    total: int | None = Field(
        description="Items across all pages; null unless include_total=true", examples=[42]
    )
    offset: int = Field(examples=[0])
    limit: int = Field(examples=[20])
    next: str | None = Field(
        description="The next page (null on the last), also in the Link header",
        examples=["/api/v1/recipes?limit=20&cursor=WyJyZWNpcGUiLCItY3JlYXRl..."],
    )
    prev: str | None = Field(
        description="The previous page (null on the first), also in the Link header",
        examples=[None],
    )

    @classmethod
    def of(
        cls,
        items: Sequence[object],
        *,
        total: int | None,
        offset: int,
        limit: int,
        next: str | None = None,
        prev: str | None = None,
    ) -> Self:
        """A page built from ORM objects."""
        fields = {
            "items": items,
            "total": total,
            "offset": offset,
            "limit": limit,
            "next": next,
            "prev": prev,
        }
        return cls.model_validate(fields, from_attributes=True)


class ErrorMessage(BaseModel):
    """The body of an error response."""

    detail: str = Field(examples=["recipe 42 not found"])
