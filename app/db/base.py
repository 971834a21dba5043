"""Base with every model imported, so its metadata is complete.

Alembic's env.py and the tests import this module; application code imports
app.db.base_class and the models directly.
"""

from app.db.base_class import Base
from app.models import Ingredient, Recipe, RefreshToken, Step, Tag, User

__all__ = ["Base", "Ingredient", "Recipe", "RefreshToken", "Step", "Tag", "User", "include_name"]

# Full-text search objects (migrations 0004, 0007, 0008) are per-engine DDL the models
# cannot describe: an FTS5 table and its shadow tables, GIN and FULLTEXT indexes,
# PostgreSQL's stored search document.
_FULL_TEXT_PREFIXES = ("recipes_fts", "ix_recipes_fts")


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name`: autogenerate (and `alembic check`) compare everything
    but the full-text objects."""
    full_text = (name or "").startswith(_FULL_TEXT_PREFIXES)
    return not (type_ in ("table", "index", "column") and full_text)
