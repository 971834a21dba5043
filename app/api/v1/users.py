from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import (
    CurrentSuperuser,
    CurrentUser,
    DatabaseDep,
    SessionDep,
    SignedInBriefly,
    in_session,
)
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
    HASHING,
    INVALID_INPUT,
    JSON_BODY,
    LIMITED_HASHING,
    NOT_FOUND,
    NOT_MODIFIED,
    PERMISSION,
    PRECONDITION,
    SIGNED_IN,
)
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
from app.core import hashing
from app.exceptions import Forbidden
from app.models import User
from app.schemas import (
    Page,
    PasswordChange,
    RecipeSummary,
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
WRONG_PASSWORD = {403: PERMISSION[403] | {"description": "Current password missing or wrong"}}


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
    responses=JSON_BODY | CONFLICT | LIMITED_HASHING,
    dependencies=[SIGNUP],
)
async def signup(
    database: DatabaseDep, user_in: UserSignup, request: Request, response: Response
) -> UserPublic:
    """Open an account (no sign-in needed); then get a token from /login/access-token."""
    hashed = await hashing.hash(user_in.password)
    fields = user_in.model_dump(exclude={"password"})
    user = await in_session(
        database,
        lambda db: crud.user.create(db, obj_in=fields, hashed_password=hashed),
        may_write=True,
    )
    return _created(user, request, response)


# Before /{user_id}, which would otherwise take "me" for an id.
@router.get("/me", responses=SIGNED_IN | NOT_MODIFIED)
def read_me(
    current_user: CurrentUser, response: Response, if_none_match: IfNoneMatch = None
) -> UserPublic:
    """Your own account; its ETag is in the ETag header."""
    check_if_none_match(if_none_match, current_user)
    response.headers["ETag"] = etag(current_user)
    return UserPublic.model_validate(current_user)


async def _check_password(password: str | None, user: User) -> None:
    if password is None:
        raise Forbidden("current_password is required to change the email")
    if not await hashing.verify(password, user.hashed_password):
        raise Forbidden("the current password is wrong")


@router.patch(
    "/me",
    responses=SIGNED_IN | JSON_BODY | CONFLICT | PRECONDITION | WRONG_PASSWORD | HASHING,
)
async def update_me(
    database: DatabaseDep,
    me: SignedInBriefly,
    user_in: UserUpdateMe,
    response: Response,
    if_match: IfMatch = None,
) -> UserPublic:
    """Change some fields of your own account; fields left out stay as they are. A new
    email needs `current_password` (403 if it is missing or wrong), and ends every token
    issued before, this one included: sign in again."""
    changes = user_in.model_dump(exclude_unset=True, exclude={"current_password"})
    if "email" in changes:
        await _check_password(user_in.current_password, me.user)

    def update(db: Session) -> UserPublic:
        user = crud.user.get_unchanged(db, me.user)
        user = update_if_match(db, crud.user, user, changes, if_match=if_match, response=response)
        return UserPublic.model_validate(user)

    return await in_session(database, update, may_write=True)


@router.patch(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SIGNED_IN | JSON_BODY | WRONG_PASSWORD | HASHING,
)
async def change_my_password(
    database: DatabaseDep, me: SignedInBriefly, body: PasswordChange
) -> None:
    """Change your password; the current one is needed too (403 if it is wrong).
    Every token issued before, this one included, stops working: sign in again."""
    await _check_password(body.current_password, me.user)
    hashed = await hashing.hash(body.new_password)
    await in_session(
        database,
        lambda db: crud.user.replace_password(db, user=me.user, hashed_password=hashed),
        may_write=True,
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
) -> Page[RecipeSummary]:
    """List the recipes a user submitted, newest first unless sorted otherwise."""
    crud.user.get_or_raise(db, user_id)
    chosen = filters.model_dump() | {"submitter_id": user_id}
    return params.fetch(db, crud.recipe, Page[RecipeSummary], chosen)
