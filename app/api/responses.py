"""Error responses, declared once so every operation documents what it can answer.

Each is a ProblemDetail; app/api/openapi.py files them under application/problem+json,
the media type app/exception_handlers.py sends them with.
"""

from typing import Any

from app.schemas.base import ProblemDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ProblemDetail, "description": description}


Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: _error("No object with that id")}
# Every route that needs a signed-in user can answer 401; those only some users may
# use, 403 as well.
SIGNED_IN: Responses = {401: _error("Not signed in, or the access token is invalid or expired")}
PERMISSION: Responses = SIGNED_IN | {
    403: _error("Signed in, but not allowed: not yours, or not a superuser")
}
CONFLICT: Responses = {409: _error("Conflicts with stored data")}
# Every route with a rate limit (app/api/ratelimit.py); its counts may live in Redis.
RATE_LIMITED: Responses = {
    429: _error(
        "Too many attempts for this account or from this address; retry after the Retry-After delay"
    ),
    503: _error(
        "The database, or the store of the rate limits, is unavailable; retry after the "
        "Retry-After delay"
    ),
}
# Reads of one row answer 304 to a matching If-None-Match; writes 412 to a stale If-Match.
NOT_MODIFIED: Responses = {
    304: {"description": "Not modified: If-None-Match names the current ETag (no body)"}
}
PRECONDITION: Responses = {
    412: _error("If-Match does not name the current ETag: changed since it was read")
}
# Every route that takes a JSON body can answer these.
JSON_BODY: Responses = {
    400: _error("Request body could not be read (e.g. not UTF-8)"),
    413: _error("Request body larger than MAX_REQUEST_BODY_BYTES"),
    415: _error("Request body is not JSON"),
}
# The login form (URL-encoded, as OAuth2 sends it).
FORM_BODY: Responses = JSON_BODY | {
    415: _error("Request body is not application/x-www-form-urlencoded")
}
# Every route that takes parameters or a body: FastAPI's own 422 has another shape.
INVALID_INPUT: Responses = {422: _error("Invalid input; `errors` names each invalid field")}
# Every route that reads or writes the database can answer this.
DATABASE: Responses = {
    503: _error("The database is unavailable; retry after the Retry-After delay")
}
# Password recovery and reset, on a server without SMTP settings.
RECOVERY_OFF: Responses = {
    501: _error("Password recovery is not configured: the server has no SMTP settings")
}
# A reset token that cannot be used, like a wrong current password (403).
RESET_REFUSED: Responses = {403: _error("The reset token is invalid, expired or already used")}

# Routes that check or hash a password (app/core/hashing.py) can also be too busy.
HASHING: Responses = {
    503: _error(
        "The database is unavailable, or too many password checks are waiting "
        "(HASH_QUEUE_LIMIT); retry after the Retry-After delay"
    )
}
# Sign-in and sign-up: rate-limited, and they hash a password.
LIMITED_HASHING: Responses = RATE_LIMITED | {
    503: _error(
        "The database or the store of the rate limits is unavailable, or too many password "
        "checks are waiting (HASH_QUEUE_LIMIT); retry after the Retry-After delay"
    )
}
