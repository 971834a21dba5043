"""An ingredient written as one line of text ("1 1/2 cups all-purpose flour, sifted"),
read into quantity, unit, food and note: how recipes on the web write their ingredients
(schema.org's recipeIngredient), and how recipe_document writes ours."""

import re
from typing import NamedTuple

from app.schemas.quantity import VULGAR_FRACTIONS, parse_quantity

# Each with its plural and common abbreviations; matched whole, in any case, optionally
# followed by a full stop ("tbsp."). Longer names first, so "fl oz" wins over "fl".
UNITS = (
    "cup cups c tablespoon tablespoons tbsp tbsps tbs tbl teaspoon teaspoons tsp tsps "
    "gram grams g gr kilogram kilograms kg milligram milligrams mg "
    "millilitre millilitres milliliter milliliters ml litre litres liter liters l "
    "decilitre decilitres deciliter deciliters dl centilitre centilitres centiliter "
    "centiliters cl ounce ounces oz fluid_ounce fluid_ounces fl_oz pound pounds lb lbs "
    "pint pints pt quart quarts qt gallon gallons gal "
    "pinch pinches dash dashes drop drops clove cloves can cans tin tins jar jars "
    "package packages pkg packet packets stick sticks slice slices piece pieces "
    "bunch bunches sprig sprigs handful handfuls head heads stalk stalks sheet sheets "
    "bottle bottles bag bags box boxes cube cubes knob knobs"
).split()

_DIGITS = "[0-9]"
_VULGAR = f"[{VULGAR_FRACTIONS}]"
# The forms parse_quantity reads, at the start of a line: a mixed number, a fraction,
# a decimal, a whole number with or without a fraction character, or one alone.
_QUANTITY = (
    rf"{_DIGITS}+ +{_DIGITS}+[/\u2044]{_DIGITS}+"
    rf"|{_DIGITS}+[/\u2044]{_DIGITS}+"
    rf"|{_DIGITS}*\.{_DIGITS}+"
    rf"|{_DIGITS}+ *{_VULGAR}"
    rf"|{_DIGITS}+"
    rf"|{_VULGAR}"
)
_UNIT = "|".join(re.escape(unit).replace("_", " ") for unit in sorted(UNITS, key=len, reverse=True))
# The quantity ends at a space, or runs straight into its unit ("200g"); a unit is a
# whole word. What follows a range ("2-3 cups") is no quantity of ours.
_LINE = re.compile(
    rf"(?P<quantity>{_QUANTITY})(?![0-9.,/\u2044\-\u2013])"
    rf"(?: *(?P<unit>(?:{_UNIT})\.?)(?![^\W_]))?"
    r" *(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_NUMBER_FIRST = re.compile(rf"[0-9.{VULGAR_FRACTIONS}]")
_OF = re.compile(r"of\s+", re.IGNORECASE)
_TRAILING_NOTE = re.compile(r"(?P<food>.*\S)\s*\((?P<note>[^()]*)\)", re.DOTALL)


class IngredientLine(NamedTuple):
    quantity: str | None
    unit: str | None
    food: str
    note: str | None


def _food_and_note(text: str) -> tuple[str, str | None]:
    food, comma, note = text.partition(",")
    if comma and food.strip() and note.strip():
        return food.strip(), note.strip()
    bracketed = _TRAILING_NOTE.fullmatch(text)
    if bracketed is not None and bracketed["note"].strip():
        return bracketed["food"].strip(), bracketed["note"].strip()
    return text.strip(), None


def parse_ingredient_line(line: str) -> IngredientLine:
    """`line` (one line, spaces collapsed) as quantity, unit, food and note. A line that
    does not read that way, or whose quantity parse_quantity refuses (0, a range, too
    large), is kept whole as the food: nothing of it is lost."""
    whole = IngredientLine(None, None, line, None)
    match = _LINE.match(line)
    if match is None:
        # A number we cannot read ("1-2", "1,5") is kept with its line, not split there.
        if _NUMBER_FIRST.match(line):
            return whole
        food, note = _food_and_note(line)
        return IngredientLine(None, None, food, note) if food else whole
    try:
        # Kept as a quantity only if the API takes it as one.
        parse_quantity(match["quantity"])
    except ValueError:
        return whole
    rest = match["rest"]
    if rest.startswith(","):
        return whole
    if match["unit"] is not None:
        rest = _OF.sub("", rest, count=1) if _OF.match(rest) else rest
    food, note = _food_and_note(rest)
    if not food:
        # "2 cloves": the unit is what there are two of.
        if match["unit"] is None or note is not None:
            return whole
        food, unit = match["unit"], None
    else:
        unit = match["unit"]
    return IngredientLine(match["quantity"].strip(), unit, food, note)
