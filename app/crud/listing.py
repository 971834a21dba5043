"""Sorting and keyset positions for lists, the same for every table.

A list's order is a `Sort`: whitelisted columns, each ascending or descending, ending
with the primary key so the order is total. A `Position` is where a page ended (or
began): the sort's values of one row. The next page is the rows after it in that order,
a range read on an index over the sort's columns, however deep the page.
"""

from dataclasses import dataclass
from typing import Any

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
