"""Small factories: a valid object with unique values, any field overridable."""

from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from app import crud
from app.models import Recipe, User
from app.schemas import RecipeCreate
from tests.utils.auth import hashed

_serial = count(1)


def user_fields(**overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    return {"email": f"cook{n}@example.com", "first_name": "Cook", "surname": f"No{n}"} | overrides


def recipe_body(**overrides: Any) -> dict[str, Any]:
    """A recipe as the API takes it: the submitter is whoever signs in."""
    n = next(_serial)
    return {
        "label": f"Recipe {n}",
        "source": "Test Kitchen",
        "url": f"https://example.com/recipes/{n}",
    } | overrides


def recipe_fields(submitter_id: int, **overrides: Any) -> dict[str, Any]:
    """A recipe as the data layer takes it."""
    return recipe_body(submitter_id=submitter_id, **overrides)


def make_user(db: Session, *, password: str | None = None, **overrides: Any) -> User:
    """Without `password` the user cannot sign in with one (tokens still work)."""
    user = crud.user.create(db, obj_in=user_fields(**overrides))
    if password is not None:
        # The hash made once per run, set directly: hashing per user would make the
        # suite crawl. The service itself sets passwords only through crud.user.
        user.hashed_password = hashed(password)
        db.commit()
    return user


def make_superuser(db: Session, **overrides: Any) -> User:
    return make_user(db, is_superuser=True, **overrides)


def make_recipe(db: Session, submitter: User | None = None, **overrides: Any) -> Recipe:
    """A recipe whose fields (lists included) are given as the API takes them, checked
    by its schema; other columns (created_at) are set as given."""
    submitter = submitter or make_user(db)
    body = recipe_body(**overrides)
    columns = {name: body.pop(name) for name in list(body) if name not in RecipeCreate.model_fields}
    recipe_in = RecipeCreate.model_validate(body)
    fields = dict(recipe_in) | columns | {"submitter_id": submitter.id}
    return crud.recipe.create(db, obj_in=fields)
