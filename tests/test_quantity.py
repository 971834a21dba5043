"""Ingredient quantities: what parses, to which exact value, and how it is written back."""

import re
import sys
from fractions import Fraction

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.schemas.quantity import (
    MAX_DENOMINATOR,
    MAX_QUANTITY,
    QUANTITY_LENGTH,
    QUANTITY_PATTERN,
    VULGAR_FRACTIONS,
    Quantity,
    format_quantity,
    parse_quantity,
)

QUANTITY = TypeAdapter(Quantity)
# As a client reads the document: ECMA-262 regexes, where $ is the very end.
SCHEMA = jsonschema_rs.validator_for(QUANTITY.json_schema())

ACCEPTED = {
    "2": "2",
    "0.5": "1/2",
    ".5": "1/2",
    "3/4": "3/4",
    "1 1/2": "1 1/2",
    "1  1/2": "1 1/2",
    "1½": "1 1/2",
    "1 ½": "1 1/2",
    "½": "1/2",
    "⅐": "1/7",
    "2⅔": "2 2/3",
    "1⁄2": "1/2",
    "3 1⁄4": "3 1/4",
    "0.25": "1/4",
    "1.50": "1 1/2",
    " 3 ": "3",
    "2/4": "1/2",
    "4/2": "2",
    "2/20000": "1/10000",
    "0 1/2": "1/2",
    "100000": "100000",
    "0.0001": "1/10000",
    "99999.9999": "99999 9999/10000",
}
# The pattern refuses these too.
MALFORMED = [
    "", "  ", "abc", "-1", "-1/2", "+1", "1e400", "inf", "nan", "1,5", "1 1/2/3", "3/2 1",
    "1.00001", "2.", "1 / 2", "1/2½", "½½", "１", "𝟏", "1\u00a0", "\t3", "3\n", "⅟", "↉", "0x10",
    "0", "00", "0.0", ".0000", "0/5", "1/0", "1 1/0", "0 0/1",
]  # fmt: skip
# Well formed, out of bounds the pattern cannot tell.
OUT_OF_BOUNDS = ["1 3/2", "100001", "100000.0001", "1/10001", "3/30003"]  # fmt: skip


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED.items())
def test_an_accepted_quantity_is_written_back_in_canonical_form(text: str, canonical: str) -> None:
    value = parse_quantity(text)

    assert format_quantity(value) == canonical
    assert parse_quantity(canonical) == value
    assert QUANTITY.validate_json(f'"{text}"') == value
    assert QUANTITY.dump_json(value).decode() == f'"{canonical}"'


def test_values_are_exact() -> None:
    assert parse_quantity("1/3") * 3 == 1
    assert [parse_quantity(char) for char in "⅓⅑⅒⅞"] == [
        Fraction(1, 3),
        Fraction(1, 9),
        Fraction(1, 10),
        Fraction(7, 8),
    ]


@pytest.mark.parametrize("text", MALFORMED + OUT_OF_BOUNDS + ["1" * (QUANTITY_LENGTH + 1)])
def test_a_refused_quantity_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)
    with pytest.raises(ValidationError):
        QUANTITY.validate_python(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must not be empty: write a whole number"),
        ("abc", "must be a quantity: write a whole number (2), a decimal"),
        ("-1", "must be more than 0"),
        ("1,5", "point"),
        ("１", "digits 0-9"),
        ("1.00001", "at most 4 decimal places"),
        ("1/0", "must not divide by 0"),
        ("100001", f"at most {MAX_QUANTITY}"),
        ("1/10001", f"at most {MAX_DENOMINATOR}"),
        pytest.param("1 " * 500_000, f"at most {QUANTITY_LENGTH} characters", id="a megabyte"),
    ],
)
def test_the_error_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_quantity(text)


def test_the_pattern_admits_exactly_the_well_formed_quantities() -> None:
    for text in [*ACCEPTED, *OUT_OF_BOUNDS]:
        assert SCHEMA.is_valid(text) and re.fullmatch(QUANTITY_PATTERN, text), text
    for text in MALFORMED:
        assert not SCHEMA.is_valid(text) and not re.fullmatch(QUANTITY_PATTERN, text), text
    characters = map(chr, range(sys.maxunicode + 1))
    assert {char for char in characters if re.fullmatch(QUANTITY_PATTERN, char)} == set(
        "123456789" + VULGAR_FRACTIONS
    )


def test_the_schema_is_a_bounded_string_with_the_pattern() -> None:
    for mode in ("validation", "serialization"):
        schema = QUANTITY.json_schema(mode=mode)
        assert schema["type"] == "string"
        assert (schema["maxLength"], schema["pattern"]) == (QUANTITY_LENGTH, QUANTITY_PATTERN)


class Line(BaseModel):
    quantity: Quantity | None = None


def test_a_model_takes_text_and_dumps_canonical_text() -> None:
    line = Line.model_validate_json('{"quantity": "1.5"}')

    assert line.quantity == Fraction(3, 2)
    assert line.model_dump() == line.model_dump(mode="json") == {"quantity": "1 1/2"}
    assert Line.model_validate({"quantity": Fraction(1, 3)}).model_dump() == {"quantity": "1/3"}


@pytest.mark.parametrize("body", ['{"quantity": 2}', '{"quantity": 0.5}', '{"quantity": true}'])
def test_a_json_number_is_refused_as_the_schema_says(body: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Line.model_validate_json(body)
    assert caught.value.errors()[0]["loc"] == ("quantity",)
    assert caught.value.errors()[0]["msg"].startswith('Value error, must be text, such as "1 1/2"')


@given(st.text(alphabet="0123456789 ./⁄½¾-,e", max_size=QUANTITY_LENGTH))
def test_any_text_parses_or_is_a_value_error(text: str) -> None:
    try:
        value = parse_quantity(text)
    except ValueError:
        return
    assert re.fullmatch(QUANTITY_PATTERN, text)
    assert parse_quantity(format_quantity(value)) == value


@given(st.fractions(min_value=0, max_value=MAX_QUANTITY, max_denominator=MAX_DENOMINATOR))
def test_every_value_in_bounds_round_trips(value: Fraction) -> None:
    if value > 0:
        assert parse_quantity(format_quantity(value)) == value
