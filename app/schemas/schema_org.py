"""Recipes as schema.org/Recipe JSON-LD: the document the API and the recipe page give
out (recipe_document), and the reading of one sent in (recipe_from_document)."""

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple, cast

import extruct
import isodate
import lxml.etree
import lxml.html
from pydantic import TypeAdapter, ValidationError
from w3lib.encoding import html_to_unicode

from app.models.ingredient import FOOD_LENGTH, SECTION_LENGTH
from app.models.recipe import DESCRIPTION_LENGTH, LABEL_LENGTH, SOURCE_LENGTH, YIELD_LENGTH
from app.models.tag import TAG_LENGTH
from app.schemas.ingredient_line import parse_ingredient_line
from app.schemas.quantity import format_quantity
from app.schemas.recipe import (
    MAX_INGREDIENTS,
    MAX_MINUTES,
    MAX_SERVINGS,
    MAX_STEPS,
    MAX_TAGS,
    MAX_URL_LENGTH,
    STEP_LENGTH,
    URL_PATTERN,
    IngredientPublic,
    RecipeCreate,
    RecipePublic,
    RecipeUrl,
    StepPublic,
)
from app.schemas.tag import slug_of

CONTEXT = "https://schema.org"

# isodate leaves these two unannotated: typed as we call them.
_format_duration = cast(Callable[[timedelta], str], isodate.duration_isoformat)
_parse_duration = cast(Callable[[str], "timedelta | isodate.Duration"], isodate.parse_duration)

# The durations read, ISO 8601's in days, hours, minutes and seconds, in the forms
# recipes use: any of them is at most MAX_MINUTES, so no schema-valid one is out of
# range. Days alone up to 6, or up to 2 before a time; hours, minutes and seconds with
# two digits (decimals too: PT0.5H); minutes alone up to 10000, seconds alone with five.
# Not months or years, which have no fixed length. ECMA-262 and Python's re alike.
_TWO = r"[0-9]{1,2}(?:[.,][0-9]{1,4})?"
_CLOCK = rf"(?:{_TWO}H(?:{_TWO}M)?(?:{_TWO}S)?|{_TWO}M(?:{_TWO}S)?|{_TWO}S)"
DURATION_PATTERN = (
    rf"^P(?:[0-6]D|[0-2]DT{_CLOCK}|T{_CLOCK}"
    r"|T(?:[0-9]{1,4}(?:[.,][0-9]{1,4})?|10000)M|T[0-9]{1,5}(?:[.,][0-9]{1,4})?S)$"
)
_DURATION = re.compile(DURATION_PATTERN)


def ingredient_text(line: IngredientPublic) -> str:
    """One ingredient as a recipeIngredient line: "1 1/2 cup rye flour, toasted"."""
    quantity = None if line.quantity is None else format_quantity(line.quantity)
    words = " ".join(part for part in (quantity, line.unit, line.food) if part)
    return f"{words}, {line.note}" if line.note else words


def duration(minutes: int) -> str:
    """`minutes` as an ISO 8601 duration (PT1H30M, P1DT2H) that the import reads back:
    in minutes alone (PT4400M) past the forms it reads (DURATION_PATTERN)."""
    text = _format_duration(timedelta(minutes=minutes))
    return text if _DURATION.fullmatch(text) else f"PT{minutes}M"


def _how_to_step(step: StepPublic) -> dict[str, Any]:
    return {"@type": "HowToStep", "text": step.text}


def instructions(steps: list[StepPublic]) -> list[dict[str, Any]]:
    """The steps as HowToSteps, in order; a run of steps of one section as a HowToSection."""
    items: list[dict[str, Any]] = []
    for step in steps:
        if step.section is None:
            items.append(_how_to_step(step))
            continue
        last = items[-1] if items else None
        if last is not None and last["@type"] == "HowToSection" and last["name"] == step.section:
            last["itemListElement"].append(_how_to_step(step))
        else:
            items.append(
                {
                    "@type": "HowToSection",
                    "name": step.section,
                    "itemListElement": [_how_to_step(step)],
                }
            )
    return items


def _recipe_yield(recipe: RecipePublic) -> str | list[str] | None:
    # Google reads a bare number as the servings; the other yields go beside it.
    servings = None if recipe.servings is None else str(recipe.servings)
    if servings is not None and recipe.yield_text is not None:
        return [servings, recipe.yield_text]
    return servings if servings is not None else recipe.yield_text


def _based_on(recipe: RecipePublic) -> str | dict[str, Any] | None:
    # The source's name travels too, as the name of the work the recipe is based on.
    if recipe.source is None:
        return recipe.url
    work: dict[str, Any] = {"@type": "CreativeWork", "name": recipe.source}
    if recipe.url is not None:
        work["url"] = recipe.url
    return work


def recipe_document(recipe: RecipePublic, *, author: str | None, url: str) -> dict[str, Any]:
    """`recipe` as a schema.org/Recipe JSON-LD document, published at `url` by `author`
    (a name, if known). Absent fields are left out, never null."""
    fields: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Recipe",
        "name": recipe.label,
        "image": recipe.image_url,
        "description": recipe.description,
        "author": None if author is None else {"@type": "Person", "name": author},
        "datePublished": recipe.created_at.date().isoformat(),
        "url": url,
        "recipeIngredient": [ingredient_text(line) for line in recipe.ingredients],
        "recipeInstructions": instructions(recipe.steps),
        "recipeYield": _recipe_yield(recipe),
        "prepTime": None if recipe.prep_minutes is None else duration(recipe.prep_minutes),
        "cookTime": None if recipe.cook_minutes is None else duration(recipe.cook_minutes),
        "totalTime": None if recipe.total_minutes is None else duration(recipe.total_minutes),
        "keywords": recipe.tags,
        "isBasedOn": _based_on(recipe),
    }
    return {key: value for key, value in fields.items() if value is not None and value != []}


# Reading a document sent in: the Recipe in it, whatever shape the web gave it, as a
# RecipeCreate. Errors name the Recipe's own fields (recipeIngredient[3]), wherever in
# the document or page the Recipe was.

Path = tuple[str | int, ...]


class FieldProblem(NamedTuple):
    path: Path
    msg: str
    type: str


class InvalidDocument(ValueError):
    """A document that holds no Recipe, or one that RecipeCreate refuses: `problems`
    says what is wrong, by the Recipe's own field names (an empty path: the document)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{_name(p.path)}: {p.msg}" for p in problems))
        self.problems = problems


def _name(path: Path) -> str:
    name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return name.removeprefix(".") or "document"


_SCHEMA_RECIPE = f"{CONTEXT}/Recipe"
_RECIPE_TYPES = frozenset({"Recipe", "schema:Recipe", "http://schema.org/Recipe", _SCHEMA_RECIPE})
# How deep the search for the Recipe goes: pages nest it in a @graph, a WebPage's
# mainEntity or an ItemList, never much deeper.
_MAX_DEPTH = 8


def _is_recipe(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(name, str) and name in _RECIPE_TYPES for name in names)


def find_recipe(document: Any) -> dict[str, Any] | None:
    """The first Recipe node in `document`, breadth first: the document itself, an item
    of a list or a @graph, or a node nested in one (a WebPage's mainEntity)."""
    level: list[Any] = [document]
    for _ in range(_MAX_DEPTH):
        below: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                if _is_recipe(node):
                    return node
                below.extend(node.values())
            elif isinstance(node, list):
                below.extend(node)
        level = below
    return None


def documents_in_page(page: bytes, content_type: str | None) -> list[Any]:
    """The JSON-LD documents and the microdata items of an HTML page, JSON-LD first.
    Its encoding is read as a browser would: BOM, Content-Type's charset, then the
    page's own <meta charset>, else UTF-8."""
    _, text = html_to_unicode(content_type, page)
    try:
        # A parser of its own: lxml's may not be shared between threads.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        tree = lxml.html.fromstring(text.encode(), parser=parser)
    except lxml.etree.ParserError:  # no element at all
        return []
    # One script at a time: extruct drops every JSON-LD script of a page when one does
    # not parse, and pages carry scripts of all sorts.
    documents = [
        item
        for script in tree.xpath('//script[@type="application/ld+json"]')
        for item in extruct.extract(script, syntaxes=["json-ld"], errors="ignore").get(
            "json-ld", []
        )
    ]
    microdata = extruct.extract(tree, syntaxes=["microdata"], uniform=True, errors="ignore")
    return [*documents, *microdata.get("microdata", [])]


_SPACES = re.compile(r"[ \t\n\r\f\v]+")
# Those text may not hold: C0 and C1, but for the line breaks and tabs tidied away.
_CONTROL = r"\x00-\x08\x0e-\x1f\x7f-\x9f"
_CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
_LINE_BREAKS = re.compile(r"\r\n?|\n")
_LINE_SPACES = re.compile(r"[ \t\f\v]+")
_PARAGRAPH_BREAKS = re.compile(r"\n{3,}")
# recipeYield text that says how many it serves: "4", "4 servings", "Serves 4".
_SERVINGS = re.compile(
    r"(?:(?:serves|servings|serving|portions|for)\s*:?\s*)?(?P<count>[0-9]{1,4})"
    r"(?:\s*(?:servings?|portions?|people|persons?))?",
    re.IGNORECASE,
)
_DURATION_ERROR = (
    "must be an ISO 8601 duration of at most 6 days (P2D), or hours, minutes and seconds "
    "of two digits each (PT1H30M, P1DT12H), or minutes (PT1440M)"
)


def _one_line(text: str) -> str:
    """HTML entities decoded, every run of spaces and line breaks one space."""
    return _SPACES.sub(" ", html.unescape(text)).strip()


def _paragraphs(text: str) -> str:
    """HTML entities decoded, lines kept, spaces within a line collapsed, at most one
    blank line between paragraphs."""
    lines = _LINE_BREAKS.split(html.unescape(text))
    joined = "\n".join(_LINE_SPACES.sub(" ", line).strip() for line in lines)
    return _PARAGRAPH_BREAKS.sub("\n\n", joined).strip()


_URL_ADAPTER: TypeAdapter[str] = TypeAdapter(RecipeUrl)


def _items(value: Any, path: Path) -> list[tuple[Path, Any]]:
    """A property's values with their paths: schema.org gives one value or a list."""
    if isinstance(value, list):
        return [((*path, index), item) for index, item in enumerate(value)]
    return [(path, value)]


class _Reader:
    """Reads one Recipe node into RecipeCreate's fields, noting each field's problem and
    where in the node each value came from (to name it if RecipeCreate refuses it).

    Every value present is checked, those not used too (a list's second image, the
    document's url beside isBasedOn's): what is accepted is what the request body's
    schema (IMPORT_SCHEMA) says, no more."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.fields: dict[str, Any] = {}
        # A field left out is named by the property it would have come from.
        self.origin: dict[str, Path] = {"label": ("name",)}
        self.line_origins: list[Path] = []
        self.step_origins: list[Path] = []
        self.tag_origins: list[Path] = []

    def problem(self, path: Path, msg: str, type_: str = "invalid_shape") -> None:
        self.problems.append(FieldProblem(path, msg, type_))

    def set(self, field: str, value: Any, path: Path) -> None:
        if field not in self.fields:
            self.fields[field] = value
            self.origin[field] = path

    def text(self, value: Any, path: Path, limit: int, *, paragraphs: bool = False) -> str | None:
        """`value` as text of at most `limit` characters as sent, entities decoded and
        spaces tidied; None, with a problem noted, for anything else."""
        if not isinstance(value, str):
            self.problem(path, "must be text", "string_type")
            return None
        if _CONTROL_CHARACTERS.search(value):
            self.problem(path, "must not contain control characters (but for line breaks)")
            return None
        if len(value) > limit:
            self.problem(path, f"must be at most {limit} characters", "string_too_long")
            return None
        return _paragraphs(value) if paragraphs else _one_line(value)

    def url(self, field: str, value: Any, path: Path) -> None:
        """An http(s) URL, checked as RecipeCreate checks one, used or not."""
        # Entities too: pages often escape & in URLs as &amp;.
        text = self.text(value, path, MAX_URL_LENGTH)
        if text is None:
            return
        try:
            _URL_ADAPTER.validate_python(text)
        except ValidationError as exc:
            self.problem(path, exc.errors()[0]["msg"], exc.errors()[0]["type"])
            return
        self.set(field, text, path)

    def read(self, node: dict[str, Any]) -> None:
        if "name" in node:
            label = self.text(node["name"], ("name",), LABEL_LENGTH)
            if label is not None:
                self.set("label", label, ("name",))
        if "description" in node:
            path: Path = ("description",)
            description = self.text(node["description"], path, DESCRIPTION_LENGTH, paragraphs=True)
            if description:
                self.set("description", description, path)
        if "image" in node:
            self.read_image(node["image"], ("image",))
        self.read_source(node)
        if "recipeYield" in node:
            self.read_yield(node["recipeYield"], ("recipeYield",))
        self.read_times(node)
        if "recipeIngredient" in node:
            self.read_ingredients(node["recipeIngredient"], ("recipeIngredient",))
        if "recipeInstructions" in node:
            self.read_steps(node["recipeInstructions"], ("recipeInstructions",))
        if "keywords" in node:
            self.read_keywords(node["keywords"], ("keywords",))

    def read_image(self, value: Any, path: Path) -> None:
        """A URL, an ImageObject (its url, else its contentUrl), or a list of them: the
        first. Later ones are not read at all: pages list crops of every size there."""
        if isinstance(value, list):
            if value:
                self.read_image_item(value[0], (*path, 0))
        else:
            self.read_image_item(value, path)

    def read_image_item(self, value: Any, path: Path) -> None:
        if isinstance(value, dict):
            if "url" not in value and "contentUrl" not in value:
                self.problem(path, "an ImageObject must have a url or a contentUrl")
            for key in ("url", "contentUrl"):
                if key in value:
                    self.url("image_url", value[key], (*path, key))
        else:
            self.url("image_url", value, path)

    def read_source(self, node: dict[str, Any]) -> None:
        """isBasedOn (a URL, or a work with a url and a name; of a list, the first) is
        where the recipe comes from; without one, the document's own url. The source's
        name is the work's name, else the publisher's (a name, or an Organization's)."""
        if "isBasedOn" in node:
            self.read_based_on(node["isBasedOn"], ("isBasedOn",))
        if "url" in node:
            self.url("url", node["url"], ("url",))
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            if "name" in publisher:
                self.source(publisher["name"], ("publisher", "name"))
        elif "publisher" in node:
            self.source(publisher, ("publisher",))

    def read_based_on(self, value: Any, path: Path) -> None:
        if isinstance(value, list):
            if value:
                self.read_based_on_item(value[0], (*path, 0))
        else:
            self.read_based_on_item(value, path)

    def read_based_on_item(self, value: Any, path: Path) -> None:
        if isinstance(value, dict):
            if "url" in value:
                self.url("url", value["url"], (*path, "url"))
            if "name" in value:
                self.source(value["name"], (*path, "name"))
        else:
            self.url("url", value, path)

    def source(self, value: Any, path: Path) -> None:
        name = self.text(value, path, SOURCE_LENGTH)
        if name:
            self.set("source", name, path)

    def read_yield(self, value: Any, path: Path) -> None:
        """A number is the servings; so is text such as "4 servings" or "Serves 4".
        Other text ("Makes 2 loaves") is the yield. Of a list, the first of each."""
        for where, item in _items(value, path):
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int | str):
                self.problem(where, "must be a whole number of servings, or text", "yield_type")
            elif isinstance(item, int):
                if 1 <= item <= MAX_SERVINGS:
                    self.set("servings", item, where)
                else:
                    self.problem(where, f"must be from 1 to {MAX_SERVINGS} servings", "range")
            elif text := self.text(item, where, YIELD_LENGTH):
                servings = _SERVINGS.fullmatch(text)
                if servings is not None and 1 <= int(servings["count"]) <= MAX_SERVINGS:
                    self.set("servings", int(servings["count"]), where)
                else:
                    self.set("yield_text", text, where)

    def duration(self, value: Any, path: Path) -> int | None:
        """An ISO 8601 duration (DURATION_PATTERN) in whole minutes."""
        if not (isinstance(value, str) and _DURATION.fullmatch(value)):
            self.problem(path, _DURATION_ERROR, "duration")
            return None
        parsed = _parse_duration(value)
        assert isinstance(parsed, timedelta)  # no months or years: see the pattern
        return round(parsed.total_seconds() / 60)

    def read_times(self, node: dict[str, Any]) -> None:
        """prepTime and cookTime; totalTime fills in the one missing (both: as cooking),
        so the recipe's total stays what the document says."""
        times: dict[str, tuple[int, Path]] = {}
        for key in ("prepTime", "cookTime", "totalTime"):
            if key in node:
                minutes = self.duration(node[key], (key,))
                if minutes is not None:
                    times[key] = minutes, (key,)
        prep, cook, total = (times.get(key) for key in ("prepTime", "cookTime", "totalTime"))
        if total is not None:
            if prep is None and cook is None:
                cook = total
            elif cook is None and prep is not None and total[0] > prep[0]:
                cook = total[0] - prep[0], total[1]
            elif prep is None and cook is not None and total[0] > cook[0]:
                prep = total[0] - cook[0], total[1]
        if prep is not None:
            self.set("prep_minutes", *prep)
        if cook is not None:
            self.set("cook_minutes", *cook)

    def read_ingredients(self, value: Any, path: Path) -> None:
        """Text lines, each read into quantity, unit, food and note; blank ones skipped."""
        items = _items(value, path)
        if len(items) > MAX_INGREDIENTS:
            self.problem(path, f"must have at most {MAX_INGREDIENTS} lines", "too_long")
            return
        lines: list[dict[str, Any]] = []
        for where, item in items:
            # The whole line may become the food: it must fit there.
            if line := self.text(item, where, FOOD_LENGTH):
                lines.append(parse_ingredient_line(line)._asdict())
                self.line_origins.append(where)
        self.set("ingredients", lines, path)

    def read_steps(self, value: Any, path: Path) -> None:
        """One text (a step a line), or a list of texts, HowToSteps (their text) and
        HowToSections (a name, and their steps in itemListElement); blank steps skipped."""
        steps: list[dict[str, Any]] = []
        if isinstance(value, str):
            for line in _LINE_BREAKS.split(value):
                self.add_step(steps, line, path, None)
        else:
            items = _items(value, path)
            if len(items) > MAX_STEPS:
                self.problem(path, f"must have at most {MAX_STEPS} items", "too_long")
                return
            for where, item in items:
                if isinstance(item, dict) and "itemListElement" in item:
                    self.read_section(steps, item, where)
                else:
                    self.read_step(steps, item, where, None)
        self.set("steps", steps, path)

    def read_section(
        self, steps: list[dict[str, Any]], section: dict[str, Any], path: Path
    ) -> None:
        name = None
        if "name" in section:
            name = self.text(section["name"], (*path, "name"), SECTION_LENGTH) or None
        elements = _items(section["itemListElement"], (*path, "itemListElement"))
        if len(elements) > MAX_STEPS:
            self.problem((*path, "itemListElement"), f"must have at most {MAX_STEPS} items")
            return
        for where, item in elements:
            self.read_step(steps, item, where, name)

    def read_step(
        self, steps: list[dict[str, Any]], item: Any, path: Path, section: str | None
    ) -> None:
        if isinstance(item, dict):
            if "text" not in item:
                self.problem(path, "a HowToStep must have a text")
                return
            item, path = item["text"], (*path, "text")
        self.add_step(steps, item, path, section)

    def add_step(
        self, steps: list[dict[str, Any]], item: Any, path: Path, section: str | None
    ) -> None:
        if text := self.text(item, path, STEP_LENGTH, paragraphs=True):
            steps.append({"text": text, "section": section})
            self.step_origins.append(path)

    def read_keywords(self, value: Any, path: Path) -> None:
        """A list of keywords, or one text of them separated by commas; blank ones, and
        those without a letter or digit, skipped."""
        if isinstance(value, str):
            items = [((*path, index), piece) for index, piece in enumerate(value.split(","))]
        else:
            items = _items(value, path)
        if len(items) > MAX_TAGS:
            self.problem(path, f"must have at most {MAX_TAGS} keywords", "too_long")
            return
        tags: list[str] = []
        for where, item in items:
            text = self.text(item, where, TAG_LENGTH)
            if text and slug_of(text):
                tags.append(text)
                self.tag_origins.append(where)
        self.set("tags", tags, path)

    def origin_of(self, loc: tuple[str | int, ...]) -> tuple[Path, str]:
        """Where in the node the value RecipeCreate refuses at `loc` came from, and the
        part of it (an ingredient line's food, say) if not all of it."""
        field, rest = str(loc[0]), loc[1:]
        lists = {"ingredients": self.line_origins, "steps": self.step_origins}
        lists["tags"] = self.tag_origins
        if field in lists and rest and isinstance(rest[0], int):
            part = ".".join(str(p) for p in rest[1:] if p != "text")
            return lists[field][rest[0]], part
        return self.origin.get(field, (field,)), ""


def recipe_from_document(document: Any) -> RecipeCreate:
    """The first Recipe in `document` (see find_recipe) as a RecipeCreate, its wild
    shapes read as docs/recipes.md ("schema.org") says. InvalidDocument if there is
    none, or if it does not make a valid recipe: each problem names the Recipe's field."""
    node = find_recipe(document)
    if node is None:
        raise InvalidDocument(
            [FieldProblem((), "holds no schema.org Recipe (JSON-LD or microdata)", "no_recipe")]
        )
    reader = _Reader()
    reader.read(node)
    problems = reader.problems
    try:
        recipe = RecipeCreate.model_validate(reader.fields)
    except ValidationError as exc:
        named = {problem.path for problem in problems}
        for error in exc.errors():
            path, part = reader.origin_of(error["loc"])
            if path not in named:
                msg = f"{part}: {error['msg']}" if part else error["msg"]
                problems.append(FieldProblem(path, msg, error["type"]))
    if problems:
        raise InvalidDocument(problems)
    return recipe


# What the import takes, told to clients in the OpenAPI document: the shapes above and
# each value's own bounds. What no schema can say is in words: a Recipe anywhere in a
# @graph or a list, the recipe's total of steps and the bound on its times.
_NO_CONTROL = f"^[^{_CONTROL}]*$"


def _string(max_length: int, pattern: str = _NO_CONTROL, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": pattern, **extra}


def _one_or_list(item: dict[str, Any], max_items: int | None = None) -> dict[str, Any]:
    listed: dict[str, Any] = {"type": "array", "items": item}
    if max_items is not None:
        listed["maxItems"] = max_items
    return {"anyOf": [item, listed]}


def _first_of(item: dict[str, Any]) -> dict[str, Any]:
    # Only the first item is read, so only it is bound.
    return {"anyOf": [item, {"type": "array", "prefixItems": [item]}]}


_URL = _string(MAX_URL_LENGTH, URL_PATTERN, format="uri")
_NAMED = _string(
    LABEL_LENGTH, f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$", description="Not blank"
)
_DURATION_SCHEMA = {
    "type": "string",
    "pattern": DURATION_PATTERN,
    "description": f"ISO 8601, in weeks or days, hours, minutes and seconds; at most "
    f"{MAX_MINUTES} minutes in all",
    "examples": ["PT1H30M"],
}
_STEP = _string(STEP_LENGTH)
_HOW_TO_STEP = {
    "type": "object",
    "properties": {"text": _STEP},
    "required": ["text"],
}
_HOW_TO_SECTION = {
    "type": "object",
    "properties": {
        "name": _string(SECTION_LENGTH),
        "itemListElement": _one_or_list({"anyOf": [_STEP, _HOW_TO_STEP]}, MAX_STEPS),
    },
    "required": ["itemListElement"],
}
_RECIPE_TYPE = {"enum": ["Recipe", "schema:Recipe", "http://schema.org/Recipe", _SCHEMA_RECIPE]}
RECIPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A schema.org/Recipe: the properties read, in the shapes read",
    "properties": {
        "@type": {"anyOf": [_RECIPE_TYPE, {"type": "array", "contains": _RECIPE_TYPE}]},
        "name": _NAMED,
        "description": _string(DESCRIPTION_LENGTH),
        "image": _first_of(
            {
                "anyOf": [
                    _URL,
                    {
                        "type": "object",
                        "properties": {"url": _URL, "contentUrl": _URL},
                        "anyOf": [{"required": ["url"]}, {"required": ["contentUrl"]}],
                    },
                ]
            }
        ),
        "url": _URL,
        "isBasedOn": _first_of(
            {
                "anyOf": [
                    _URL,
                    {
                        "type": "object",
                        "properties": {"url": _URL, "name": _string(SOURCE_LENGTH)},
                    },
                ]
            }
        ),
        "publisher": {
            "anyOf": [
                _string(SOURCE_LENGTH),
                {"type": "object", "properties": {"name": _string(SOURCE_LENGTH)}},
            ]
        },
        "recipeYield": _one_or_list(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": MAX_SERVINGS},
                    _string(YIELD_LENGTH),
                ]
            }
        ),
        "prepTime": _DURATION_SCHEMA,
        "cookTime": _DURATION_SCHEMA,
        "totalTime": _DURATION_SCHEMA,
        "recipeIngredient": _one_or_list(_string(FOOD_LENGTH), MAX_INGREDIENTS),
        "recipeInstructions": {
            "anyOf": [
                {"type": "string", "pattern": _NO_CONTROL, "description": "A step a line"},
                _one_or_list({"anyOf": [_STEP, _HOW_TO_STEP, _HOW_TO_SECTION]}, MAX_STEPS),
            ]
        },
        "keywords": {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": f"^[^,{_CONTROL}]{{0,{TAG_LENGTH}}}"
                    f"(?:,[^,{_CONTROL}]{{0,{TAG_LENGTH}}}){{0,{MAX_TAGS - 1}}}$",
                    "description": "Separated by commas",
                },
                {"type": "array", "items": _string(TAG_LENGTH), "maxItems": MAX_TAGS},
            ]
        },
    },
    "required": ["@type", "name"],
}
IMPORT_SCHEMA: dict[str, Any] = {
    "examples": [
        {
            "@context": CONTEXT,
            "@type": "Recipe",
            "name": "Lentil soup",
            "recipeYield": "4 servings",
            "cookTime": "PT40M",
            "recipeIngredient": ["1 1/2 cups red lentils, rinsed", "1 onion, chopped"],
            "recipeInstructions": [
                {"@type": "HowToStep", "text": "Soften the onion."},
                {"@type": "HowToStep", "text": "Add the lentils and water; simmer."},
            ],
            "keywords": "soup, lentils",
        }
    ],
    "anyOf": [
        RECIPE_SCHEMA,
        {
            "type": "object",
            "properties": {"@graph": {"type": "array", "contains": RECIPE_SCHEMA}},
            "required": ["@graph"],
        },
        {"type": "array", "contains": RECIPE_SCHEMA},
    ],
}
