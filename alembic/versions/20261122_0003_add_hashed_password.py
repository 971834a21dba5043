"""add users.hashed_password

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:40:00.000000

Existing users get NULL: no password matches it, so they cannot sign in until one is
set (by a superuser, or for the first superuser by the seed). Downgrading drops the
column, and with it every stored password hash.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hashed_password", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("hashed_password")
