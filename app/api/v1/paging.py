"""Query parameters for paged lists: cursor or bounded offset, limit, sort, total."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from app.core.config import settings
from app.crud.base import CRUDBase, Window
from app.crud.listing import Position, Sort, decode_cursor, encode_cursor
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
        return self.page(schema, window, lambda: crud.count_filtered(db, filters))

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
