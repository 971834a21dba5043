"""add version columns; MySQL tables in utf8mb4

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:24:17.475658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _tables_to_utf8mb4()
    # Existing rows start at version 1, as new ones do.
    with op.batch_alter_table("recipes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def _tables_to_utf8mb4() -> None:
    """Revision 0001 made MySQL tables in the database's default character set, which
    may be one that cannot hold emoji (latin1, or the three-byte utf8). Convert those;
    tables already in utf8mb4 are left alone, since CONVERT rebuilds the table."""
    if op.get_context().dialect.name not in ("mysql", "mariadb"):
        return
    if context.is_offline_mode():  # nothing to look at: write both, for review
        for table in ("users", "recipes"):
            op.execute(f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")
        return
    charsets = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT t.table_name, c.character_set_name"
                " FROM information_schema.tables t"
                " JOIN information_schema.collation_character_set_applicability c"
                "   ON c.collation_name = t.table_collation"
                " WHERE t.table_schema = DATABASE() AND t.table_name IN ('users', 'recipes')"
            )
        )
        .all()
    )
    for table, charset in charsets:
        if charset != "utf8mb4":
            op.execute(f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")


def downgrade() -> None:
    # The character set stays utf8mb4: converting back could not hold what is stored.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("recipes", schema=None) as batch_op:
        batch_op.drop_column("version")
