from app.models.recipe import Recipe
from app.models.user import User

__all__ = ["Recipe", "User"]
