"""Small factories: a valid object with unique values, any field overridable."""

from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from app import crud
from app.models import Recipe, User

_serial = count(1)


def user_fields(**overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    return {"email": f"cook{n}@example.com", "first_name": "Cook", "surname": f"No{n}"} | overrides


def recipe_fields(submitter_id: int, **overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "label": f"Recipe {n}",
        "source": "Test Kitchen",
        "url": f"https://example.com/recipes/{n}",
        "submitter_id": submitter_id,
    } | overrides


def make_user(db: Session, **overrides: Any) -> User:
    return crud.user.create(db, obj_in=user_fields(**overrides))


def make_recipe(db: Session, submitter: User | None = None, **overrides: Any) -> Recipe:
    submitter = submitter or make_user(db)
    return crud.recipe.create(db, obj_in=recipe_fields(submitter.id, **overrides))
