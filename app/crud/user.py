from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.security import hash_password
from app.crud.base import EQUAL, CRUDBase
from app.exceptions import Conflict, NotAuthenticated
from app.models.user import User
from app.schemas.user import UserCreate, UserSignup, UserUpdate, UserUpdateMe


class CRUDUser(CRUDBase[User, UserCreate, UserUpdate]):
    # Set from a `password` input, hashed, by create, update and set_password only, or
    # from a hash made outside any session (app/core/hashing.py) by create,
    # replace_password and rehash.
    protected = frozenset({"hashed_password"})
    sortable = ("id", "email", "created_at")
    default_sort = "id"
    filters = {"is_superuser": ("is_superuser", EQUAL)}

    def get_by_email(self, db: Session, *, email: str) -> User | None:
        return db.scalar(select(User).where(User.email == email.lower()))

    def create(
        self,
        db: Session,
        *,
        obj_in: UserCreate | UserSignup | Mapping[str, Any],
        hashed_password: str | None = None,
    ) -> User:
        """`password` may be left out or None: the user then has no usable password.
        A request hashes it beforehand instead, and passes the `hashed_password`."""
        fields = self._dump(obj_in, partial=False)
        password = fields.pop("password", None)
        if password is not None and hashed_password is not None:
            raise ValueError("give a password or its hash, not both")
        hashed = self._hash(password) or hashed_password
        self._check_email_free(db, fields.get("email"))
        user = self.model(**self._writable_only(fields))
        user.hashed_password = hashed
        return self._add(db, user)

    def update(
        self, db: Session, *, db_obj: User, obj_in: UserUpdate | UserUpdateMe | Mapping[str, Any]
    ) -> User:
        fields = self._dump(obj_in, partial=True)
        hashed = self._hash(fields.pop("password", None))
        email = fields.get("email")
        if email is not None and email.lower() != db_obj.email:
            self._check_email_free(db, email)
        if hashed is not None:
            db_obj.hashed_password = hashed
        if fields.get("is_superuser") is False and db_obj.is_superuser:
            self._keep_a_superuser(db, db_obj, "demoted")
        return super().update(db, db_obj=db_obj, obj_in=fields)

    def remove(self, db: Session, *, id: Any) -> User:
        db_obj = self.get_or_raise(db, id)
        if db_obj.is_superuser:
            self._keep_a_superuser(db, db_obj, "deleted")
        return super().remove(db, id=id)

    def set_password(self, db: Session, *, db_obj: User, password: str) -> User:
        db_obj.hashed_password = hash_password(password)
        self._commit(db)
        return db_obj

    def get_unchanged(self, db: Session, user: User) -> User:
        """`user` as stored now, if their tokens have not ended since `user` was read
        (in an earlier session, before a password was checked); 401 if they have: the
        password changed, the user was demoted or deleted."""
        stored = self.get(db, user.id)
        if stored is None or stored.token_generation != user.token_generation:
            raise NotAuthenticated("the account changed meanwhile; sign in again")
        return stored

    def replace_password(self, db: Session, *, user: User, hashed_password: str) -> User:
        """Store a new password's hash for `user`, read before it was made (see
        get_unchanged). Every token of theirs ends."""
        stored = self.get_unchanged(db, user)
        stored.hashed_password = hashed_password
        self._commit(db, changing=stored)
        return stored

    def rehash(self, db: Session, *, user: User, hashed_password: str) -> None:
        """Replace `user`'s hash with the same password's, made with the current Argon2
        parameters, unless it changed since `user` was read. The password is the same,
        so the user's tokens stay valid and the row's version stays (this is no edit)."""
        db.execute(
            update(User)
            .where(User.id == user.id, User.hashed_password == user.hashed_password)
            .values(hashed_password=hashed_password)
        )
        self._commit(db)

    def _keep_a_superuser(self, db: Session, leaving: User, how: str) -> None:
        """Conflict if `leaving` is the only superuser: nothing could make another.

        Every superuser's row is locked (in id order, so that two such transactions
        wait for each other rather than deadlock) and read as committed: two
        superusers removing each other at once are answered in turn, and the second
        sees the first one's change. SQLite has one writer at a time anyway.
        """
        superusers = db.scalars(
            select(User.id).where(User.is_superuser).order_by(User.id).with_for_update()
        ).all()
        if not any(id != leaving.id for id in superusers):
            raise Conflict(
                f"user {leaving.id} is the last superuser and cannot be {how}; "
                "make another user a superuser first"
            )

    def _hash(self, password: str | None) -> str | None:
        return None if password is None else hash_password(password)

    def _check_email_free(self, db: Session, email: str | None) -> None:
        # A clear message for the common case; the unique index still decides races.
        if email is not None and self.get_by_email(db, email=email) is not None:
            raise Conflict(f"a user with email {email.lower()} already exists")


user = CRUDUser(User)
