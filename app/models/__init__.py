from app.models.recipe import Recipe
from app.models.refresh_token import RefreshToken
from app.models.user import User

__all__ = ["Recipe", "RefreshToken", "User"]
