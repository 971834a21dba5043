from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.ext.orderinglist import OrderingList, ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base_class import Base
from app.db.types import utcnow
from app.models.ingredient import Ingredient
from app.models.step import Step
from app.models.tag import Tag, recipe_tags

if TYPE_CHECKING:
    from app.models.user import User

LABEL_LENGTH = 256
SOURCE_LENGTH = 256
URL_LENGTH = 2048
DESCRIPTION_LENGTH = 2000
YIELD_LENGTH = 100


class Recipe(Base):
    __tablename__ = "recipes"
    # Lists are newest first with the id as tie-break; these indexes serve that order.
    __table_args__ = (
        Index("ix_recipes_created_at_id", "created_at", "id"),
        Index("ix_recipes_submitter_id_created_at_id", "submitter_id", "created_at", "id"),
        # SQLite: AUTOINCREMENT, so a deleted recipe's id (and URL) never names another.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    source: Mapped[str | None] = mapped_column(String(SOURCE_LENGTH))
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    servings: Mapped[int | None]
    yield_text: Mapped[str | None] = mapped_column(String(YIELD_LENGTH))
    prep_minutes: Mapped[int | None]
    cook_minutes: Mapped[int | None]
    # Written by crud.recipe from the fields above and the lists below, on every write:
    # total_minutes for the max_total_minutes filter, the foods and tags as text for the
    # full-text index (app/crud/fulltext.py), which cannot reach into other tables.
    total_minutes: Mapped[int | None]
    foods_text: Mapped[str | None] = mapped_column(Text)
    tags_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped by every UPDATE, which also checks it still has the value it read: two
    # writers racing on one row cannot silently overwrite each other (see ETags).
    version: Mapped[int] = mapped_column(server_default="1")

    submitter: Mapped["User"] = relationship(back_populates="recipes", lazy="raise")
    # Loaded only when asked for (crud.recipe says when), each with one statement for a
    # whole page of recipes. The database deletes them with the recipe (passive_deletes).
    ingredients: Mapped[OrderingList[Ingredient]] = relationship(
        order_by=Ingredient.position,
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )
    steps: Mapped[OrderingList[Step]] = relationship(
        order_by=Step.position,
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=recipe_tags, order_by=Tag.slug, passive_deletes=True, lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}
