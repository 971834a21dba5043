"""The HTML home page: the latest recipes, a search box and pages, over the same data layer."""

import functools
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import StringConstraints
from sqlalchemy.orm import joinedload
from starlette.applications import Starlette

from app import crud
from app.api.deps import SessionDep
from app.api.routing import APIRouter
from app.api.v1.paging import MAX_API_OFFSET
from app.core.config import settings
from app.models import Recipe
from app.schemas.base import NO_CONTROL_CHARACTERS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# The templates ship with the code: no need to stat their files on every render.
templates.env.auto_reload = False

router = APIRouter(tags=["home"], include_in_schema=False)

PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
# Pages are numbered (OFFSET), as deep as the API's offsets go; a search finds the rest.
LAST_PAGE = MAX_API_OFFSET // PAGE_SIZE
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), NO_CONTROL_CHARACTERS
]


def site_links(request: Request) -> dict[str, str]:
    """The pages' links to the site itself: root-relative, so they stay right behind a
    proxy that rewrites the host, and under its root_path."""
    root = request.scope.get("root_path", "")
    return {name: root + path for name, path in _route_paths(request.app).items()}


@functools.cache
def _route_paths(app: Starlette) -> dict[str, str]:
    # Looked up once per app: the router finds a name by trying every route, and a page
    # asking four times cost more than rendering the rest of it.
    return {
        "home": app.url_path_for("home"),
        "docs": app.url_path_for("swagger_ui_html"),
        "stylesheet": app.url_path_for("static", path="style.css"),
    }


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(
    request: Request,
    db: SessionDep,
    q: Annotated[SearchText, Query(description="Search text")] = "",
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> HTMLResponse:
    """The latest recipes, newest first, or those matching a search."""
    # Whether another page follows is told by one row more than a page (get_window reads
    # one too). Nothing is counted: counting every match is the slow part of a page at scale.
    offset = (page - 1) * PAGE_SIZE
    with_submitter = [joinedload(Recipe.submitter)]
    if q:
        found = crud.recipe.search(
            db, keyword=q, offset=offset, limit=PAGE_SIZE + 1, options=with_submitter
        )
        recipes, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    else:
        window = crud.recipe.get_window(db, offset=offset, limit=PAGE_SIZE, options=with_submitter)
        recipes, more = window.items, window.next is not None

    links = site_links(request)

    def page_url(number: int) -> str:
        params = {"q": q, "page": number} if q else {"page": number}
        return f"{links['home']}?{urlencode(params)}"

    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "title": settings.PROJECT_NAME,
            "links": links,
            "recipes": recipes,
            "q": q,
            "page": page,
            # Past the end, "newer" leads back to the first page.
            "prev_url": page_url(page - 1 if recipes else 1) if page > 1 else None,
            "next_url": page_url(page + 1) if more and page < LAST_PAGE else None,
        },
    )
