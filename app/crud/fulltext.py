"""Full-text search over recipes' label and source, on each engine's own index.

The indexes come from migration 0004. User input never reaches an engine's query
language as written: it is cut into words (runs of letters and digits, in any script)
and every other character is dropped, so quotes, operators, wildcards and emoji cannot
become syntax. Each word must match (AND) as the prefix of a word in the label or the
source. Best matches come first, by each engine's own relevance measure, and equal
matches the most recently added first.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, table
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


def best_matches(
    db: Session, statement: Select[Any], words: list[str], *, offset: int, limit: int
) -> Select[Any]:
    """`statement` (over recipes) narrowed to the recipes matching every word: the page
    `offset`, `limit` of them, best match first, then the most recently added (highest
    id first)."""
    newest = Recipe.id.desc()
    if _dialect(db) == "sqlite":
        # The page is ranked inside the FTS5 index, then only its rows are read from
        # recipes: a common word matches thousands, and reading all of them to order
        # ties by a recipes column took half the time of a search.
        rowid: ColumnElement[int] = literal_column("rowid")
        rank: ColumnElement[float] = literal_column(_FTS5_RANK)
        page = (
            select(rowid.label("id"), rank.label("rank"))
            .select_from(_FTS5)
            .where(_fts5_match(words))
            .order_by(rank, rowid.desc())
            .offset(offset)
            .limit(limit)
            .subquery("ranked")
        )
        return statement.join(page, page.c.id == Recipe.id).order_by(page.c.rank, newest)
    condition, relevance = _match(db, words)
    statement = statement.where(condition).order_by(relevance.desc(), newest)
    return statement.offset(offset).limit(limit)


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def _fts5_match(words: list[str]) -> ColumnElement[bool]:
    if not words:
        raise ValueError("a search needs at least one word")
    # Each word a quoted string (it holds no quote) with FTS5's prefix star.
    query = " AND ".join(f'"{word}"*' for word in words)
    return literal_column("recipes_fts").op("MATCH")(query)


def _match(db: Session, words: list[str]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """PostgreSQL's and MySQL's condition for matching every word, and its relevance."""
    if not words:
        raise ValueError("a search needs at least one word")
    dialect = _dialect(db)
    if dialect == "postgresql":
        # 'word':* is a prefix match; & requires every word.
        tsquery = func.to_tsquery(
            literal_column("'simple'"),
            func.recipes_fts_text(" & ".join(f"'{word}':*" for word in words)),
        )
        document: ColumnElement[Any] = literal_column(_TSVECTOR)
        return document.op("@@")(tsquery), func.ts_rank(document, tsquery)
    if dialect in ("mysql", "mariadb"):
        # Boolean mode: + makes a word required, * a prefix. MATCH is its own relevance.
        relevance = mysql.match(
            Recipe.__table__.c.label,
            Recipe.__table__.c.source,
            against=" ".join(f"+{word}*" for word in words),
        ).in_boolean_mode()
        return relevance, relevance
    raise NotImplementedError(f"no full-text search for {dialect}")
