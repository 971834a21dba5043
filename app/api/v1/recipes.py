from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import CurrentUser, SessionDep
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
)
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
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
from app.schemas.base import Id
from app.schemas.recipe import MAX_SERVINGS, Keyword, RecipeListFilters

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


@router.get("/{recipe_id}", responses=NOT_FOUND | NOT_MODIFIED)
def get_recipe(
    db: SessionDep,
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
) -> RecipePublic:
    """Fetch one recipe, with its ingredients and steps; its ETag is in the ETag header."""
    recipe = crud.recipe.get_or_raise(db, recipe_id)
    if servings is not None and recipe.servings is None:
        raise InvalidInput(
            "servings", f"recipe {recipe_id} does not say how many it serves, so cannot be scaled"
        )
    check_if_none_match(if_none_match, recipe)
    response.headers["ETag"] = etag(recipe)
    public = RecipePublic.model_validate(recipe)
    return public if servings is None else public.scaled(servings)


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
