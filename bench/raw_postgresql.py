"""The ceiling on PostgreSQL: bench/postgresql.py's request shapes served by a bare ASGI
app over psycopg.

bench/raw_app.py's ceiling, moved to PostgreSQL: no framework, no ORM, no validation,
no thread hops; a few connections (BENCH_POOL_SIZE, 4 unless set) used straight from
the event loop with psycopg's async API, in autocommit as raw_app's sqlite3 is. It
answers with the service's documents, built by raw_app's helpers, read with the
statements the service sends on PostgreSQL:
- a recipe: the row, then its ingredients, steps and tags, one statement each;
- a list page, newest first: the page (one row more, to know a next page exists),
  then the tags of its recipes; page 1 only;
- search: the page of matches ranked by ts_rank over the stored search document
  (migration 0008), then their tags;
- create: one INSERT ... RETURNING of a recipe without lists, for submitter 1 (the
  service also reads the signed-in user and its session, which this does not).
bench/postgresql.py checks that both documents are equal before it measures.

    BENCH_POSTGRESQL=postgresql://postgres@127.0.0.1/recipes_bench BENCH_DB=:memory: \
        SECRET_KEY=... uvicorn bench.raw_postgresql:app

BENCH_DB is raw_app's own setting: importing raw_app opens that SQLite file, unused here.
"""

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import psycopg

from bench.raw_app import (
    FIELDS,
    Receive,
    Response,
    Scope,
    Send,
    _cursor,
    _json,
    _quantity,
    _summary,
    answer,
    read_body,
)

# The recipes' own columns, unqualified: every statement here reads one table of them.
COLUMNS = ", ".join(FIELDS)
# app/crud/fulltext.py's _TSVECTOR: the weighted tsvector each row stores (migration
# 0008), which the GIN index covers.
TSVECTOR = "recipes.recipes_fts_document"
QUERY = "to_tsquery('simple', recipes_fts_text(%s))"
CREATED = FIELDS.index("created_at")


class Pool:
    """At most `size` connections, opened when first needed, lent one request at a time."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo, self.size, self.opened = conninfo, size, 0
        self.idle: asyncio.LifoQueue[psycopg.AsyncConnection[Any]] = asyncio.LifoQueue()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        else:
            connection = await self.idle.get()
        try:
            yield connection
        finally:
            self.idle.put_nowait(connection)


pool = Pool(os.environ["BENCH_POSTGRESQL"], int(os.environ.get("BENCH_POOL_SIZE", "4")))


def _text(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its timestamps as SQLite stores them, the form raw_app's helpers read."""
    return tuple(
        value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for value in row
    )


def _marks(count: int) -> str:
    # The service's IN list: a parameter per id.
    return ", ".join(["%s"] * count)


async def _tags_of(db: psycopg.AsyncConnection[Any], ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {id: [] for id in ids}
    if ids:
        rows = await db.execute(
            "SELECT rt.recipe_id, t.name FROM recipe_tags rt JOIN tags t ON t.id = rt.tag_id "
            f"WHERE rt.recipe_id IN ({_marks(len(ids))}) ORDER BY t.slug",
            ids,
        )
        for recipe_id, name in await rows.fetchall():
            found[recipe_id].append(name)
    return found


async def _summaries(
    db: psycopg.AsyncConnection[Any], rows: list[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    tags = await _tags_of(db, [row[0] for row in rows])
    return [_summary(_text(row), tags[row[0]]) for row in rows]


async def get_recipe(db: psycopg.AsyncConnection[Any], recipe_id: int) -> Response:
    found = await db.execute(f"SELECT {COLUMNS} FROM recipes WHERE id = %s", (recipe_id,))
    row = await found.fetchone()
    if row is None:
        return _json(404, {"detail": f"recipe {recipe_id} not found"})
    lines = await db.execute(
        "SELECT quantity_numerator, quantity_denominator, unit, food, note, section "
        "FROM recipe_ingredients WHERE recipe_id IN (%s) ORDER BY position",
        (recipe_id,),
    )
    ingredients = []
    for numerator, denominator, unit, food, note, section in await lines.fetchall():
        quantity, amount = _quantity(numerator, denominator)
        ingredients.append({
            "quantity": quantity, "unit": unit, "food": food, "note": note,
            "section": section, "amount": amount,
        })  # fmt: skip
    steps = await db.execute(
        "SELECT text, section FROM recipe_steps WHERE recipe_id IN (%s) ORDER BY position",
        (recipe_id,),
    )
    tags = await _tags_of(db, [recipe_id])
    document = _summary(_text(row), tags[recipe_id]) | {
        "ingredients": ingredients,
        "steps": [{"text": text, "section": section} for text, section in await steps.fetchall()],
    }
    return _json(200, document)


async def list_recipes(
    db: psycopg.AsyncConnection[Any], query_string: str, query: dict[str, list[str]]
) -> Response:
    """Page 1, newest first, with the link to page 2 (the service's Page[RecipeSummary])."""
    limit = int(query.get("limit", ["20"])[0])
    found = await db.execute(
        f"SELECT {COLUMNS} FROM recipes ORDER BY created_at DESC, id DESC LIMIT %s OFFSET 0",
        (limit + 1,),
    )
    rows = await found.fetchall()
    more = len(rows) > limit
    # Like the service, the tags of the extra row come along.
    items = (await _summaries(db, rows))[:limit]
    last = _text(rows[limit - 1]) if more else None
    next_url = None
    if last is not None:
        kept = [(k, v) for k, v in parse_qsl(query_string) if k not in ("cursor", "offset")]
        position = _cursor(last[CREATED], last[0], backwards=False)
        next_url = "/api/v1/recipes?" + urlencode([*kept, ("cursor", position)])
    page = {
        "items": items, "total": None, "offset": 0, "limit": limit,
        "next": next_url, "prev": None,
    }  # fmt: skip
    links = [(b"link", f'<{next_url}>; rel="next"'.encode())] if next_url else []
    return _json(200, page, links)


async def search(db: psycopg.AsyncConnection[Any], query: dict[str, list[str]]) -> Response:
    """The service's search: every word a prefix, best match first, then newest."""
    words = " & ".join(f"'{word}':*" for word in query["keyword"][0].split())
    limit = int(query.get("max_results", ["10"])[0])
    found = await db.execute(
        f"SELECT {COLUMNS} FROM recipes WHERE {TSVECTOR} @@ {QUERY} "
        f"ORDER BY ts_rank({TSVECTOR}, {QUERY}) DESC, id DESC LIMIT %s OFFSET 0",
        (words, words, limit),
    )
    return _json(200, {"items": await _summaries(db, await found.fetchall())})


async def create_recipe(db: psycopg.AsyncConnection[Any], body: bytes) -> Response:
    """A recipe without lists (what the benchmark's creates send), answered as the
    service does: the whole document, its lists empty."""
    fields = json.loads(body)
    found = await db.execute(
        "INSERT INTO recipes (label, source, url, submitter_id, created_at, updated_at, "
        "version) VALUES (%s, %s, %s, 1, clock_timestamp(), clock_timestamp(), 1) "
        f"RETURNING {COLUMNS}",
        (fields["label"], fields.get("source"), fields.get("url")),
    )
    row = await found.fetchone()
    assert row is not None
    return _json(201, _summary(_text(row), []) | {"ingredients": [], "steps": []})


async def route(method: str, path: str, query_string: str, body: bytes) -> Response:
    query = parse_qs(query_string)
    prefix = "/api/v1/recipes/"
    async with pool.connection() as db:
        if path == "/api/v1/recipes":
            if method == "POST":
                return await create_recipe(db, body)
            return await list_recipes(db, query_string, query)
        if path == "/api/v1/recipes/search":
            return await search(db, query)
        if path.startswith(prefix) and path[len(prefix) :].isdigit():
            return await get_recipe(db, int(path[len(prefix) :]))
    return _json(404, {"detail": "not found"})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    answered = await route(scope["method"], scope["path"], scope["query_string"].decode(), body)
    await answer(send, answered)
