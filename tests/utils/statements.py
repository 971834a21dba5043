"""Counting the SQL statements a call sends."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def count_statements(bind: Any, call: Callable[..., object]) -> int:
    """How many statements `call` sends through `bind` (an engine or a connection)."""
    count = 0

    def counter(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(bind, "before_cursor_execute", counter)
    try:
        call()
    finally:
        event.remove(bind, "before_cursor_execute", counter)
    return count
