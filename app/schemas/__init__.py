from app.schemas.base import ErrorMessage, Page
from app.schemas.recipe import RecipeCreate, RecipePublic, RecipeSearchResults, RecipeUpdate
from app.schemas.user import (
    PasswordChange,
    Token,
    UserCreate,
    UserPublic,
    UserSignup,
    UserUpdate,
    UserUpdateMe,
)

__all__ = [
    "ErrorMessage",
    "Page",
    "PasswordChange",
    "RecipeCreate",
    "RecipePublic",
    "RecipeSearchResults",
    "RecipeUpdate",
    "Token",
    "UserCreate",
    "UserPublic",
    "UserSignup",
    "UserUpdate",
    "UserUpdateMe",
]
