"""Ingredient quantities: exact fractions, sent and returned as text ("1 1/2")."""

import re
import unicodedata
from fractions import Fraction
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

# The model stores numerator and denominator in 32-bit INTEGER columns: with these
# bounds a numerator is at most 1e9.
MAX_QUANTITY = 100_000
MAX_DENOMINATOR = 10_000
QUANTITY_LENGTH = 20

# ¼ ½ ¾ and U+2150 to U+215E (⅐ to ⅞); not ⅟ or ↉, which are no amount on their own.
VULGAR_FRACTIONS = "¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
# unicodedata.numeric gives a float (0.333...); every denominator here is at most 10.
_VULGAR_VALUES = {
    char: Fraction(unicodedata.numeric(char)).limit_denominator(10) for char in VULGAR_FRACTIONS
}
FRACTION_SLASH = "\u2044"

# The syntax parse_quantity reads (its bounds come after): ECMA-262 as JSON Schema reads
# it and Python's re alike, with escapes so that ⁄ is not mistaken for /. No two
# alternatives share more than a run of digits: a match never backtracks far.
_SYNTAX = (
    r"^ *(?:[0-9]*\.[0-9]{1,4}"
    r"|[0-9]+(?:(?: +[0-9]+)?[/\u2044][0-9]+)?"
    r"|(?:[0-9]+ *)?[\u00bc-\u00be\u2150-\u215e]) *$"
)
_QUANTITY = re.compile(_SYNTAX)
# What the OpenAPI document tells clients: the same syntax without the forms that are
# never more than 0 or divide by 0 ("0", "0.00", "0/5", "1/0"). The other bounds
# (MAX_QUANTITY, MAX_DENOMINATOR, a mixed number's fraction below 1) are in words.
_ABOVE_0 = r"[0-9]*[1-9][0-9]*"
_DECIMAL_ABOVE_0 = (
    rf"(?:{_ABOVE_0}\.[0-9]{{1,4}}"
    r"|0*\.(?:[1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))"
)
QUANTITY_PATTERN = (
    rf"^ *(?:{_DECIMAL_ABOVE_0}"
    rf"|{_ABOVE_0}|(?:[0-9]+ +)?{_ABOVE_0}[/\u2044]{_ABOVE_0}"
    r"|(?:[0-9]+ *)?[\u00bc-\u00be\u2150-\u215e]) *$"
)

_ACCEPTED = (
    "write a whole number (2), a decimal with at most 4 places (0.5), a fraction (3/4), "
    "a mixed number (1 1/2) or a fraction character (½, 1½)"
)
_TOO_PRECISE = re.compile(r" *[0-9]*\.[0-9]{5,} *")


def _syntax_error(text: str) -> str:
    """What is wrong with `text`, which the pattern refuses."""
    if not text.strip(" "):
        return f"must not be empty: {_ACCEPTED}"
    if text.lstrip(" ").startswith("-") and _QUANTITY.fullmatch(text.replace("-", "", 1)):
        return "must be more than 0"
    if _TOO_PRECISE.fullmatch(text):
        return "must have at most 4 decimal places"
    if "," in text:
        return f"must use a point for decimals (1.5), not a comma: {_ACCEPTED}"
    if any(c.isnumeric() and not c.isascii() and c not in _VULGAR_VALUES for c in text):
        return f"must be written with the digits 0-9: {_ACCEPTED}"
    return f"must be a quantity: {_ACCEPTED}"


def _check(value: Fraction) -> Fraction:
    if value <= 0:
        raise ValueError("must be more than 0")
    if value > MAX_QUANTITY:
        raise ValueError(f"must be at most {MAX_QUANTITY}")
    if value.denominator > MAX_DENOMINATOR:
        raise ValueError(
            f"must be a fraction whose denominator, once reduced, is at most {MAX_DENOMINATOR}"
        )
    return value


def parse_quantity(text: str) -> Fraction:
    """The exact value of a quantity written as `QUANTITY_PATTERN` admits, with spaces
    around it; ValueError, saying why, for anything else or out of bounds."""
    # The length first: nothing longer reaches int() or the regex.
    if len(text) > QUANTITY_LENGTH:
        raise ValueError(f"must be at most {QUANTITY_LENGTH} characters")
    if not _QUANTITY.fullmatch(text):
        raise ValueError(_syntax_error(text))
    quantity = text.strip(" ").replace(FRACTION_SLASH, "/")
    if quantity[-1] in _VULGAR_VALUES:
        whole = quantity[:-1].rstrip(" ")
        return _check(int(whole or "0") + _VULGAR_VALUES[quantity[-1]])
    if "/" not in quantity:
        return _check(Fraction(quantity))
    head, _, denominator = quantity.partition("/")
    *whole_part, numerator = head.split()
    if int(denominator) == 0:
        raise ValueError("must not divide by 0")
    fraction = Fraction(int(numerator), int(denominator))
    if whole_part and not 0 < fraction < 1:
        raise ValueError("must have a fraction between 0 and 1 after the whole number (2 1/2)")
    return _check(int(whole_part[0]) + fraction if whole_part else fraction)


def format_quantity(value: Fraction) -> str:
    """The canonical text of `value`: "3", "1/3" or "1 1/2"."""
    # On the numerator and denominator: arithmetic on Fractions makes new ones, at a
    # few microseconds each, for every line of every recipe sent.
    numerator, denominator = value.numerator, value.denominator
    sign = "-" if numerator < 0 else ""
    whole, rest = divmod(abs(numerator), denominator)
    if not rest:
        return f"{sign}{whole}"
    if not whole:
        return f"{sign}{rest}/{denominator}"
    return f"{sign}{whole} {rest}/{denominator}"


def _validate(value: object) -> Fraction:
    # Text only, as the schema says: a JSON number arrives as a float, and str() of one
    # can be "1e-05" or "0.30000000000000004". A Fraction (built in Python) gets the
    # same bounds as text.
    if isinstance(value, Fraction):
        return _check(value)
    if not isinstance(value, str):
        raise ValueError(f'must be text, such as "1 1/2": {_ACCEPTED}')
    return parse_quantity(value)


# An amount, exact: read from text by parse_quantity, written back as format_quantity's
# canonical text. Errors are ValueErrors, so a 422 names the field.
Quantity = Annotated[
    Fraction,
    PlainValidator(_validate),
    PlainSerializer(format_quantity, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            # Our own format name: the bounds below are more than a pattern can say.
            "format": "quantity",
            "maxLength": QUANTITY_LENGTH,
            "pattern": QUANTITY_PATTERN,
            "description": (
                f"An exact amount, more than 0 and at most {MAX_QUANTITY}: a whole number, a "
                "decimal with at most 4 places, a fraction, a mixed number or one with a "
                f"fraction character (1½). Its denominator, reduced, is at most {MAX_DENOMINATOR}."
                ' Returned in canonical form: "3", "1/3", "1 1/2"'
            ),
            "examples": ["1 1/2"],
        }
    ),
]
