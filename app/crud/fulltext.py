"""Full-text search over recipes, on each engine's own index: label, source,
description, the ingredients' foods and the tag names.

The indexes come from migrations 0004, 0007 and 0008; the foods and tags are indexed through
`recipes.foods_text` and `recipes.tags_text`, which crud.recipe writes with the lists.
User input never reaches an engine's query language as written: it is cut into words
(runs of letters and digits, in any script) and every other character is dropped, so
quotes, operators, wildcards and emoji cannot become syntax. Each word must match (AND)
as the prefix of a word in any of these fields. Best matches come first, by each
engine's own relevance measure (a word in the label weighs most), and equal matches
the most recently added first.

`foods_match` is the same kind of match on the foods alone: the ingredient filter.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, table
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement as _Element

from app.models.recipe import Recipe

# SQLite: the FTS5 table and its bm25() weights (label, source, description, foods,
# tags): a word in the label counts ten times one in the source or description.
_FTS5 = table("recipes_fts", literal_column("rowid"))
_FTS5_RANK = "bm25(recipes_fts, 10.0, 1.0, 1.0, 2.0, 4.0)"
# PostgreSQL: the weighted tsvector each row stores and the GIN index covers (migration
# 0008): label A, tags B, foods C, source and description D.
_TSVECTOR = "recipes.recipes_fts_document"
_SEARCHED = ("label", "source", "description", "foods_text", "tags_text")


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


def _fts5_match(words: list[str], column: str | None = None) -> ColumnElement[bool]:
    if not words:
        raise ValueError("a search needs at least one word")
    # Each word a quoted string (it holds no quote) with FTS5's prefix star; a column
    # filter ({foods_text}: ...) limits the match to one column.
    query = " AND ".join(f'"{word}"*' for word in words)
    if column is not None:
        query = f"{{{column}}}: ({query})"
    return literal_column("recipes_fts").op("MATCH")(query)


def _tsquery(words: list[str], weights: str = "") -> ColumnElement[Any]:
    # 'word':* is a prefix match, 'word':*C one in the lexemes of weight C; & requires
    # every word.
    return func.to_tsquery(
        literal_column("'simple'"),
        func.recipes_fts_text(" & ".join(f"'{word}':*{weights}" for word in words)),
    )


def _boolean_mode(words: list[str]) -> str:
    # + makes a word required, * a prefix.
    return " ".join(f"+{word}*" for word in words)


class _FoodsMatch(_Element[bool]):
    """Recipes with an ingredient whose food has a word starting with each of `words`:
    a condition each engine writes in its own full-text terms (see the compilers)."""

    # No Boolean type: SQLAlchemy would add "= 1" on MySQL, which has no booleans, and
    # MATCH gives a relevance, not 1. Each compiler writes a condition as it stands.
    inherit_cache = False

    def __init__(self, words: list[str]) -> None:
        if not words:
            raise ValueError("an ingredient filter needs at least one word")
        self.words = words


def foods_match(words: list[str]) -> ColumnElement[bool]:
    """The ingredient filter's condition on recipes (every word must match)."""
    return _FoodsMatch(words)


@compiles(_FoodsMatch, "sqlite")
def _foods_match_sqlite(element: _FoodsMatch, compiler: SQLCompiler, **kw: Any) -> str:
    matching: Select[Any] = select(literal_column("rowid")).select_from(_FTS5)
    matching = matching.where(_fts5_match(element.words, "foods_text"))
    return compiler.process(Recipe.id.in_(matching), **kw)


@compiles(_FoodsMatch, "postgresql")
def _foods_match_postgresql(element: _FoodsMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = literal_column(_TSVECTOR).op("@@")(_tsquery(element.words, "C"))
    return compiler.process(condition, **kw)


@compiles(_FoodsMatch, "mysql")
@compiles(_FoodsMatch, "mariadb")
def _foods_match_mysql(element: _FoodsMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = mysql.match(
        Recipe.__table__.c.foods_text, against=_boolean_mode(element.words)
    ).in_boolean_mode()
    return compiler.process(condition, **kw)


def _match(db: Session, words: list[str]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """PostgreSQL's and MySQL's condition for matching every word, and its relevance."""
    if not words:
        raise ValueError("a search needs at least one word")
    dialect = _dialect(db)
    if dialect == "postgresql":
        tsquery = _tsquery(words)
        document: ColumnElement[Any] = literal_column(_TSVECTOR)
        return document.op("@@")(tsquery), func.ts_rank(document, tsquery)
    if dialect in ("mysql", "mariadb"):
        # MATCH is its own relevance, but weighs every column alike: a match in the
        # label (its own index) is added ten times over.
        columns = Recipe.__table__.c
        against = _boolean_mode(words)
        anywhere = mysql.match(*(columns[c] for c in _SEARCHED), against=against)
        in_label = mysql.match(columns.label, against=against)
        condition = anywhere.in_boolean_mode()
        return condition, in_label.in_boolean_mode() * 10 + condition
    raise NotImplementedError(f"no full-text search for {dialect}")
