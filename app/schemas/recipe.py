import re
import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
)
from pydantic.config import JsonDict

from app.models.recipe import LABEL_LENGTH, SOURCE_LENGTH, URL_LENGTH
from app.schemas.base import (
    CONTROL_CHARACTERS,
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

Label = Annotated[str, text(LABEL_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Source = Annotated[str, text(SOURCE_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of `text` (runs of letters and digits in any script), lower-case, each
    once, in order: what a search looks for. Everything else is dropped."""
    # NFC first: "e" + a combining accent is one letter, not a word break.
    words = _WORD.findall(unicodedata.normalize("NFC", text))
    return list(dict.fromkeys(word.lower() for word in words))


def _has_a_word(keyword: str) -> str:
    if not search_words(keyword):
        raise ValueError("must contain a word (letters or digits) to search for")
    return keyword


# One line with a word in it (a letter or digit, in any script): told to clients in the
# OpenAPI document; _has_a_word is the check.
_SEARCHABLE = Field(
    json_schema_extra={"pattern": f"^[^{CONTROL_CHARACTERS}]*[^\\W_][^{CONTROL_CHARACTERS}]*$"},
)
Keyword = Annotated[
    str, text(100), NO_CONTROL_CHARACTERS, TRIMMED, _SEARCHABLE, AfterValidator(_has_a_word)
]


# A URL as the document describes it: http(s), an RFC 3986 URI (ASCII, anything else
# percent-encoded) without a user name, a percent-encoded host or a quote. The
# normaliser percent-encodes none of what is left, so such a URL grows by at most
# URL_GROWTH characters once normalised: a "/" added to an empty path, and a host given
# as one number written out as an IPv4 address ("https://9" is https://0.0.0.9/).
# Every URL of at most MAX_URL_LENGTH characters that the pattern admits therefore fits
# the column once normalised.
_NAME = r"A-Za-z0-9\-._~!$&()*+,;="
_PCHAR = rf"(?:[{_NAME}:@]|%[0-9A-Fa-f]{{2}})"
URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:[{_NAME}]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?"
    rf"(?:/{_PCHAR}*)*(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$"
)
URL_GROWTH = 7
MAX_URL_LENGTH = URL_LENGTH - URL_GROWTH
_HTTP_URL = TypeAdapter(HttpUrl)


_URL_FORM = re.compile(URL_PATTERN)


def _normalised(url: str) -> str:
    if not _URL_FORM.fullmatch(url):
        raise ValueError(
            "must be an http(s) URL in URI form (RFC 3986): ASCII, other characters "
            "percent-encoded, without a user name or quotes"
        )
    normalised = str(_HTTP_URL.validate_python(url))
    # Cannot fail for a URL the pattern and MAX_URL_LENGTH admit (see above); it keeps
    # the column's bound in one place should they change.
    if len(normalised) > URL_LENGTH:
        raise ValueError(f"URL must be at most {URL_LENGTH} characters once normalised")
    return normalised


# The pattern is told to clients in the OpenAPI document; _normalised is the check.
RecipeUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_URL_LENGTH),
    AfterValidator(_normalised),
    Field(json_schema_extra={"format": "uri", "pattern": URL_PATTERN}),
]

_EXAMPLE: JsonDict = {
    "label": "No-Knead Bread",
    "source": "NYT Cooking",
    "url": "https://cooking.nytimes.com/recipes/11376-no-knead-bread",
}


class RecipeCreate(InputSchema):
    """A new recipe, or (PUT) every field of an existing one. Its submitter is whoever
    signed in, so `submitter_id` is not an input."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    label: Label
    source: Source
    url: RecipeUrl


class RecipeUpdate(UpdateSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Overnight bread"}]})

    label: Label = OMITTED
    source: Source = OMITTED
    url: RecipeUrl = OMITTED


class RecipePublic(PublicSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    **_EXAMPLE,
                    "submitter_id": 1,
                    "created_at": "2026-11-22T09:30:00Z",
                    "updated_at": "2026-11-22T09:30:00Z",
                }
            ]
        }
    )

    id: Id
    label: str
    source: str
    url: str
    submitter_id: Id
    created_at: datetime
    updated_at: datetime


# An instant every engine stores, from 1000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z:
# MariaDB's DATETIME spans years 1000 to 9999 (UTC, as UTCDateTime stores them); SQLite's
# text and PostgreSQL's timestamptz span more. Years 1001 to 9998 take any offset, which
# moves an instant by less than a day; in years 1000 and 9999 an instant is written in
# UTC, or an offset could carry it past either end (and past what a Python datetime
# holds). Written in RFC 3339, as the OpenAPI `date-time` format says: pydantic alone
# would also take a number of seconds ("0") or a bare date.
_FIRST, _LAST = "1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"
_YEARS_1001_TO_9998 = r"(100[1-9]|10[1-9]\d|1[1-9]\d\d|[2-8]\d{3}|9[0-8]\d\d|99[0-8]\d|999[0-8])"
_DATE_TIME = r"-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?"
INSTANT_PATTERN = (
    rf"^({_YEARS_1001_TO_9998}{_DATE_TIME}([Zz]|[+-]\d{{2}}:\d{{2}})"
    rf"|(1000|9999){_DATE_TIME}([Zz]|[+-]00:00))$"
)
_INSTANT = re.compile(INSTANT_PATTERN)


def _storable_instant(value: object) -> object:
    if not (isinstance(value, str) and _INSTANT.fullmatch(value)):
        raise ValueError(
            f"must be a date and time with its offset, from {_FIRST} to {_LAST} (in the "
            "years 1000 and 9999, in UTC), e.g. 2026-11-22T09:30:00Z"
        )
    return value


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_storable_instant),
    Field(
        json_schema_extra={
            "pattern": INSTANT_PATTERN,
            "formatMinimum": _FIRST,
            "formatMaximum": _LAST,
        },
    ),
]


class RecipeFilters(BaseModel):
    """Filters of a list of recipes (query parameters); those left out do not apply."""

    source: Source | None = Field(None, description="Exactly this source")
    created_after: Instant | None = Field(
        None, description="Created after this instant (with its offset, e.g. Z)"
    )
    created_before: Instant | None = Field(None, description="Created before this instant")


class RecipeListFilters(RecipeFilters):
    submitter_id: Id | None = Field(None, description="Submitted by this user")


class RecipeSearchResults(BaseModel):
    """Recipes matching every word of the keyword, best match first, then the most
    recently added."""

    items: list[RecipePublic]
