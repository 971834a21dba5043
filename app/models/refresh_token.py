from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base_class import Base
from app.db.types import utcnow

# secrets.token_urlsafe(16): 128 random bits.
FAMILY_LENGTH = 22
# A SHA-256 digest in hex.
DIGEST_LENGTH = 64


class RefreshToken(Base):
    """One refresh token, stored as its digest only.

    A sign-in opens a session: a family of refresh tokens, each replacing the one before
    (rotation). The access tokens issued with a refresh token name its id (`sid`). Ending
    the session revokes the whole family, and every access token of it with it.
    """

    __tablename__ = "refresh_tokens"
    # See User: a revoked token's id is never another session's.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(FAMILY_LENGTH), index=True)
    # A deleted user's sessions go with them.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's token_generation at sign-in; the session ends when it changes.
    token_generation: Mapped[int]
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The session's end, the same for every token of the family: refreshing never
    # makes a session last longer than REFRESH_TOKEN_EXPIRE_DAYS from its sign-in.
    expires_at: Mapped[datetime]
    # Set once the token has been exchanged for the next one; it is then spent, and
    # presenting it again revokes the family.
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
