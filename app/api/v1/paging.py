"""Query parameters for paged lists."""

from typing import Annotated

from fastapi import Query

from app.core.config import settings
from app.schemas.base import MAX_OFFSET

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many items to skip")]
Limit = Annotated[
    int, Query(ge=1, le=settings.MAX_PAGE_SIZE, description="How many items to return")
]
