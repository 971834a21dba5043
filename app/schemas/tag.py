import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from app.models.tag import TAG_LENGTH
from app.schemas.base import (
    CONTROL_CHARACTERS,
    NO_CONTROL_CHARACTERS,
    TRIMMED,
    PublicSchema,
    text,
)

_WORD = re.compile(r"[^\W_]+")


def slug_of(name: str) -> str:
    """The tag's identity and its URL: the name's words (letters and digits, in any
    script), lower-case, joined by "-". "Gluten free", "gluten-free" and "GLUTEN FREE"
    are one tag, gluten-free."""
    return "-".join(_WORD.findall(unicodedata.normalize("NFC", name).lower()))


def _has_a_word(name: str) -> str:
    if not slug_of(name):
        raise ValueError("must contain a letter or digit")
    return name


# One line with a letter or digit in it, told to clients; _has_a_word is the check.
_NAMED = f"^[^{CONTROL_CHARACTERS}]*[^\\W_][^{CONTROL_CHARACTERS}]*$"
TagName = Annotated[
    str,
    text(TAG_LENGTH),
    NO_CONTROL_CHARACTERS,
    TRIMMED,
    Field(json_schema_extra={"pattern": _NAMED}),
    AfterValidator(_has_a_word),
]


class TagPublic(PublicSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Vegan", "slug": "vegan", "recipe_count": 12}]}
    )

    name: str
    slug: str
    recipe_count: int = Field(description="How many recipes have this tag (0 once none has)")
