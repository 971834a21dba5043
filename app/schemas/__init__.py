from app.schemas.base import FieldError, Page, ProblemDetail
from app.schemas.password import PasswordRecovery, PasswordReset
from app.schemas.recipe import RecipeCreate, RecipePublic, RecipeSearchResults, RecipeUpdate
from app.schemas.user import (
    PasswordChange,
    RefreshRequest,
    Token,
    UserCreate,
    UserPublic,
    UserSignup,
    UserUpdate,
    UserUpdateMe,
)

__all__ = [
    "FieldError",
    "Page",
    "PasswordChange",
    "PasswordRecovery",
    "PasswordReset",
    "ProblemDetail",
    "RecipeCreate",
    "RecipePublic",
    "RecipeSearchResults",
    "RecipeUpdate",
    "RefreshRequest",
    "Token",
    "UserCreate",
    "UserPublic",
    "UserSignup",
    "UserUpdate",
    "UserUpdateMe",
]
