from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.base_class import Base
from app.db.types import utcnow

if TYPE_CHECKING:
    from app.models.recipe import Recipe

# The longest address SMTP can deliver to (RFC 5321 path limit less the brackets).
EMAIL_LENGTH = 254
NAME_LENGTH = 100
# An Argon2id hash in PHC format is about 100 characters; room for stronger parameters.
HASHED_PASSWORD_LENGTH = 255


class User(Base):
    __tablename__ = "users"
    # SQLite: AUTOINCREMENT, so the id of a deleted user is never given to a new one (the
    # other engines never reuse one anyway). Anything keyed on an id stays with its owner.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True, index=True)
    first_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    surname: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # None: no usable password (users from before accounts, until one is set). Written
    # only by crud.user (create, set_password); no schema has this field.
    hashed_password: Mapped[str | None] = mapped_column(String(HASHED_PASSWORD_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # See Recipe.version.
    version: Mapped[int] = mapped_column(server_default="1")
    # Named in every access token; a token naming another generation is refused.
    token_generation: Mapped[int] = mapped_column(server_default="0")

    # The database deletes a user's recipes (ON DELETE CASCADE); passive_deletes keeps
    # the ORM from loading them first. lazy="raise": load explicitly, never by accident.
    recipes: Mapped[list["Recipe"]] = relationship(
        back_populates="submitter", cascade="all", passive_deletes=True, lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("email", "hashed_password", "is_superuser")
    def _end_sessions(self, key: str, value: str | bool | None) -> str | bool | None:
        if key == "email" and isinstance(value, str):
            # Stored lower-cased, so uniqueness means the same on every engine
            # (PostgreSQL compares case-sensitively, MySQL does not).
            value = value.lower()
        # A new email or password, or the loss of superuser rights, ends every session
        # opened before it: tokens issued until now name the old generation. (The email
        # is where a password reset is sent: whoever changes it owns the account.) A
        # user not yet saved has no tokens.
        if inspect(self).has_identity and (
            key == "hashed_password"
            or (key == "email" and value != self.email)
            or (key == "is_superuser" and self.is_superuser and not value)
        ):
            self.token_generation += 1
        return value
