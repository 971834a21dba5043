from sqlalchemy import Column, ForeignKey, Index, String, Table, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from app.db.base_class import Base

TAG_LENGTH = 40
# A slug is the name's words, lower-case, joined by "-": never longer than the name,
# except where lower-casing lengthens a letter ("İ" is two characters lower-case).
SLUG_LENGTH = 2 * TAG_LENGTH

# Which recipe has which tag: the link table of Recipe.tags.
recipe_tags = Table(
    "recipe_tags",
    Base.metadata,
    Column("recipe_id", ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # A tag's recipes: the filter tag= and the count.
    Index("ix_recipe_tags_tag_id_recipe_id", "tag_id", "recipe_id"),
)


class Tag(Base):
    """A label shared by recipes. Its identity is its slug: "Vegan", "vegan" and
    "VEGAN" are one tag, named as it was first written."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True)
    # Counted when read, so it is never out of step with the links, whoever deletes
    # them (a recipe, or the database cascading a user's deletion). Only the tags list
    # reads it.
    recipe_count: Mapped[int] = column_property(
        select(func.count(recipe_tags.c.recipe_id))
        .where(recipe_tags.c.tag_id == id)
        .correlate_except(recipe_tags)
        .scalar_subquery(),
        deferred=True,
        raiseload=True,
    )
