from app.crud.recipe import recipe
from app.crud.user import user

__all__ = ["recipe", "user"]
