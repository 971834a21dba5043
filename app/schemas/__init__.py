from app.schemas.base import FieldError, Page, ProblemDetail
from app.schemas.password import PasswordRecovery, PasswordReset
from app.schemas.recipe import (
    RecipeCreate,
    RecipePublic,
    RecipeSearchResults,
    RecipeSummary,
    RecipeUpdate,
)
from app.schemas.tag import TagPublic
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
    "RecipeSummary",
    "RecipeUpdate",
    "RefreshRequest",
    "TagPublic",
    "Token",
    "UserCreate",
    "UserPublic",
    "UserSignup",
    "UserUpdate",
    "UserUpdateMe",
]
