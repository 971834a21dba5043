from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base_class import Base
from app.models.ingredient import SECTION_LENGTH


class Step(Base):
    """One step of a recipe's method, in its place in the list."""

    __tablename__ = "recipe_steps"
    __table_args__ = (Index("ix_recipe_steps_recipe_id_position", "recipe_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(SECTION_LENGTH))
