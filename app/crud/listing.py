"""Sorting, filtering and keyset positions for lists, the same for every table.

A list's order is a `Sort`: whitelisted columns, each ascending or descending, ending
with the primary key so the order is total. A `Position` is where a page ended (or
began): the sort's values of one row. The next page is the rows after it in that order,
a range read on an index over the sort's columns, however deep the page.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.config import settings
from app.exceptions import InvalidInput


@dataclass(frozen=True)
class Sort:
    """Column names with their direction, the last one the primary key."""

    keys: tuple[tuple[str, bool], ...]  # (column, descending)

    @property
    def spec(self) -> str:
        """As the API writes it: `-created_at,-id`."""
        return ",".join(("-" if descending else "") + name for name, descending in self.keys)

    @classmethod
    def parse(cls, spec: str, *, sortable: tuple[str, ...], tie_break: str) -> "Sort":
        """`label,-created_at` against a whitelist; InvalidInput naming `sort` if the
        spec names anything else. The tie-break column follows the first key's direction."""
        keys: list[tuple[str, bool]] = []
        for part in spec.split(","):
            name = part.removeprefix("-")
            if name not in sortable:
                allowed = ", ".join(sortable)
                raise InvalidInput(
                    "sort",
                    f"cannot sort by {part!r}: sort is a comma-separated list of {allowed}, "
                    "each optionally prefixed with '-' for descending",
                )
            if any(name == seen for seen, _ in keys):
                continue  # named again: its first place decides
            keys.append((name, part.startswith("-")))
            if name == tie_break:
                break
        if keys[-1][0] != tie_break:
            keys.append((tie_break, keys[0][1]))
        return cls(tuple(keys))


@dataclass(frozen=True)
class Position:
    """A row's values of the sort's columns; `backwards` for the rows before it."""

    values: tuple[Any, ...]
    backwards: bool = False


# Cursors are signed, so a client can neither forge a position nor feed the query
# values of the wrong type; the signature is truncated to keep URLs short.
_SIGNATURE_BYTES = 16


def encode_cursor(resource: str, sort: Sort, position: Position) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in position.values]
    payload = json.dumps([resource, sort.spec, position.backwards, values], separators=(",", ":"))
    raw = payload.encode()
    return base64.urlsafe_b64encode(raw + _sign(raw)).decode().rstrip("=")


def decode_cursor(cursor: str, resource: str, sort: Sort, types: list[type]) -> Position:
    """The position in `cursor`, checked against the list it is used for; InvalidInput
    naming `cursor` for anything that is not a cursor this service made for it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("cursor", "cursor is not one that this list handed out") from None
    payload, signature = raw[:-_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
    if len(raw) <= _SIGNATURE_BYTES or not hmac.compare_digest(signature, _sign(payload)):
        raise InvalidInput("cursor", "cursor is not one that this list handed out")
    # Signed by us, so well-formed; still checked, since a key may outlive a format.
    try:
        made_for, spec, backwards, values = json.loads(payload)
        if made_for != resource or not isinstance(backwards, bool):
            raise ValueError
        if spec != sort.spec:
            raise InvalidInput(
                "cursor",
                f"cursor was made for sort={spec}, not sort={sort.spec}; send the same sort, "
                "or start again without a cursor",
            )
        if len(values) != len(types):
            raise ValueError
        typed = tuple(_typed(value, kind) for value, kind in zip(values, types, strict=True))
    except (ValueError, TypeError):
        raise InvalidInput("cursor", "cursor is not one that this list handed out") from None
    return Position(typed, backwards)


def _typed(value: object, kind: type) -> Any:
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's timestamps carry their offset")
        return moment
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def _sign(payload: bytes) -> bytes:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"cursor:" + payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
