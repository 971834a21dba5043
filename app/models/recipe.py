from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base_class import Base
from app.db.types import utcnow

if TYPE_CHECKING:
    from app.models.user import User

LABEL_LENGTH = 256
SOURCE_LENGTH = 256
URL_LENGTH = 2048


class Recipe(Base):
    __tablename__ = "recipes"
    # Lists are newest first with the id as tie-break; these indexes serve that order.
    __table_args__ = (
        Index("ix_recipes_created_at_id", "created_at", "id"),
        Index("ix_recipes_submitter_id_created_at_id", "submitter_id", "created_at", "id"),
        # SQLite: AUTOINCREMENT, so a deleted recipe's id (and URL) never names another.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped by every UPDATE, which also checks it still has the value it read: two
    # writers racing on one row cannot silently overwrite each other (see ETags).
    version: Mapped[int] = mapped_column(server_default="1")

    submitter: Mapped["User"] = relationship(back_populates="recipes", lazy="raise")

    __mapper_args__ = {"version_id_col": version}
