"""Sessions: a sign-in's family of refresh tokens, rotated on every refresh."""

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from app.core.config import settings
from app.core.security import new_refresh_token, refresh_token_digest
from app.crud.base import CRUDBase
from app.crud.user import user as crud_user
from app.db.types import utcnow
from app.exceptions import NotAuthenticated
from app.models.refresh_token import RefreshToken
from app.models.user import User

_INVALID = "the refresh token is invalid or expired; sign in again"


class CRUDRefreshToken(CRUDBase[RefreshToken, BaseModel, BaseModel]):
    def open(self, db: Session, *, user: User) -> tuple[RefreshToken, str]:
        """A new session for `user`, read before their password was checked (see
        CRUDUser.get_unchanged): its first refresh token's row, and the token to hand
        out (only its digest is stored)."""
        stored = crud_user.get_unchanged(db, user)
        expires_at = utcnow() + timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
        family = secrets.token_urlsafe(16)
        issued = self._issue(db, family, stored, expires_at)
        self._commit(db)
        return issued

    def rotate(self, db: Session, *, token: str) -> tuple[User, RefreshToken, str]:
        """Spend `token` for the next one of its session: the user, the new row and the
        new token. 401 for an unknown, expired or revoked token, and for one whose user's
        tokens have ended since; a token presented a second time (stolen, or replayed)
        also ends its session."""
        now = utcnow()
        row = db.scalar(
            select(RefreshToken).where(RefreshToken.digest == refresh_token_digest(token))
        )
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise NotAuthenticated(_INVALID)
        user = db.get(User, row.user_id)
        if user is None or user.token_generation != row.token_generation:
            raise NotAuthenticated(_INVALID)
        # Spent only if no one else spent it first, even at the same moment.
        spend = update(RefreshToken).where(
            RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None)
        )
        spent = cast(CursorResult[Any], db.execute(spend.values(rotated_at=now))).rowcount
        if spent != 1:
            self._revoke_family(db, row.family, now)
            self._commit(db)
            raise NotAuthenticated(
                "this refresh token was already used, so its session is ended; sign in again"
            )
        issued = self._issue(db, row.family, user, row.expires_at)
        self._commit(db)
        return (user, *issued)

    def user_of_live_session(self, db: Session, *, user_id: int, session_id: int) -> User | None:
        """User `user_id`, if refresh token `session_id` is theirs and its session has not
        ended; else None. One query, both by primary key."""
        statement = (
            select(User)
            .join(RefreshToken, RefreshToken.user_id == User.id)
            .where(
                User.id == user_id, RefreshToken.id == session_id, RefreshToken.revoked_at.is_(None)
            )
        )
        return db.scalar(statement)

    def end(self, db: Session, *, session_id: int) -> None:
        """End the session refresh token `session_id` belongs to: every refresh token
        of its family, and every access token issued with one."""
        row = self.get(db, session_id)
        if row is not None:
            self._revoke_family(db, row.family, utcnow())
            self._commit(db)

    def _issue(
        self, db: Session, family: str, user: User, expires_at: datetime
    ) -> tuple[RefreshToken, str]:
        token = new_refresh_token()
        row = RefreshToken(
            family=family,
            user_id=user.id,
            token_generation=user.token_generation,
            digest=refresh_token_digest(token),
            expires_at=expires_at,
        )
        db.add(row)
        db.flush()
        return row, token

    @staticmethod
    def _revoke_family(db: Session, family: str, now: datetime) -> None:
        db.execute(
            update(RefreshToken)
            .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


refresh_token = CRUDRefreshToken(RefreshToken)
