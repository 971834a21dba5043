from app.crud.recipe import recipe
from app.crud.refresh_token import refresh_token
from app.crud.tag import tag
from app.crud.user import user

__all__ = ["recipe", "refresh_token", "tag", "user"]
