"""Query parameters for paged lists: cursor or bounded offset, limit, sort, total; and
the cursors in their links."""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from app.core.config import settings
from app.crud.base import CRUDBase, Window
from app.crud.listing import Position, Sort
from app.exceptions import InvalidInput
from app.schemas.base import Page

# Deeper than this, OFFSET reads and throws away too many rows; cursors go anywhere.
MAX_API_OFFSET = 10_000

Offset = Annotated[
    int,
    Query(
        ge=0,
        # Checked in list_params, whose 422 says what to do instead; told to clients here.
        json_schema_extra={"maximum": MAX_API_OFFSET},
        description=f"How many items to skip, at most {MAX_API_OFFSET}; "
        "to go further follow the `next` link (a cursor), which is as fast on any page",
    ),
]
Limit = Annotated[
    int, Query(ge=1, le=settings.MAX_PAGE_SIZE, description="How many items to return")
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="Where the page starts: from a `next` or `prev` link; "
        "only with the same `sort`, and without `offset`",
    ),
]
IncludeTotal = Annotated[
    bool,
    Query(description="Count every matching item into `total` (slower on long lists)"),
]

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class ListParams:
    """A list request, checked: where it starts, how long, in what order."""

    request: Request
    response: Response
    resource: str
    sort: Sort
    after: Position | None
    offset: int
    limit: int
    include_total: bool

    def fetch(
        self,
        db: Session,
        crud: CRUDBase[Any, Any, Any],
        schema: type[Page[ItemT]],
        filters: Mapping[str, Any],
    ) -> Page[ItemT]:
        """The page of `crud`'s rows matching `filters` that this request asks for."""
        window = crud.get_window(
            db,
            sort=self.sort,
            filters=filters,
            after=self.after,
            offset=self.offset,
            limit=self.limit,
        )
        return self.page(schema, window, lambda: crud.count(db, filters))

    def page(
        self, schema: type[Page[ItemT]], window: Window[Any], total: Callable[[], int]
    ) -> Page[ItemT]:
        """The response body for `window`; its links also go into the Link header."""
        links = {"next": self._url(window.next), "prev": self._url(window.prev)}
        header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
        if header:
            self.response.headers["Link"] = header
        return schema.of(
            window.items,
            total=total() if self.include_total else None,
            offset=self.offset,
            limit=self.limit,
            **links,
        )

    def _url(self, position: Position | None) -> str | None:
        if position is None:
            return None
        params = [
            (key, value)
            for key, value in self.request.query_params.multi_items()
            if key not in ("cursor", "offset")
        ]
        params.append(("cursor", encode_cursor(self.resource, self.sort, position)))
        # Root-relative, so links stay right behind a proxy that rewrites the host.
        return f"{self.request.url.path}?{urlencode(params)}"


def list_params(crud: CRUDBase[Any, Any, Any]) -> Callable[..., Awaitable[ListParams]]:
    """The dependency reading a list's query parameters for `crud`'s table."""
    every_column = crud.sort(",".join(crud.sortable))
    for (name, _), kind in zip(every_column.keys, crud.sort_types(every_column), strict=True):
        if kind not in _CURSOR_TYPES:
            carried = ", ".join(t.__name__ for t in _CURSOR_TYPES)
            raise TypeError(
                f"{crud.name}.{name} is a {kind.__name__}: a cursor carries {carried} values"
            )
    allowed = ", ".join(crud.sortable)
    # What Sort.parse accepts, for the OpenAPI document (the check itself is Sort.parse,
    # whose 422 names the allowed columns).
    column = "-?(" + "|".join(crud.sortable) + ")"
    sort_pattern = f"^{column}(,{column})*$"

    async def dependency(
        request: Request,
        response: Response,
        cursor: Cursor = None,
        offset: Offset = 0,
        limit: Limit = settings.DEFAULT_PAGE_SIZE,
        sort: Annotated[
            str | None,
            Query(
                max_length=200,
                json_schema_extra={"pattern": sort_pattern},
                description=f"Comma-separated columns among {allowed}, '-' before one "
                f"for descending; the id always ends the order. Default: {crud.default_sort}",
            ),
        ] = None,
        include_total: IncludeTotal = False,
    ) -> ListParams:
        if offset > MAX_API_OFFSET:
            raise InvalidInput(
                "offset",
                f"offset is at most {MAX_API_OFFSET}; to go further, follow the `next` "
                "link (a cursor), which is as fast on any page",
            )
        if cursor is not None and offset:
            raise InvalidInput("offset", "offset cannot be combined with a cursor")
        order = crud.sort(sort)
        after = (
            decode_cursor(cursor, crud.name, order, crud.sort_types(order))
            if cursor is not None
            else None
        )
        return ListParams(request, response, crud.name, order, after, offset, limit, include_total)

    return dependency


# Cursors are signed, so a client can neither forge a position nor feed the query
# values of the wrong type; the signature is truncated to keep URLs short.
_SIGNATURE_BYTES = 16
# What a cursor can carry (JSON's, with timestamps as ISO 8601), so what lists sort by.
_CURSOR_TYPES = (datetime, int, str)


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
