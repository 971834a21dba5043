"""What every page of the HTML site shares: its templates and their filters, its links
to itself, the route class that marks a page, and an error shown as a page."""

import functools
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.routing import iter_route_contexts
from fastapi.templating import Jinja2Templates
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Scope

from app.api import docs
from app.api.routing import Route
from app.core.config import settings
from app.core.logs import request_id
from app.models import User
from app.schemas.quantity import format_quantity
from app.schemas.tag import slug_of

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# The templates ship with the code: no need to stat their files on every render.
templates.env.auto_reload = False
# JSON-LD keeps its keys in the order the document gives them, and its text readable:
# `tojson` still writes <, >, & and ' as \u escapes, so no text can end the <script>.
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

# The paths of the recipe and tag pages, before the id or slug.
RECIPE_PAGES = "/recipes/"
TAG_PAGES = "/tags/"


class PageRoute(Route):
    """A route that answers with a page of the site. Errors on its path are pages too,
    in the site's layout (app/exception_handlers.py); everything else answers them as
    problem documents."""


def is_page(scope: Scope) -> bool:
    """Whether the request is for a path a page route serves, by any method: a page's
    own errors, but also a 405 or a repeated query parameter refused before routing."""
    app = scope.get("app")
    if app is None:
        return False
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return any(pattern.match(path) for pattern in _page_paths(app))


@functools.cache
def _page_paths(app: Starlette) -> list[re.Pattern[str]]:
    # Found once per app, on its first error, when every route is in place; through
    # included routers, whose prefixes make the paths.
    return [
        compile_path(context.path)[0]
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, PageRoute) and context.path
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
        "docs": docs.SWAGGER_UI,
        "stylesheet": app.url_path_for("static", path="style.css"),
        "icon": app.url_path_for("static", path="icon.svg"),
        "recipe": RECIPE_PAGES,
        "tag": TAG_PAGES,
    }


def duration(minutes: int) -> str:
    """Minutes as a person reads them: "45 min", "1 h", "2 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def iso_duration(minutes: int) -> str:
    """Minutes as an ISO 8601 duration, for <time datetime>: "PT45M", "PT2H30M"."""
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def host(url: str) -> str:
    """Where a link leads, as a person recognises it: the host without "www."."""
    return (urlsplit(url).hostname or url).removeprefix("www.")


_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> list[str]:
    """Text cut at blank lines; a single line break stays inside its paragraph."""
    return [part.strip() for part in _BLANK_LINES.split(text) if part.strip()]


def person(user: User) -> str:
    """How the site names a user, on its pages and as a recipe's author: their names as
    they gave them, else their number; never their email."""
    return " ".join(filter(None, [user.first_name, user.surname])) or f"user {user.id}"


templates.env.filters["duration"] = duration
templates.env.filters["person"] = person
templates.env.filters["host"] = host
templates.env.filters["paragraphs"] = paragraphs
templates.env.filters["slug"] = slug_of
templates.env.filters["iso_duration"] = iso_duration
templates.env.filters["quantity"] = format_quantity

# What a person is told for each status, besides the detail.
_HEADINGS = {
    HTTPStatus.NOT_FOUND: "Page not found",
    HTTPStatus.UNPROCESSABLE_ENTITY: "That address is not quite right",
    HTTPStatus.METHOD_NOT_ALLOWED: "That is not something this page does",
}


def error_page(
    scope: Scope,
    status_code: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
) -> Response:
    """An error as a page of the site, with the status and headers a problem document
    would have had."""
    request = Request(scope)
    status = HTTPStatus(status_code)
    # The id the access log has for this request, something to quote when asking; none
    # outside a request (the context's default).
    rid = request_id.get()
    heading = _HEADINGS.get(status) or (
        "Something went wrong on our side" if status_code >= 500 else status.phrase
    )
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": f"{heading} · {settings.PROJECT_NAME}",
            "site_name": settings.PROJECT_NAME,
            "links": site_links(request),
            "status": status_code,
            "phrase": status.phrase,
            "heading": heading,
            "detail": detail,
            "errors": errors,
            "request_id": rid if status_code >= 500 and rid != "-" else None,
        },
        status_code=status_code,
        headers=dict(headers) if headers else None,
    )
