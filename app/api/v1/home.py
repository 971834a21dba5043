"""The HTML site over the same data layer: the home page (the latest recipes, a search
box, a quick filter and pages), a page for each recipe and one for each tag."""

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Annotated, Any, NamedTuple, TypeVar
from urllib.parse import quote, urlencode

from fastapi import HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import StringConstraints
from sqlalchemy.orm import joinedload

from app import crud
from app.api.deps import SessionDep
from app.api.routing import APIRouter
from app.api.v1.paging import MAX_API_OFFSET
from app.api.v1.site import (
    RECIPE_PAGES,
    TAG_PAGES,
    PageRoute,
    person,
    site_links,
    templates,
)
from app.core.config import settings
from app.exceptions import InvalidInput
from app.models import Recipe, User
from app.models.tag import SLUG_LENGTH
from app.schemas import RecipePublic
from app.schemas.base import NO_CONTROL_CHARACTERS, Id
from app.schemas.recipe import MAX_MINUTES, MAX_SERVINGS, IngredientPublic, StepPublic
from app.schemas.schema_org import recipe_document
from app.schemas.tag import slug_of

router = APIRouter(tags=["site"], include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
# Pages are numbered (OFFSET), as deep as the API's offsets go; a search finds the rest.
LAST_PAGE = MAX_API_OFFSET // PAGE_SIZE
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), NO_CONTROL_CHARACTERS
]
PageNumber = Annotated[int, Query(ge=1, le=LAST_PAGE)]
# The quick filter: the API's filter of the same name, offered at these times.
QUICK_MINUTES = (15, 30, 60)
MaxMinutes = Annotated[
    int | None, Query(ge=1, le=MAX_MINUTES, description="Ready in at most this many minutes")
]
# What the scaler offers besides multiples of the recipe's own servings.
COMMON_SERVINGS = (1, 2, 4, 6, 8, 12)
MULTIPLES = (("½×", 1, 2), ("1×", 1, 1), ("2×", 2, 1), ("3×", 3, 1))


class Choice(NamedTuple):
    """A link among others of which one is the page shown (quick filter, scaler)."""

    label: str
    url: str
    current: bool


def _query_url(path: str, params: dict[str, Any]) -> str:
    shown = {name: value for name, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(shown)}" if shown else path


def _listing(
    request: Request,
    template: str,
    *,
    here: str,
    recipes: Sequence[Recipe],
    more: bool,
    page: int,
    params: dict[str, Any],
    quick: bool,
    **context: Any,
) -> HTMLResponse:
    """A page of recipe cards at `here`: its newer/older links keep `params`, and
    `quick` offers the quick filter, which replaces params' max_total_minutes."""

    def page_url(number: int) -> str:
        return _query_url(here, {**params, "page": number})

    chosen = params.get("max_total_minutes")
    quick_links = (
        [Choice("Any time", _query_url(here, {}), chosen is None)]
        + [
            Choice(f"{n} min", _query_url(here, {"max_total_minutes": n}), chosen == n)
            for n in QUICK_MINUTES
        ]
        if quick
        else []
    )
    return templates.TemplateResponse(
        request,
        template,
        {
            "site_name": settings.PROJECT_NAME,
            "links": site_links(request),
            "recipes": recipes,
            "page": page,
            "max_minutes": chosen,
            "quick_links": quick_links,
            # Past the end, "newer" leads back to the first page.
            "prev_url": page_url(page - 1 if recipes else 1) if page > 1 else None,
            "next_url": page_url(page + 1) if more and page < LAST_PAGE else None,
            **context,
        },
    )


# Each card names its submitter; the tags come with the list (crud.recipe.listed).
_WITH_SUBMITTER = [joinedload(Recipe.submitter)]


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(
    request: Request,
    db: SessionDep,
    q: Annotated[SearchText, Query(description="Search text")] = "",
    page: PageNumber = 1,
    max_total_minutes: MaxMinutes = None,
) -> HTMLResponse:
    """The latest recipes, newest first, or those matching a search."""
    # Whether another page follows is told by one row more than a page (get_window reads
    # one too). Nothing is counted: counting every match is the slow part of a page at scale.
    offset = (page - 1) * PAGE_SIZE
    if q:
        # A search ranks every match inside the engine's index and takes no filters, so
        # the quick filter applies to the list alone.
        found = crud.recipe.search(
            db, keyword=q, offset=offset, limit=PAGE_SIZE + 1, options=_WITH_SUBMITTER
        )
        recipes, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
        params: dict[str, Any] = {"q": q}
    else:
        window = crud.recipe.get_window(
            db,
            filters={"max_total_minutes": max_total_minutes},
            offset=offset,
            limit=PAGE_SIZE,
            options=_WITH_SUBMITTER,
        )
        recipes, more = window.items, window.next is not None
        params = {"max_total_minutes": max_total_minutes}
    return _listing(
        request,
        "index.html",
        here=site_links(request)["home"],
        recipes=recipes,
        more=more,
        page=page,
        params=params,
        quick=not q,
        title=settings.PROJECT_NAME,
        q=q,
    )


@router.api_route(TAG_PAGES + "{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def tag_page(
    request: Request,
    db: SessionDep,
    slug: Annotated[str, Path(max_length=SLUG_LENGTH)],
    page: PageNumber = 1,
    max_total_minutes: MaxMinutes = None,
) -> Response:
    """The recipes with one tag, newest first."""
    tag = crud.tag.get_by_slug(db, slug_of(slug))
    if tag is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no tag {slug!r}")
    links = site_links(request)
    here = links["tag"] + quote(tag.slug)
    if tag.slug != slug:
        # /tags/Gluten%20Free is /tags/gluten-free: one address per tag.
        return RedirectResponse(here, status.HTTP_308_PERMANENT_REDIRECT)
    window = crud.recipe.get_window(
        db,
        filters={"tag": [tag.slug], "max_total_minutes": max_total_minutes},
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        options=_WITH_SUBMITTER,
    )
    return _listing(
        request,
        "tag.html",
        here=here,
        recipes=window.items,
        more=window.next is not None,
        page=page,
        params={"max_total_minutes": max_total_minutes},
        quick=True,
        title=f"{tag.name} · {settings.PROJECT_NAME}",
        tag=tag,
    )


T = TypeVar("T", IngredientPublic, StepPublic)


class Section(NamedTuple):
    """A run of ingredients or steps under one heading (None: no heading), and the
    number of its first step."""

    name: str | None
    start: int
    items: list[Any]


def sections(items: Iterable[T]) -> list[Section]:
    """`items` cut where the section changes, in their order: a section named twice
    apart is shown twice, as the recipe wrote it."""
    found: list[Section] = []
    start = 1
    for name, group in groupby(items, key=lambda item: item.section):
        run = list(group)
        found.append(Section(name, start, run))
        start += len(run)
    return found


def scaler(own: int, shown: int, here: str) -> tuple[list[Choice], list[Choice]]:
    """Links to the recipe for other numbers of servings: multiples of its own, then
    common counts, with the number shown among them. Its own number links to the page
    itself, unscaled."""

    def choice(label: str, servings: int) -> Choice:
        params = {} if servings == own else {"servings": servings}
        return Choice(label, _query_url(here, params), servings == shown)

    multiples = [
        choice(label, own * times // per)
        for label, times, per in MULTIPLES
        if own * times % per == 0 and own * times // per <= MAX_SERVINGS
    ]
    counts = [choice(str(n), n) for n in sorted({*COMMON_SERVINGS, own, shown})]
    return multiples, counts


@router.api_route(
    RECIPE_PAGES + "{recipe_id}", methods=["GET", "HEAD"], response_class=HTMLResponse
)
def recipe_page(
    request: Request,
    db: SessionDep,
    recipe_id: Annotated[Id, Path(description="The recipe's id")],
    servings: Annotated[
        int | None, Query(ge=1, le=MAX_SERVINGS, description="Scale the recipe to feed this many")
    ] = None,
) -> HTMLResponse:
    """One recipe, its quantities scaled to `servings` if asked."""
    recipe = crud.recipe.get_or_raise(db, recipe_id)
    public = RecipePublic.model_validate(recipe)
    if servings is not None and public.servings is None:
        raise InvalidInput(
            "servings", f"recipe {recipe_id} does not say how many it serves, so cannot be scaled"
        )
    shown = public.scaled(servings) if servings is not None else public
    submitter = db.get_one(User, recipe.submitter_id)
    links = site_links(request)
    here = links["recipe"] + str(recipe.id)
    # The recipe as written, whatever the servings shown: the page's canonical address
    # and the document the API gives for Accept: application/ld+json.
    document = recipe_document(
        public,
        author=person(submitter),
        url=str(request.url_for("recipe_page", recipe_id=recipe.id)),
    )
    own = public.servings
    multiples, counts = scaler(own, shown.servings or own, here) if own else ([], [])
    return templates.TemplateResponse(
        request,
        "recipe.html",
        {
            "title": f"{public.label} · {settings.PROJECT_NAME}",
            "site_name": settings.PROJECT_NAME,
            "links": links,
            "recipe": shown,
            "own_servings": public.servings,
            "here": here,
            "submitter": person(submitter),
            "ingredients": sections(shown.ingredients),
            "steps": sections(shown.steps),
            "multiples": multiples,
            "counts": counts,
            "document": document,
        },
    )
