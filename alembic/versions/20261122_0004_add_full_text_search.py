"""add full-text search over recipes' label and source

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:00:00.000000

Each engine has its own full-text machinery, none of which the models can describe, so
this is raw DDL per dialect (alembic/env.py keeps it out of `alembic check`; every
object's name starts with `recipes_fts` or `ix_recipes_fts`):

- SQLite: an FTS5 table over recipes(label, source) that stores no text of its own
  (external content), kept in step by three triggers, filled from the existing rows.
  A later batch migration of `recipes` (copy, drop, rename) drops the triggers with the
  old table, so it must recreate them and 'rebuild' the index.
- PostgreSQL: a GIN index over the weighted tsvector of label (A) and source (B), in the
  'simple' configuration (no stemming, no stopwords). `recipes_fts_text()` folds accents
  with the unaccent extension when it can be created, and is the identity otherwise
  (search then tells accents apart); queries call the same function, so they match.
- MySQL/MariaDB: a FULLTEXT index on (label, source).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    # prefix='2 3': prefix queries of 2 and 3 characters read a prefix index instead of
    # scanning every term; remove_diacritics 2 folds accents (é, ø, ...) as well as case.
    """CREATE VIRTUAL TABLE recipes_fts USING fts5(
        label, source, content='recipes', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
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
    "INSERT INTO recipes_fts(recipes_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER recipes_fts_update",
    "DROP TRIGGER recipes_fts_delete",
    "DROP TRIGGER recipes_fts_insert",
    "DROP TABLE recipes_fts",
]

# IMMUTABLE, so an index may use it: unaccent() itself is only STABLE, because its
# dictionary could change; naming the dictionary and the schema pins it.
_PG_FOLD_ACCENTS = """CREATE FUNCTION recipes_fts_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"""
_PG_KEEP_ACCENTS = """CREATE FUNCTION recipes_fts_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT $1 $$"""
# app/crud/fulltext.py writes the same expression; the planner uses the index only if
# they are identical.
_PG_INDEX = """CREATE INDEX ix_recipes_fts ON recipes USING gin ((
    setweight(to_tsvector('simple', recipes_fts_text(label)), 'A')
    || setweight(to_tsvector('simple', recipes_fts_text(source)), 'B')))"""


def _postgresql_up() -> None:
    if op.get_context().as_sql:
        # Offline SQL (`upgrade --sql`) is run by hand, by someone who can create the
        # extension or edit the function to the identity.
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        op.execute(_PG_FOLD_ACCENTS)
        op.execute(_PG_INDEX)
        return
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        unaccent = True
    except DBAPIError:
        # Not installed on the server, or this role may not create extensions.
        unaccent = False
    op.execute(_PG_FOLD_ACCENTS if unaccent else _PG_KEEP_ACCENTS)
    op.execute(_PG_INDEX)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        _postgresql_up()
    elif dialect in ("mysql", "mariadb"):
        op.execute("CREATE FULLTEXT INDEX ix_recipes_fts ON recipes (label, source)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    elif dialect == "postgresql":
        # The unaccent extension stays: other objects may use it.
        op.execute("DROP INDEX ix_recipes_fts")
        op.execute("DROP FUNCTION recipes_fts_text(text)")
    elif dialect in ("mysql", "mariadb"):
        op.execute("DROP INDEX ix_recipes_fts ON recipes")
