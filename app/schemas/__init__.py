from app.schemas.base import ErrorMessage, Page
from app.schemas.recipe import RecipeCreate, RecipePublic, RecipeSearchResults, RecipeUpdate
from app.schemas.user import UserCreate, UserPublic, UserUpdate

__all__ = [
    "ErrorMessage",
    "Page",
    "RecipeCreate",
    "RecipePublic",
    "RecipeSearchResults",
    "RecipeUpdate",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
]
