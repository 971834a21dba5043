from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from app.crud.base import AFTER, BEFORE, EQUAL, CRUDBase
from app.crud.fulltext import best_matches
from app.exceptions import Forbidden, InvalidInput
from app.models.recipe import Recipe
from app.models.user import User
from app.schemas.recipe import RecipeCreate, RecipeUpdate, search_words


class CRUDRecipe(CRUDBase[Recipe, RecipeCreate, RecipeUpdate]):
    sortable = ("created_at", "updated_at", "label", "source", "id")
    default_sort = "-created_at"
    filters = {
        "submitter_id": ("submitter_id", EQUAL),
        "source": ("source", EQUAL),
        "created_after": ("created_at", AFTER),
        "created_before": ("created_at", BEFORE),
    }

    def create(self, db: Session, *, obj_in: RecipeCreate | Mapping[str, Any]) -> Recipe:
        self._check_submitter(db, obj_in)
        return super().create(db, obj_in=obj_in)

    def create_with_submitter(
        self, db: Session, *, obj_in: RecipeCreate, submitter_id: int
    ) -> Recipe:
        """A recipe from the API: its submitter is whoever signed in, never an input."""
        return self.create(db, obj_in=obj_in.model_dump() | {"submitter_id": submitter_id})

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
        statement = select(Recipe).options(*options)
        return db.scalars(best_matches(db, statement, words, offset=offset, limit=limit)).all()

    def _check_submitter(
        self, db: Session, obj_in: RecipeCreate | RecipeUpdate | Mapping[str, Any]
    ) -> None:
        # A clear 422 naming the field; the foreign key still decides races.
        submitter_id = self._fields(obj_in, partial=True).get("submitter_id")
        if submitter_id is not None and db.get(User, submitter_id) is None:
            raise InvalidInput("submitter_id", f"no user with id {submitter_id}")


recipe = CRUDRecipe(Recipe)
