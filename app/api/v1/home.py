"""The HTML home page: the latest recipes, a search box and pages, over the same data layer."""

from math import ceil
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import StringConstraints
from sqlalchemy.orm import joinedload

from app import crud
from app.api.deps import SessionDep
from app.core.config import settings
from app.models import Recipe
from app.schemas.base import MAX_OFFSET, NO_CONTROL_CHARACTERS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

router = APIRouter(tags=["home"], include_in_schema=False)

PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), NO_CONTROL_CHARACTERS
]


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(
    request: Request,
    db: SessionDep,
    q: Annotated[SearchText, Query(description="Search text")] = "",
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // PAGE_SIZE)] = 1,
) -> HTMLResponse:
    """The latest recipes, newest first, or those matching a search."""
    offset = (page - 1) * PAGE_SIZE
    with_submitter = [joinedload(Recipe.submitter)]
    if q:
        recipes = crud.recipe.search(
            db, keyword=q, offset=offset, limit=PAGE_SIZE, options=with_submitter
        )
        total = crud.recipe.count_search(db, keyword=q)
    else:
        recipes = crud.recipe.get_multi(db, offset=offset, limit=PAGE_SIZE, options=with_submitter)
        total = crud.recipe.count(db)
    pages = max(1, ceil(total / PAGE_SIZE))

    def page_url(number: int) -> str:
        params = {"q": q, "page": number} if q else {"page": number}
        # Root-relative, so links stay right behind a proxy that rewrites the host.
        return f"{request.url_for('home').path}?{urlencode(params)}"

    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "title": settings.PROJECT_NAME,
            "recipes": recipes,
            "total": total,
            "q": q,
            "page": page,
            "pages": pages,
            # Past the last page, "newer" leads back to the last page that has recipes.
            "prev_url": page_url(min(page - 1, pages)) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None,
        },
    )
