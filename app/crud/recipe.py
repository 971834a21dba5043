from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from app.crud.base import AFTER, AT_MOST, BEFORE, EQUAL, CRUDBase
from app.crud.fulltext import best_matches, foods_match
from app.crud.tag import tag
from app.exceptions import Forbidden, InvalidInput
from app.models.recipe import Recipe
from app.models.tag import Tag, recipe_tags
from app.models.user import User
from app.schemas.recipe import RecipeCreate, RecipeUpdate, search_words
from app.schemas.tag import slug_of


def derived_columns(
    *, prep_minutes: int | None, cook_minutes: int | None, foods: list[str], tags: list[str]
) -> dict[str, Any]:
    """The columns of a recipe computed from its other fields and lists (see
    Recipe.total_minutes): what every write sets, and what a bulk load must set too."""
    times = [t for t in (prep_minutes, cook_minutes) if t is not None]
    return {
        "total_minutes": sum(times) if times else None,
        "foods_text": "\n".join(foods) or None,
        "tags_text": "\n".join(tags) or None,
    }


def _has_every_tag(names: list[str]) -> ColumnElement[bool]:
    return and_(
        *(
            Recipe.id.in_(
                select(recipe_tags.c.recipe_id)
                .join(Tag, Tag.id == recipe_tags.c.tag_id)
                .where(Tag.slug == slug)
            )
            for slug in dict.fromkeys(slug_of(name) for name in names)
        )
    )


def _has_every_food(words: list[str]) -> ColumnElement[bool]:
    return foods_match([word for keyword in words for word in search_words(keyword)])


class CRUDRecipe(CRUDBase[Recipe, RecipeCreate, RecipeUpdate]):
    # source and url are optional, and lists sort by non-null columns only.
    sortable = ("created_at", "updated_at", "label", "id")
    default_sort = "-created_at"
    filters = {
        "submitter_id": ("submitter_id", EQUAL),
        "source": ("source", EQUAL),
        "created_after": ("created_at", AFTER),
        "created_before": ("created_at", BEFORE),
        "max_total_minutes": ("total_minutes", AT_MOST),
        "tag": _has_every_tag,
        "ingredient": _has_every_food,
    }
    # Computed by derive() on every write.
    protected = frozenset({"total_minutes", "foods_text", "tags_text"})
    children = ("ingredients", "steps")
    links = {"tags": tag.named}
    listed = ("tags",)

    def derive(self, db_obj: Recipe) -> None:
        columns = derived_columns(
            prep_minutes=db_obj.prep_minutes,
            cook_minutes=db_obj.cook_minutes,
            foods=[line.food for line in db_obj.ingredients],
            tags=[t.name for t in db_obj.tags],
        )
        for name, value in columns.items():
            setattr(db_obj, name, value)

    def create(self, db: Session, *, obj_in: RecipeCreate | Mapping[str, Any]) -> Recipe:
        self._check_submitter(db, obj_in)
        return super().create(db, obj_in=obj_in)

    def create_with_submitter(
        self, db: Session, *, obj_in: RecipeCreate, submitter_id: int
    ) -> Recipe:
        """A recipe from the API: its submitter is whoever signed in, never an input."""
        return self.create(db, obj_in=dict(obj_in) | {"submitter_id": submitter_id})

    def update(
        self, db: Session, *, db_obj: Recipe, obj_in: RecipeUpdate | Mapping[str, Any]
    ) -> Recipe:
        self._check_submitter(db, obj_in)
        return super().update(db, db_obj=db_obj, obj_in=obj_in)

    def get_for_change(self, db: Session, id: int, *, by: User) -> Recipe:
        """The recipe, if `by` may change it: their own, or any for a superuser."""
        recipe = self.get_or_raise(db, id)
        if recipe.submitter_id != by.id and not by.is_superuser:
            raise Forbidden(f"recipe {id} is not yours")
        return recipe

    def search(
        self,
        db: Session,
        *,
        keyword: str,
        limit: int,
        offset: int = 0,
        options: Sequence[ORMOption] = (),
    ) -> Sequence[Recipe]:
        """Recipes matching every word of `keyword` (see app/crud/fulltext.py), best
        match first, then the most recently added; none for a keyword without a word."""
        self._check_bounds(offset, limit)
        words = search_words(keyword)
        if not words:
            return []
        statement = select(Recipe).options(*self._list_options, *options)
        return db.scalars(best_matches(db, statement, words, offset=offset, limit=limit)).all()

    def _check_submitter(
        self, db: Session, obj_in: RecipeCreate | RecipeUpdate | Mapping[str, Any]
    ) -> None:
        # A clear 422 naming the field; the foreign key still decides races.
        submitter_id = self._fields(obj_in, partial=True).get("submitter_id")
        if submitter_id is not None and db.get(User, submitter_id) is None:
            raise InvalidInput("submitter_id", f"no user with id {submitter_id}")


recipe = CRUDRecipe(Recipe)
