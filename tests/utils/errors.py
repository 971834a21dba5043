"""Reading error responses: every one is an RFC 9457 problem (application/problem+json)."""

from typing import Any

PROBLEM_JSON = "application/problem+json"


def _problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == PROBLEM_JSON, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code, body
    assert {"type", "title", "status", "detail", "instance"} <= set(body), body
    return body


def error_detail(response: Any) -> str:
    """The human message of an error response."""
    detail: str = _problem(response)["detail"]
    return detail


def invalid_fields(response: Any) -> list[str]:
    """For a 422: the name of each invalid field, with its parents and list indexes
    (`ingredients[3].food`)."""
    assert response.status_code == 422, response.text
    return [str(error["field"]) for error in _problem(response)["errors"]]
