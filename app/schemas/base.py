"""Building blocks shared by the resource schemas."""

import re
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

# Ids are range-checked here, before they reach a 32-bit INTEGER column (PostgreSQL,
# MySQL) or overflow SQLite's 64-bit integers.
MAX_ID = 2**31 - 1
# And written plainly wherever they arrive as text (a path, a query): int() alone would
# take "01", "+1", " 1" and "1_0" for 1.
ID_PATTERN = r"^[1-9][0-9]{0,9}$"
_CANONICAL_ID = re.compile(ID_PATTERN)


def _canonical_id(value: object) -> object:
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise ValueError(
            "must be an id written plainly: digits without a sign, spaces, underscores or "
            "leading zeros"
        )
    return value


# The validator after the Field: before it, pydantic writes the bounds into the schema
# as "ge" and "le" instead of "minimum" and "maximum".
Id = Annotated[
    int,
    Field(ge=1, le=MAX_ID, examples=[1], json_schema_extra={"pattern": ID_PATTERN}),
    BeforeValidator(_canonical_id),
]
# No query reads more rows at once, or skips more, than these.
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1

# Unicode's control characters: C0 (NUL to US), DEL and C1 (U+0080 to U+009F, among
# them NEL, a line break to some readers, and CSI, which starts terminal escapes). As a
# regex character class body, for the checks and for the patterns told to clients.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
_CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CHARACTERS}]")


def _no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters (NUL, tab, newline, NEL, ...)")
    return value


NO_CONTROL_CHARACTERS = AfterValidator(_no_control_characters)


def _trimmed(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


# Leading and trailing spaces dropped, after the checks above (which see what was sent,
# as the schema's pattern and maxLength do: trimming first would accept "x" followed by
# 300 spaces or vertical tabs, which the schema refuses).
TRIMMED = AfterValidator(_trimmed)
# The same rules, told to clients in the OpenAPI document (the fuzz test found them
# missing): no control characters, and something besides the whitespace that is trimmed.
ONE_LINE = Field(
    json_schema_extra={
        "pattern": f"^[^{CONTROL_CHARACTERS}]*[^\\s{CONTROL_CHARACTERS}][^{CONTROL_CHARACTERS}]*$"
    }
)


def text(max_length: int) -> StringConstraints:
    """A one-line string of text, 1 to `max_length` characters as sent. Used as
    `Annotated[str, text(n), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]`, n the column's
    length."""
    return StringConstraints(min_length=1, max_length=max_length)


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


class FieldError(BaseModel):
    """One invalid input field of a 422."""

    loc: list[str | int] = Field(examples=[["body", "url"]])
    field: str = Field(
        description="The field's name, with its parents and list indexes",
        examples=["ingredients[3].food"],
    )
    msg: str = Field(examples=["Input should be a valid URL, relative URL without a base"])
    type: str = Field(examples=["url_parsing"])


class ProblemDetail(BaseModel):
    """The body of every error response: RFC 9457 problem details
    (media type application/problem+json)."""

    type: str = Field(
        default="about:blank",
        description="A URI naming the kind of problem; about:blank when the status says it all",
        examples=["about:blank"],
    )
    title: str = Field(description="The kind of problem, in words", examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(description="What went wrong this time", examples=["recipe 42 not found"])
    instance: str = Field(description="The request's path", examples=["/api/v1/recipes/42"])
    errors: list[FieldError] | None = Field(
        default=None, description="422 only: each invalid field"
    )
    line: int | None = Field(
        default=None, description="Malformed JSON only: the line where parsing stopped, from 1"
    )
    column: int | None = Field(
        default=None, description="Malformed JSON only: the column on that line, from 1"
    )
