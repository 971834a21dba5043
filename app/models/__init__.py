from app.models.ingredient import Ingredient
from app.models.recipe import Recipe
from app.models.refresh_token import RefreshToken
from app.models.step import Step
from app.models.tag import Tag
from app.models.user import User

__all__ = ["Ingredient", "Recipe", "RefreshToken", "Step", "Tag", "User"]
