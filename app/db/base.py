"""Base with every model imported, so its metadata is complete.

Alembic's env.py and the tests import this module; application code imports
app.db.base_class and the models directly.
"""

from app.db.base_class import Base
from app.models import Recipe, User

__all__ = ["Base", "Recipe", "User"]
