import re
import unicodedata
from datetime import datetime
from fractions import Fraction
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    computed_field,
)
from pydantic.config import JsonDict

from app.models.ingredient import FOOD_LENGTH, NOTE_LENGTH, SECTION_LENGTH, UNIT_LENGTH
from app.models.recipe import (
    DESCRIPTION_LENGTH,
    LABEL_LENGTH,
    SOURCE_LENGTH,
    URL_LENGTH,
    YIELD_LENGTH,
)
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
from app.schemas.quantity import QUANTITY_PATTERN, Quantity, format_quantity, parse_quantity
from app.schemas.tag import TagName

Label = Annotated[str, text(LABEL_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Source = Annotated[str, text(SOURCE_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Unit = Annotated[str, text(UNIT_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Food = Annotated[str, text(FOOD_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Note = Annotated[str, text(NOTE_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
Section = Annotated[str, text(SECTION_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]
YieldText = Annotated[str, text(YIELD_LENGTH), NO_CONTROL_CHARACTERS, TRIMMED, ONE_LINE]

# Paragraphs: like one line, but line breaks and tabs are text too.
_TEXT_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_TEXT_CONTROL_RE = re.compile(f"[{_TEXT_CONTROL}]")


def _no_control_but_breaks(value: str) -> str:
    if _TEXT_CONTROL_RE.search(value):
        raise ValueError("must not contain control characters other than tab and line breaks")
    return value


BREAKS_ALLOWED = AfterValidator(_no_control_but_breaks)
# Told to clients: no control characters but tab and line breaks, and not blank.
PARAGRAPHS = Field(
    json_schema_extra={"pattern": f"^[^{_TEXT_CONTROL}]*[^\\s{_TEXT_CONTROL}][^{_TEXT_CONTROL}]*$"}
)

STEP_LENGTH = 2000
Description = Annotated[str, text(DESCRIPTION_LENGTH), BREAKS_ALLOWED, TRIMMED, PARAGRAPHS]
StepText = Annotated[str, text(STEP_LENGTH), BREAKS_ALLOWED, TRIMMED, PARAGRAPHS]
MAX_SERVINGS = 1000
MAX_MINUTES = 10_000


def _json_integer(value: object) -> object:
    # What JSON Schema calls an integer (4 or 4.0), never true or "4", which lax pydantic
    # would take for 1 and 4. (In a query everything is text: the filters take text.)
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


# The validator after the Field, as with Id (app/schemas/base.py).
Servings = Annotated[int, Field(ge=1, le=MAX_SERVINGS), BeforeValidator(_json_integer)]
Minutes = Annotated[int, Field(ge=0, le=MAX_MINUTES), BeforeValidator(_json_integer)]
MAX_INGREDIENTS = 200
MAX_STEPS = 100
MAX_TAGS = 20
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
    "description": "A crusty loaf from four ingredients and a long, slow rise.",
    "image_url": None,
    "servings": 8,
    "yield_text": "1 loaf",
    "prep_minutes": 15,
    "cook_minutes": 45,
    "ingredients": [
        {"quantity": "3", "unit": "cup", "food": "flour", "note": None, "section": None},
        {"quantity": "1/4", "unit": "tsp", "food": "instant yeast", "note": None, "section": None},
        {"quantity": "1 1/4", "unit": "tsp", "food": "salt", "note": None, "section": None},
        {"quantity": "1 1/2", "unit": "cup", "food": "water", "note": "warm", "section": None},
    ],
    "steps": [
        {"text": "Mix everything into a shaggy dough; cover and rest 18 hours.", "section": None},
        {"text": "Shape, rise 2 hours, and bake in a hot covered pot.", "section": None},
    ],
    "tags": ["Bread", "Vegan"],
}


class IngredientIn(InputSchema):
    """One ingredient line: how much of what, and how."""

    quantity: Quantity | None = None
    unit: Unit | None = None
    food: Food
    note: Note | None = None
    section: Section | None = Field(None, description="The part of the recipe, if any")


class StepIn(InputSchema):
    text: StepText
    section: Section | None = Field(None, description="The part of the recipe, if any")


Ingredients = Annotated[list[IngredientIn], Field(max_length=MAX_INGREDIENTS)]
Steps = Annotated[list[StepIn], Field(max_length=MAX_STEPS)]
Tags = Annotated[
    list[TagName],
    Field(
        max_length=MAX_TAGS,
        description="Tag names; case does not matter (Vegan and vegan are one tag), "
        "and a name sent twice counts once",
    ),
]


class RecipeCreate(InputSchema):
    """A new recipe, or (PUT) every field of an existing one: a field left out is empty.
    Its submitter is whoever signed in, so `submitter_id` is not an input."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    label: Label
    source: Source | None = None
    url: RecipeUrl | None = None
    description: Description | None = None
    image_url: RecipeUrl | None = None
    servings: Servings | None = None
    yield_text: YieldText | None = None
    prep_minutes: Minutes | None = None
    cook_minutes: Minutes | None = None
    ingredients: Ingredients = []
    steps: Steps = []
    tags: Tags = []


class RecipeUpdate(UpdateSchema):
    """Some fields of a recipe; a list that is sent replaces the stored one whole."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Overnight bread"}]})

    label: Label = OMITTED
    source: Source | None = OMITTED
    url: RecipeUrl | None = OMITTED
    description: Description | None = OMITTED
    image_url: RecipeUrl | None = OMITTED
    servings: Servings | None = OMITTED
    yield_text: YieldText | None = OMITTED
    prep_minutes: Minutes | None = OMITTED
    cook_minutes: Minutes | None = OMITTED
    ingredients: Ingredients = OMITTED
    steps: Steps = OMITTED
    tags: Tags = OMITTED


# A quantity in a response: exact, as canonical text (scaled ones may pass the input's
# bounds, so it is not Quantity).
def _exact(value: object) -> object:
    # Read back from text too (the schema's own examples).
    return parse_quantity(value) if isinstance(value, str) else value


ExactAmount = Annotated[
    Fraction,
    BeforeValidator(_exact),
    PlainSerializer(format_quantity, return_type=str),
    WithJsonSchema({"type": "string", "pattern": QUANTITY_PATTERN, "examples": ["1 1/2"]}),
]


class IngredientPublic(PublicSchema):
    quantity: ExactAmount | None
    unit: str | None
    food: str
    note: str | None
    section: str | None

    @computed_field(description="The quantity as a number, for machines")  # type: ignore[prop-decorator]
    @property
    def amount(self) -> float | None:
        return None if self.quantity is None else float(self.quantity)


class StepPublic(PublicSchema):
    text: str
    section: str | None


def _names(tags: Any) -> Any:
    # From the ORM: Tag rows, of which a recipe shows the names.
    return [getattr(tag, "name", tag) for tag in tags]


# The example recipe as the service returns it.
_STORED_EXAMPLE: JsonDict = {
    "id": 1,
    **_EXAMPLE,
    "total_minutes": 60,
    "submitter_id": 1,
    "created_at": "2026-11-22T09:30:00Z",
    "updated_at": "2026-11-22T09:30:00Z",
}


class RecipeSummary(PublicSchema):
    """A recipe in a list: every field but its ingredients and steps."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {k: v for k, v in _STORED_EXAMPLE.items() if k not in ("ingredients", "steps")}
            ]
        }
    )

    id: Id
    label: str
    source: str | None
    url: str | None
    description: str | None
    image_url: str | None
    servings: int | None
    yield_text: str | None
    prep_minutes: int | None
    cook_minutes: int | None
    total_minutes: int | None = Field(description="prep plus cook; null when both are")
    tags: Annotated[list[str], BeforeValidator(_names)]
    submitter_id: Id
    created_at: datetime
    updated_at: datetime


class RecipePublic(RecipeSummary):
    """A whole recipe."""

    model_config = ConfigDict(json_schema_extra={"examples": [_STORED_EXAMPLE]})

    ingredients: list[IngredientPublic]
    steps: list[StepPublic]

    def scaled(self, servings: int) -> Self:
        """The recipe for `servings` instead of its own, every quantity scaled exactly."""
        if self.servings is None:
            raise ValueError("the recipe does not say how many it serves")
        factor = Fraction(servings, self.servings)
        ingredients = [
            line.model_copy(update={"quantity": line.quantity * factor})
            if line.quantity is not None
            else line
            for line in self.ingredients
        ]
        return self.model_copy(update={"servings": servings, "ingredients": ingredients})


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
    tag: Annotated[list[TagName], Field(max_length=MAX_TAGS)] = Field(
        [],
        description="Has this tag (by name or slug, in any case); repeat for several, "
        "all must match",
    )
    ingredient: Annotated[list[Keyword], Field(max_length=MAX_TAGS)] = Field(
        [],
        description="An ingredient's food has a word starting with this; repeat for several, "
        "all must match",
    )
    max_total_minutes: Annotated[int, Field(ge=0, le=MAX_MINUTES)] | None = Field(
        None, description="Takes at most this many minutes in all (prep plus cook)"
    )
    created_after: Instant | None = Field(
        None, description="Created after this instant (with its offset, e.g. Z)"
    )
    created_before: Instant | None = Field(None, description="Created before this instant")


class RecipeListFilters(RecipeFilters):
    submitter_id: Id | None = Field(None, description="Submitted by this user")


class RecipeSearchResults(BaseModel):
    """Recipes matching every word of the keyword, best match first, then the most
    recently added."""

    items: list[RecipeSummary]
