"""Error responses, declared once so every operation documents what it can answer."""

from typing import Any

from app.schemas.base import ErrorMessage


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorMessage, "description": description}


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _error("No object with that id")}
# Every route that needs a signed-in user can answer 401; those only some users may
# use, 403 as well.
SIGNED_IN: dict[int | str, dict[str, Any]] = {
    401: _error("Not signed in, or the access token is invalid or expired")
}
PERMISSION: dict[int | str, dict[str, Any]] = SIGNED_IN | {
    403: _error("Signed in, but not allowed: not yours, or not a superuser")
}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _error("Conflicts with stored data")}
# Reads of one row answer 304 to a matching If-None-Match; writes 412 to a stale If-Match.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match names the current ETag (no body)"}
}
PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: _error("If-Match does not name the current ETag: changed since it was read")
}
# Every route that takes a JSON body can answer these.
JSON_BODY: dict[int | str, dict[str, Any]] = {
    413: _error("Request body larger than MAX_REQUEST_BODY_BYTES"),
    415: _error("Request body is not JSON"),
}
# The login form (URL-encoded, as OAuth2 sends it).
FORM_BODY: dict[int | str, dict[str, Any]] = JSON_BODY | {
    415: _error("Request body is not application/x-www-form-urlencoded")
}
# Every route that reads or writes the database can answer this.
DATABASE: dict[int | str, dict[str, Any]] = {
    503: _error("The database is unavailable; retry after the Retry-After delay")
}
