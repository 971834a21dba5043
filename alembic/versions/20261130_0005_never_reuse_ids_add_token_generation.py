"""ids never reused on SQLite; add users.token_generation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00.000000

An access token names its user by id, and from now on also by `token_generation`,
which the service bumps to void the user's tokens. Existing users start at generation
0, and tokens issued before this revision, which name no generation, are refused: every
user signs in once more.

SQLite hands a deleted row's id to the next insert unless the table is AUTOINCREMENT,
which only a rebuild can make it: both tables are copied (batch mode), every row with
its id. The copy starts the id counter above the highest id stored; ids above it that
were deleted before this revision cannot be known, and may come back once. Dropping
`recipes` drops the full-text triggers of revision 0004 with it, so they are made again;
the index needs no rebuild, since no row or id changes. PostgreSQL's sequences and
InnoDB's AUTO_INCREMENT (persisted across restarts since MariaDB 10.2.4 and MySQL 8.0)
never reuse an id, so there the tables are left as they are.

The tables are written out as revision 0004 left them, rather than reflected, so this
migration never changes when the application's code does, and `upgrade --sql` can
write the rebuild without a database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import mysql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app.db.types.UTCDateTime as DDL, as in revision 0001.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

_SQLITE_FTS_TRIGGERS = [
    """CREATE TRIGGER recipes_fts_insert AFTER INSERT ON recipes BEGIN
        INSERT INTO recipes_fts(rowid, label, source) VALUES (new.id, new.label, new.source);
    END""",
    """CREATE TRIGGER recipes_fts_delete AFTER DELETE ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, label, source)
        VALUES ('delete', old.id, old.label, old.source);
    END""",
    """CREATE TRIGGER recipes_fts_update AFTER UPDATE OF label, source ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, label, source)
        VALUES ('delete', old.id, old.label, old.source);
        INSERT INTO recipes_fts(rowid, label, source) VALUES (new.id, new.label, new.source);
    END""",
]


def _token_generation() -> sa.Column[int]:
    return sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)


def _users(*extra: sa.Column[int]) -> sa.Table:
    """`users` as revision 0004 left it, plus `extra` columns."""
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("surname", sa.String(length=100), nullable=True),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=True),
        *extra,
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.Index("ix_users_email", "email", unique=True),
    )


def _recipes() -> sa.Table:
    """`recipes` as revision 0004 left it (its full-text objects aside)."""
    return sa.Table(
        "recipes",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("source", sa.String(length=256), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["submitter_id"],
            ["users.id"],
            name="fk_recipes_submitter_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recipes"),
        sa.Index("ix_recipes_created_at_id", "created_at", "id"),
        sa.Index("ix_recipes_submitter_id_created_at_id", "submitter_id", "created_at", "id"),
    )


def _rebuilds() -> bool:
    """Whether the tables are rebuilt: on SQLite. With foreign keys on, dropping the old
    `users` would delete every recipe; env.py turns them off when it runs migrations,
    and SQL written out for running by hand turns them off itself."""
    if op.get_context().dialect.name != "sqlite":
        return False
    if context.is_offline_mode():
        op.execute("PRAGMA foreign_keys = OFF")
    return True


def _rebuild_recipes_on_sqlite(*, autoincrement: bool) -> None:
    with op.batch_alter_table(
        "recipes",
        recreate="always",
        copy_from=_recipes(),
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ):
        pass
    for statement in _SQLITE_FTS_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    sqlite = _rebuilds()
    with op.batch_alter_table(
        "users",
        recreate="always" if sqlite else "auto",
        copy_from=_users(),
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        batch_op.add_column(_token_generation())
    if sqlite:
        _rebuild_recipes_on_sqlite(autoincrement=True)


def downgrade() -> None:
    sqlite = _rebuilds()
    if sqlite:
        _rebuild_recipes_on_sqlite(autoincrement=False)
    with op.batch_alter_table(
        "users",
        recreate="always" if sqlite else "auto",
        copy_from=_users(_token_generation()),
        table_kwargs={"sqlite_autoincrement": False},
    ) as batch_op:
        batch_op.drop_column("token_generation")
