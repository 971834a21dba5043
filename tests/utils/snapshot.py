from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Recipe, User


def everything(db: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored row, to show a refused request changed nothing."""
    db.expire_all()
    users = db.execute(select(*User.__table__.c).order_by(User.id))
    recipes = db.execute(select(*Recipe.__table__.c).order_by(Recipe.id))
    return [tuple(row) for row in users], [tuple(row) for row in recipes]
