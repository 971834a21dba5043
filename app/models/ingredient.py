from fractions import Fraction

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base_class import Base

UNIT_LENGTH = 40
FOOD_LENGTH = 200
NOTE_LENGTH = 200
SECTION_LENGTH = 100


class Ingredient(Base):
    """One line of a recipe's ingredients, in its place in the list."""

    __tablename__ = "recipe_ingredients"
    __table_args__ = (Index("ix_recipe_ingredients_recipe_id_position", "recipe_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"))
    # Set by the recipe's ordering list: 0, 1, 2, ... in the order the lines were sent.
    position: Mapped[int]
    # The quantity as an exact fraction (1/3 stays 1/3), or neither for "salt to taste".
    quantity_numerator: Mapped[int | None]
    quantity_denominator: Mapped[int | None]
    unit: Mapped[str | None] = mapped_column(String(UNIT_LENGTH))
    food: Mapped[str] = mapped_column(String(FOOD_LENGTH))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))
    section: Mapped[str | None] = mapped_column(String(SECTION_LENGTH))

    @property
    def quantity(self) -> Fraction | None:
        if self.quantity_numerator is None or self.quantity_denominator is None:
            return None
        return Fraction(self.quantity_numerator, self.quantity_denominator)

    @quantity.setter
    def quantity(self, value: Fraction | None) -> None:
        self.quantity_numerator = None if value is None else value.numerator
        self.quantity_denominator = None if value is None else value.denominator
