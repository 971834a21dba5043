"""The seed: the superuser, their password and the starter recipes, in-process on the
suite's database."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.core.security import verify_password
from app.db.init_db import STARTER_RECIPES, init_db
from app.models import Ingredient, Recipe, Step, Tag, User
from app.models.tag import recipe_tags
from app.schemas import RecipeCreate, RecipePublic
from tests.utils.factories import make_superuser, make_user


def test_a_superuser_from_before_accounts_gets_the_configured_password(db: Session) -> None:
    make_user(db, email=settings.FIRST_SUPERUSER, is_superuser=True)  # no password

    created = init_db(db)

    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    assert superuser is not None
    assert verify_password(settings.FIRST_SUPERUSER_PASSWORD, superuser.hashed_password)
    assert created == len(STARTER_RECIPES)  # the user was there already


def test_a_password_already_set_is_left_alone(db: Session) -> None:
    init_db(db)
    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    assert superuser is not None
    crud.user.set_password(db, db_obj=superuser, password="changed through the API")
    hashed = superuser.hashed_password

    assert init_db(db) == 0

    db.expire_all()
    assert db.scalar(select(User.hashed_password).where(User.id == superuser.id)) == hashed
    assert db.scalar(select(func.count()).select_from(User)) == 1


def _as_sent(recipe: Recipe) -> dict[str, Any]:
    """A stored recipe as the API would take it back (tags sorted: they are a set)."""
    public = RecipePublic.model_validate(recipe).model_dump(mode="json", exclude=_READ_ONLY)
    public["tags"].sort()
    return public


_READ_ONLY: Any = {
    "id": True,
    "total_minutes": True,
    "submitter_id": True,
    "created_at": True,
    "updated_at": True,
    "ingredients": {"__all__": {"amount"}},
}


def _expected(fields: dict[str, Any]) -> dict[str, Any]:
    recipe = RecipeCreate.model_validate(fields).model_dump(mode="json")
    recipe["tags"].sort()
    return recipe


def _starters(db: Session, submitter: User) -> list[Recipe]:
    """The submitter's starter recipes with their lists, in STARTER_RECIPES' order."""
    found = []
    for fields in STARTER_RECIPES:
        statement = select(Recipe.id).where(
            Recipe.submitter_id == submitter.id, Recipe.url == fields["url"]
        )
        recipe = crud.recipe.get(db, db.scalars(statement).one())
        assert recipe is not None
        found.append(recipe)
    return found


def _counts(db: Session) -> dict[str, Any]:
    """How many rows each table the seed writes has, and each recipe's version."""
    tables: dict[str, Any] = {
        "recipes": Recipe,
        "lines": Ingredient,
        "steps": Step,
        "tags": Tag,
        "links": recipe_tags,
    }
    counts: dict[str, Any] = {
        name: db.scalar(select(func.count()).select_from(table)) for name, table in tables.items()
    }
    counts["versions"] = db.execute(select(Recipe.id, Recipe.version).order_by(Recipe.id)).all()
    return counts


def _superuser(db: Session) -> User:
    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    assert superuser is not None
    return superuser


def test_the_starter_recipes_are_seeded_whole(db: Session) -> None:
    init_db(db)

    recipes = _starters(db, _superuser(db))

    for fields, recipe in zip(STARTER_RECIPES, recipes, strict=True):
        assert _as_sent(recipe) == _expected(fields)
        assert recipe.description
        assert recipe.servings is not None
        assert recipe.total_minutes == (recipe.prep_minutes or 0) + (recipe.cook_minutes or 0)
        assert 5 <= len(recipe.ingredients) <= 15
        assert 3 <= len(recipe.steps) <= 10
        assert 1 <= len(recipe.tags) <= 4
        # What search reads: every food and every tag.
        assert recipe.foods_text == "\n".join(line.food for line in recipe.ingredients)
        assert sorted((recipe.tags_text or "").split("\n")) == sorted(t.name for t in recipe.tags)
    with_sections = [r.label for r in recipes if any(line.section for line in r.ingredients)]
    assert "World's Best Lasagna" in with_sections


def test_seeding_twice_adds_nothing(db: Session) -> None:
    init_db(db)
    before = _counts(db)

    assert init_db(db) == 0

    db.expire_all()
    assert _counts(db) == before


def test_starter_recipes_seeded_before_lists_are_filled_in(db: Session) -> None:
    superuser = make_superuser(db, email=settings.FIRST_SUPERUSER)
    # As the seed wrote them before recipes had lists.
    for fields in STARTER_RECIPES:
        bookmark = {name: fields[name] for name in ("label", "source", "url")}
        crud.recipe.create(db, obj_in=bookmark | {"submitter_id": superuser.id})

    assert init_db(db) == 0

    recipes = _starters(db, superuser)
    for fields, recipe in zip(STARTER_RECIPES, recipes, strict=True):
        assert _as_sent(recipe) == _expected(fields)
        assert recipe.total_minutes is not None
        assert recipe.foods_text is not None and recipe.tags_text is not None
    filled = _counts(db)
    assert filled["recipes"] == len(STARTER_RECIPES)

    assert init_db(db) == 0

    db.expire_all()
    assert _counts(db) == filled, "filled in once; the next run changes nothing"


def test_a_starter_recipe_changed_since_is_left_alone(db: Session) -> None:
    superuser = make_superuser(db, email=settings.FIRST_SUPERUSER)
    bookmarks = [
        crud.recipe.create(
            db,
            obj_in={name: fields[name] for name in ("label", "source", "url")}
            | {"submitter_id": superuser.id},
        )
        for fields in STARTER_RECIPES[:2]
    ]
    edited, untouched = bookmarks
    crud.recipe.update(db, db_obj=edited, obj_in={"label": "Our everyday loaf"})

    assert init_db(db) == len(STARTER_RECIPES) - 2

    edited_now = crud.recipe.get(db, edited.id)
    assert edited_now is not None
    assert edited_now.label == "Our everyday loaf"
    assert (edited_now.ingredients, edited_now.steps, edited_now.tags) == ([], [], [])
    assert edited_now.description is None
    untouched_now = crud.recipe.get(db, untouched.id)
    assert untouched_now is not None
    assert _as_sent(untouched_now) == _expected(STARTER_RECIPES[1])
