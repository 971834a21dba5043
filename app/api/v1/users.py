from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status

from app import crud
from app.api.deps import CurrentSuperuser, CurrentUser, SessionDep
from app.api.openapi import links
from app.api.preconditions import (
    IfMatch,
    IfNoneMatch,
    check_if_match,
    check_if_none_match,
    etag,
    update_if_match,
)
from app.api.ratelimit import SIGNUP
from app.api.responses import (
    CONFLICT,
    DATABASE,
    INVALID_INPUT,
    JSON_BODY,
    NOT_FOUND,
    NOT_MODIFIED,
    PERMISSION,
    PRECONDITION,
    RATE_LIMITED,
    SIGNED_IN,
)
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
from app.models import User
from app.schemas import (
    Page,
    PasswordChange,
    RecipePublic,
    UserCreate,
    UserPublic,
    UserSignup,
    UserUpdate,
    UserUpdateMe,
)
from app.schemas.base import Id
from app.schemas.recipe import RecipeFilters

router = APIRouter(prefix="/users", tags=["users"], responses=DATABASE | INVALID_INPUT)

UserId = Annotated[Id, Path(description="The user's id")]


def _created(user: User, request: Request, response: Response) -> UserPublic:
    response.headers["Location"] = str(request.url_for("get_user", user_id=user.id))
    response.headers["ETag"] = etag(user)
    return UserPublic.model_validate(user)


@router.get("", responses=PERMISSION)
def list_users(
    db: SessionDep,
    _superuser: CurrentSuperuser,
    params: Annotated[ListParams, Depends(list_params(crud.user))],
    is_superuser: Annotated[bool | None, Query(description="Only superusers, or only not")] = None,
) -> Page[UserPublic]:
    """List users, oldest first unless sorted otherwise (superusers only)."""
    chosen = {"is_superuser": is_superuser}
    return params.fetch(db, crud.user, Page[UserPublic], chosen)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=PERMISSION | JSON_BODY | CONFLICT,
    openapi_extra=links("/api/v1/users/{user_id}", "get", "patch", "delete"),
)
def create_user(
    db: SessionDep,
    _superuser: CurrentSuperuser,
    user_in: UserCreate,
    request: Request,
    response: Response,
) -> UserPublic:
    """Add a user (superusers only); the email must not be taken. Its URL is in the
    Location header."""
    return _created(crud.user.create(db, obj_in=user_in), request, response)


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses=JSON_BODY | CONFLICT | RATE_LIMITED,
    dependencies=[SIGNUP],
)
def signup(db: SessionDep, user_in: UserSignup, request: Request, response: Response) -> UserPublic:
    """Open an account (no sign-in needed); then get a token from /login/access-token."""
    return _created(crud.user.create(db, obj_in=user_in), request, response)


# Before /{user_id}, which would otherwise take "me" for an id.
@router.get("/me", responses=SIGNED_IN | NOT_MODIFIED)
def read_me(
    current_user: CurrentUser, response: Response, if_none_match: IfNoneMatch = None
) -> UserPublic:
    """Your own account; its ETag is in the ETag header."""
    check_if_none_match(if_none_match, current_user)
    response.headers["ETag"] = etag(current_user)
    return UserPublic.model_validate(current_user)


@router.patch("/me", responses=SIGNED_IN | JSON_BODY | CONFLICT | PRECONDITION)
def update_me(
    db: SessionDep,
    current_user: CurrentUser,
    user_in: UserUpdateMe,
    response: Response,
    if_match: IfMatch = None,
) -> UserPublic:
    """Change some fields of your own account; fields left out stay as they are."""
    user = update_if_match(
        db, crud.user, current_user, user_in, if_match=if_match, response=response
    )
    return UserPublic.model_validate(user)


@router.patch(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SIGNED_IN | JSON_BODY | {403: PERMISSION[403] | {"description": "Wrong password"}},
)
def change_my_password(db: SessionDep, current_user: CurrentUser, body: PasswordChange) -> None:
    """Change your password; the current one is needed too (403 if it is wrong).
    Every token issued before, this one included, stops working: sign in again."""
    crud.user.change_password(
        db,
        db_obj=current_user,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@router.get("/{user_id}", responses=PERMISSION | NOT_FOUND | NOT_MODIFIED)
def get_user(
    db: SessionDep,
    _superuser: CurrentSuperuser,
    user_id: UserId,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> UserPublic:
    """Fetch one user (superusers only); its ETag is in the ETag header."""
    user = crud.user.get_or_raise(db, user_id)
    check_if_none_match(if_none_match, user)
    response.headers["ETag"] = etag(user)
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", responses=PERMISSION | NOT_FOUND | JSON_BODY | CONFLICT | PRECONDITION)
def update_user(
    db: SessionDep,
    _superuser: CurrentSuperuser,
    user_id: UserId,
    user_in: UserUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> UserPublic:
    """Change some fields of a user, password and superuser flag included (superusers
    only); fields left out stay as they are. A new password or the loss of superuser
    rights ends the user's tokens."""
    user = crud.user.get_or_raise(db, user_id)
    user = update_if_match(db, crud.user, user, user_in, if_match=if_match, response=response)
    return UserPublic.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=PERMISSION | NOT_FOUND | CONFLICT | PRECONDITION,
)
def delete_user(
    db: SessionDep, _superuser: CurrentSuperuser, user_id: UserId, if_match: IfMatch = None
) -> None:
    """Delete a user and, with them, every recipe they submitted (superusers only)."""
    check_if_match(if_match, crud.user.get_or_raise(db, user_id), crud.user.name)
    crud.user.remove(db, id=user_id)


@router.get("/{user_id}/recipes", responses=NOT_FOUND)
def list_user_recipes(
    db: SessionDep,
    user_id: UserId,
    params: Annotated[ListParams, Depends(list_params(crud.recipe))],
    filters: Annotated[RecipeFilters, Query()],
) -> Page[RecipePublic]:
    """List the recipes a user submitted, newest first unless sorted otherwise."""
    crud.user.get_or_raise(db, user_id)
    chosen = filters.model_dump() | {"submitter_id": user_id}
    return params.fetch(db, crud.recipe, Page[RecipePublic], chosen)
