"""Full-text search over recipes' label and source, on each engine's own index.

The indexes come from migration 0004. User input never reaches an engine's query
language as written: it is cut into words (runs of letters and digits, in any script)
and every other character is dropped, so quotes, operators, wildcards and emoji cannot
become syntax. Each word must match (AND) as the prefix of a word in the label or the
source. Best matches come first, by each engine's own relevance measure.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, table
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Session

from app.models.recipe import Recipe

# SQLite: the FTS5 table and its bm25() weights (label, source): a word in the label
# counts ten times one in the source.
_FTS5 = table("recipes_fts", literal_column("rowid"))
_FTS5_RANK = "bm25(recipes_fts, 10.0, 1.0)"
# PostgreSQL: the indexed expression, written exactly as migration 0004's GIN index
# (the planner only uses the index for an identical expression).
_TSVECTOR = (
    "setweight(to_tsvector('simple', recipes_fts_text(recipes.label)), 'A')"
    " || setweight(to_tsvector('simple', recipes_fts_text(recipes.source)), 'B')"
)


def matching(db: Session, statement: Select[Any], words: list[str]) -> Select[Any]:
    """`statement` (over recipes) narrowed to recipes matching every word, best first.

    Callers add their own order after this one as the tie-break.
    """
    if not words:
        raise ValueError("a search needs at least one word")
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        # Each word a quoted string (it holds no quote) with FTS5's prefix star.
        query = " AND ".join(f'"{word}"*' for word in words)
        return (
            statement.join(_FTS5, literal_column("recipes_fts.rowid") == Recipe.id)
            .where(literal_column("recipes_fts").op("MATCH")(query))
            .order_by(literal_column(_FTS5_RANK))
        )
    if dialect == "postgresql":
        # 'word':* is a prefix match; & requires every word.
        tsquery = func.to_tsquery(
            literal_column("'simple'"),
            func.recipes_fts_text(" & ".join(f"'{word}':*" for word in words)),
        )
        document: ColumnElement[Any] = literal_column(_TSVECTOR)
        return statement.where(document.op("@@")(tsquery)).order_by(
            func.ts_rank(document, tsquery).desc()
        )
    if dialect in ("mysql", "mariadb"):
        # Boolean mode: + makes a word required, * a prefix.
        relevance = mysql.match(
            Recipe.__table__.c.label,
            Recipe.__table__.c.source,
            against=" ".join(f"+{word}*" for word in words),
        ).in_boolean_mode()
        return statement.where(relevance).order_by(relevance.desc())
    raise NotImplementedError(f"no full-text search for {dialect}")
