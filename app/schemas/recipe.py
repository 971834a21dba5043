from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, HttpUrl, PlainSerializer
from pydantic.config import JsonDict

from app.models.recipe import LABEL_LENGTH, SOURCE_LENGTH, URL_LENGTH
from app.schemas.base import (
    NO_CONTROL_CHARACTERS,
    OMITTED,
    ONE_LINE,
    Id,
    InputSchema,
    PublicSchema,
    UpdateSchema,
    text,
)

Label = Annotated[str, text(LABEL_LENGTH), NO_CONTROL_CHARACTERS, ONE_LINE]
Source = Annotated[str, text(SOURCE_LENGTH), NO_CONTROL_CHARACTERS, ONE_LINE]
Keyword = Annotated[str, text(100), NO_CONTROL_CHARACTERS, ONE_LINE]


def _fits_column(url: HttpUrl) -> HttpUrl:
    # Checked after normalisation: punycode and percent-encoding can lengthen a URL.
    if len(str(url)) > URL_LENGTH:
        raise ValueError(f"URL must be at most {URL_LENGTH} characters once normalised")
    return url


RecipeUrl = Annotated[HttpUrl, AfterValidator(_fits_column), PlainSerializer(str, return_type=str)]

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


class RecipeSearchResults(BaseModel):
    """Recipes whose label or source contains the keyword, newest first."""

    items: list[RecipePublic]
