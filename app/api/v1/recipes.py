import json
import re
from collections.abc import Mapping
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import CurrentUser, SessionDep, SignedInBriefly
from app.api.openapi import links
from app.api.preconditions import (
    IfMatch,
    IfNoneMatch,
    check_if_match,
    check_if_none_match,
    etag,
    update_if_match,
)
from app.api.responses import (
    CONFLICT,
    DATABASE,
    INVALID_INPUT,
    JSON_BODY,
    NOT_FOUND,
    NOT_MODIFIED,
    PERMISSION,
    PRECONDITION,
    SIGNED_IN,
    Responses,
)
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
from app.api.v1.site import person
from app.core.config import settings
from app.exceptions import InvalidInput
from app.models import User
from app.schemas import (
    Page,
    RecipeCreate,
    RecipePublic,
    RecipeSearchResults,
    RecipeSummary,
    RecipeUpdate,
)
from app.schemas.base import Id, ProblemDetail
from app.schemas.recipe import MAX_SERVINGS, Keyword, RecipeListFilters
from app.schemas.schema_org import (
    IMPORT_SCHEMA,
    InvalidDocument,
    documents_in_page,
    recipe_document,
    recipe_from_document,
)

router = APIRouter(prefix="/recipes", tags=["recipes"], responses=DATABASE | INVALID_INPUT)

RecipeId = Annotated[Id, Path(description="The recipe's id")]


@router.get("")
def list_recipes(
    db: SessionDep,
    params: Annotated[ListParams, Depends(list_params(crud.recipe))],
    filters: Annotated[RecipeListFilters, Query()],
) -> Page[RecipeSummary]:
    """List recipes (without their ingredients and steps), newest first unless sorted
    otherwise; `next`/`prev` (and the Link header) lead to the neighbouring pages."""
    chosen = filters.model_dump()
    return params.fetch(db, crud.recipe, Page[RecipeSummary], chosen)


@router.get("/search")
def search_recipes(
    db: SessionDep,
    keyword: Annotated[
        Keyword,
        Query(
            description="Words to look for in label, source, description, ingredients' foods "
            "and tags: each must begin a word there, in any case (and accents, except on "
            "PostgreSQL without unaccent); "
            "anything but letters and digits is ignored, and a keyword without a word is 422"
        ),
    ],
    max_results: Annotated[
        int, Query(ge=1, le=settings.MAX_SEARCH_RESULTS, description="How many matches at most")
    ] = settings.DEFAULT_SEARCH_RESULTS,
) -> RecipeSearchResults:
    """Find recipes matching every word of a keyword, best match first, then the most
    recently added."""
    items = crud.recipe.search(db, keyword=keyword, limit=max_results)
    return RecipeSearchResults(items=[RecipeSummary.model_validate(item) for item in items])


JSON = "application/json"
JSON_LD = "application/ld+json"
HTML = "text/html"
# An Accept header's media range: type/subtype, then parameters, q among them.
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    """The ranges of an Accept header (RFC 9110, 12.5.1) as (type, subtype, q); one
    that is malformed, or whose q is, is left out."""
    ranges = []
    for item in accept.split(","):
        media_range, *parameters = item.split(";")
        main, slash, sub = media_range.strip().lower().partition("/")
        if not (slash and main and sub):
            continue
        quality: float | None = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                quality = float(value) if _QVALUE.fullmatch(value.strip()) else None
        if quality is not None:
            ranges.append((main, sub, quality))
    return ranges


def _quality(ranges: list[tuple[str, str, float]], media_type: str) -> float:
    """The q that `ranges` give `media_type`: that of the most specific range naming it."""
    main, _, sub = media_type.partition("/")
    specific = {(main, sub): 3, (main, "*"): 2, ("*", "*"): 1}
    named = [(specific[(m, s)], q) for m, s, q in ranges if (m, s) in specific]
    return max(named)[1] if named else 0.0


def negotiate(accept: str | None) -> str:
    """JSON or JSON-LD, whichever `accept` prefers (JSON if it has no preference or no
    usable range); 406 if it takes neither."""
    ranges = _media_ranges(accept or "")
    if not ranges:
        return JSON
    json_q, json_ld_q = _quality(ranges, JSON), _quality(ranges, JSON_LD)
    if json_q == json_ld_q == 0:
        raise HTTPException(
            status.HTTP_406_NOT_ACCEPTABLE,
            f"Accept must take {JSON} or {JSON_LD}, not {accept}",
        )
    return JSON_LD if json_ld_q > json_q else JSON


# The other representation of a recipe, and the answer to an Accept naming neither.
JSON_LD_CONTENT: dict[str, Any] = {
    JSON_LD: {
        "schema": {
            "type": "object",
            "description": "The recipe as a schema.org/Recipe JSON-LD document (see "
            'docs/recipes.md, "schema.org"), as the recipe page embeds it',
        }
    }
}
ALTERNATIVES: Responses = {
    200: {"content": JSON_LD_CONTENT},
    406: {
        "model": ProblemDetail,
        "description": f"Accept takes neither {JSON} nor {JSON_LD}",
    },
}


@router.get(
    "/{recipe_id}",
    response_model=RecipePublic,
    responses=NOT_FOUND | NOT_MODIFIED | ALTERNATIVES,
)
def get_recipe(
    db: SessionDep,
    request: Request,
    recipe_id: RecipeId,
    response: Response,
    servings: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_SERVINGS,
            description="Scale every quantity exactly to feed this many (the recipe must "
            "say how many it serves)",
        ),
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> RecipePublic | Response:
    """Fetch one recipe, with its ingredients and steps; its ETag is in the ETag header.
    With `Accept: application/ld+json`, as a schema.org/Recipe JSON-LD document."""
    recipe = crud.recipe.get_or_raise(db, recipe_id)
    if servings is not None and recipe.servings is None:
        raise InvalidInput(
            "servings", f"recipe {recipe_id} does not say how many it serves, so cannot be scaled"
        )
    media_type = negotiate(request.headers.get("accept"))
    check_if_none_match(if_none_match, recipe)
    public = RecipePublic.model_validate(recipe)
    shown = public if servings is None else public.scaled(servings)
    if media_type == JSON_LD:
        document = recipe_document(
            shown,
            author=person(db.get_one(User, recipe.submitter_id)),
            url=str(request.url_for("recipe_page", recipe_id=recipe.id)),
        )
        response = JSONResponse(document, media_type=JSON_LD)
    response.headers["ETag"] = etag(recipe)
    response.headers.add_vary_header("Accept")
    return response if media_type == JSON_LD else shown


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=SIGNED_IN | JSON_BODY | CONFLICT,
    openapi_extra=links("/api/v1/recipes/{recipe_id}", "get", "patch", "put", "delete"),
)
def create_recipe(
    db: SessionDep,
    current_user: CurrentUser,
    recipe_in: RecipeCreate,
    request: Request,
    response: Response,
) -> RecipePublic:
    """Add a recipe, submitted by the signed-in user; its URL is in the Location header."""
    recipe = crud.recipe.create_with_submitter(db, obj_in=recipe_in, submitter_id=current_user.id)
    response.headers["Location"] = str(request.url_for("get_recipe", recipe_id=recipe.id))
    response.headers["ETag"] = etag(recipe)
    return RecipePublic.model_validate(recipe)


IMPORT_BODY: Responses = JSON_BODY | {
    415: {**JSON_BODY[415], "description": f"Request body is not {JSON_LD}, {JSON} or {HTML}"}
}


def _json(body: bytes) -> Any:
    """`body` read as JSON; 400 if it is not UTF-8, and the 422 FastAPI gives a body that
    is not JSON (app/exception_handlers.py) if it is not JSON."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not UTF-8") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
        raise RequestValidationError([error | {"ctx": {"error": exc.msg}}], body=text) from None
    except _NotJson as exc:
        raise InvalidInput("body", str(exc)) from None
    except RecursionError:
        raise InvalidInput("body", "is nested too deeply") from None


class _NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    # Python's parser takes NaN and Infinity unless told not to.
    raise _NotJson(f"holds {name}, which is not JSON")


def _imported(body: bytes, content_type: str) -> RecipeCreate:
    """The recipe of an import's body: a page's, or a JSON document's."""
    if content_type.partition(";")[0].strip().lower() == HTML:
        document: Any = documents_in_page(body, content_type)
    else:
        document = _json(body)
    try:
        return recipe_from_document(document)
    except InvalidDocument as exc:
        errors = [
            {"loc": ("body", *problem.path), "msg": problem.msg, "type": problem.type}
            for problem in exc.problems
        ]
        raise RequestValidationError(errors) from None


async def read_import(request: Request) -> RecipeCreate:
    """The recipe an import sends, read in a worker thread before the route takes its
    session: reading a large page takes a while, and a writing session holds a
    connection (and, on SQLite, the one writer's turn) the whole time."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    return await to_thread.run_sync(_imported, body, content_type)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=SIGNED_IN | IMPORT_BODY | CONFLICT,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A schema.org/Recipe JSON-LD document (alone, in a list or in a "
            "@graph), or a web page holding one in JSON-LD or microdata",
            "content": {
                JSON_LD: {"schema": IMPORT_SCHEMA},
                JSON: {"schema": IMPORT_SCHEMA},
                HTML: {"schema": {"type": "string", "description": "A saved recipe page"}},
            },
        },
    }
    | links("/api/v1/recipes/{recipe_id}", "get", "patch", "put", "delete"),
)
def import_recipe(
    signed: SignedInBriefly,
    recipe_in: Annotated[RecipeCreate, Depends(read_import)],
    db: SessionDep,
    request: Request,
    response: Response,
) -> RecipePublic:
    """Add a recipe from a schema.org/Recipe, sent as JSON-LD or in a web page, submitted
    by the signed-in user; its URL is in the Location header. The service never fetches
    a URL itself: fetch the page, then send it."""
    recipe = crud.recipe.create_with_submitter(db, obj_in=recipe_in, submitter_id=signed.user.id)
    response.headers["Location"] = str(request.url_for("get_recipe", recipe_id=recipe.id))
    response.headers["ETag"] = etag(recipe)
    return RecipePublic.model_validate(recipe)


WRITE_ONE = PERMISSION | NOT_FOUND | JSON_BODY | CONFLICT | PRECONDITION


def _change(
    db: Session,
    user: User,
    recipe_id: int,
    fields: RecipeUpdate | Mapping[str, Any],
    if_match: str | None,
    response: Response,
) -> RecipePublic:
    """Set `fields` on the user's recipe if `if_match` allows: what PATCH and PUT share."""
    recipe = crud.recipe.get_for_change(db, recipe_id, by=user)
    recipe = update_if_match(db, crud.recipe, recipe, fields, if_match=if_match, response=response)
    return RecipePublic.model_validate(recipe)


@router.patch("/{recipe_id}", responses=WRITE_ONE)
def update_recipe(
    db: SessionDep,
    current_user: CurrentUser,
    recipe_id: RecipeId,
    recipe_in: RecipeUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> RecipePublic:
    """Change some fields of your recipe; fields left out stay as they are."""
    return _change(db, current_user, recipe_id, recipe_in, if_match, response)


@router.put("/{recipe_id}", responses=WRITE_ONE)
def replace_recipe(
    db: SessionDep,
    current_user: CurrentUser,
    recipe_id: RecipeId,
    recipe_in: RecipeCreate,
    response: Response,
    if_match: IfMatch = None,
) -> RecipePublic:
    """Replace every field of your recipe (its submitter stays)."""
    # Every field, those left out included (as empty): a mapping, not a partial update.
    return _change(db, current_user, recipe_id, dict(recipe_in), if_match, response)


@router.delete(
    "/{recipe_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=PERMISSION | NOT_FOUND | CONFLICT | PRECONDITION,
)
def delete_recipe(
    db: SessionDep, current_user: CurrentUser, recipe_id: RecipeId, if_match: IfMatch = None
) -> None:
    """Delete your recipe."""
    recipe = crud.recipe.get_for_change(db, recipe_id, by=current_user)
    check_if_match(if_match, recipe, crud.recipe.name)
    crud.recipe.remove(db, id=recipe.id)
