"""PostgreSQL: store each recipe's search document instead of computing it per match

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:50:00.000000

Revision 0007's GIN index is over an expression, the weighted tsvector of a recipe's
five searched columns. The index finds the matches, but a query computes that tsvector
again for every match, to check the match and again to rank it. A generated column
(`recipes_fts_document`, STORED) keeps it with the row, computed once per write; the
index is over the column, and app/crud/fulltext.py reads the column. SQLite's FTS5
table and MySQL's FULLTEXT indexes store their documents already: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revision 0007's expression: label A, tags B, foods C, source and description D.
_DOCUMENT = """setweight(to_tsvector('simple', recipes_fts_text(label)), 'A')
    || setweight(to_tsvector('simple', recipes_fts_text(coalesce(tags_text, ''))), 'B')
    || setweight(to_tsvector('simple', recipes_fts_text(coalesce(foods_text, ''))), 'C')
    || setweight(to_tsvector('simple',
        recipes_fts_text(source || ' ' || coalesce(description, ''))), 'D')"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_recipes_fts")
    op.execute(
        f"ALTER TABLE recipes ADD COLUMN recipes_fts_document tsvector "
        f"GENERATED ALWAYS AS ({_DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_recipes_fts ON recipes USING gin (recipes_fts_document)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_recipes_fts")
    op.execute("ALTER TABLE recipes DROP COLUMN recipes_fts_document")
    op.execute(f"CREATE INDEX ix_recipes_fts ON recipes USING gin (({_DOCUMENT}))")
