"""Conditional requests on one stored row (RFC 9110, section 13).

A row's ETag is its version column, which every UPDATE bumps. A client that read a row
sends its ETag back in `If-Match` when it writes; if someone else has changed the row
since, the write is refused with 412 instead of silently overwriting their change.
`If-None-Match` on a read answers 304 when the client's copy is still current.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.crud.base import CRUDBase
from app.exceptions import NotModified, PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        description="Apply only if the stored ETag is one of these (or `*`); otherwise 412. "
        'Example: `"3"`.'
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(description="Answer 304 with no body if the stored ETag is one of these."),
]


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


def etag(obj: Versioned) -> str:
    return f'"{obj.version}"'


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def check_if_match(header: str | None, obj: Versioned, what: str) -> None:
    """Raise PreconditionFailed unless `header` is absent, `*` or names `obj`'s ETag.

    Strong comparison: a weak tag (W/"3") never matches, as RFC 9110 asks for writes.
    """
    if header is None:
        return
    current = etag(obj)
    tags = _tags(header)
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            f"If-Match {header} does not match the {what}'s current ETag {current}: "
            "it has changed since you read it; fetch it again"
        )


def check_if_none_match(header: str | None, obj: Versioned) -> None:
    """Raise NotModified if `header` is `*` or names `obj`'s ETag (weak comparison)."""
    if header is None:
        return
    current = etag(obj)
    tags = {tag.removeprefix("W/") for tag in _tags(header)}
    if "*" in tags or current in tags:
        raise NotModified(current)


VersionedT = TypeVar("VersionedT", bound=Versioned)


def update_if_match(
    db: Session,
    crud: CRUDBase[Any, Any, Any],
    db_obj: VersionedT,
    obj_in: BaseModel | Mapping[str, Any],
    *,
    if_match: str | None,
    response: Response,
) -> VersionedT:
    """`crud.update`, if `if_match` allows it; the response carries the new ETag."""
    check_if_match(if_match, db_obj, crud.name)
    updated: VersionedT = crud.update(db, db_obj=db_obj, obj_in=obj_in)
    response.headers["ETag"] = etag(updated)
    return updated
