from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.crud.base import CRUDBase
from app.exceptions import Conflict
from app.models.user import User
from app.schemas.user import UserCreate, UserUpdate


class CRUDUser(CRUDBase[User, UserCreate, UserUpdate]):
    def get_by_email(self, db: Session, *, email: str) -> User | None:
        return db.scalar(select(User).where(User.email == email.lower()))

    def create(self, db: Session, *, obj_in: UserCreate | Mapping[str, Any]) -> User:
        self._check_email_free(db, self._fields(obj_in, partial=True).get("email"))
        return super().create(db, obj_in=obj_in)

    def update(self, db: Session, *, db_obj: User, obj_in: UserUpdate | Mapping[str, Any]) -> User:
        email = self._fields(obj_in, partial=True).get("email")
        if email is not None and email.lower() != db_obj.email:
            self._check_email_free(db, email)
        return super().update(db, db_obj=db_obj, obj_in=obj_in)

    def _check_email_free(self, db: Session, email: str | None) -> None:
        # A clear message for the common case; the unique index still decides races.
        if email is not None and self.get_by_email(db, email=email) is not None:
            raise Conflict(f"a user with email {email.lower()} already exists")


user = CRUDUser(User)
