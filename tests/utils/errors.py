"""What an error response says, read the same way whatever the error format.

Tests assert on error bodies only through these two, so a change of format (e.g. to
RFC 9457 problem details) changes this module and not every test.
"""

from typing import Any


def error_detail(response: Any) -> str:
    """The human message: `detail` when it is a string, else its errors' messages joined."""
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    return "; ".join(str(error["msg"]) for error in detail)


def invalid_fields(response: Any) -> list[str]:
    """For a 422: the field each error names (the last element of its `loc`)."""
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return []
    return [str(error["loc"][-1]) for error in detail]
