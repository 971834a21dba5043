"""The ceiling: the benchmark's request shapes served by a bare ASGI app over sqlite3.

No framework, no ORM, no validation, no thread hops: one connection used straight
from the event loop, rows turned into JSON or HTML by hand. It answers the same paths
as the service with the same SQL, so the ratio service / ceiling is the price of
everything the service adds. Run by bench/run.py:

    BENCH_DB=bench/data/recipes-100000.db uvicorn bench.raw_app:app
"""

import base64
import html
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

COLUMNS = "id, label, source, url, submitter_id, created_at, updated_at, version"
NEWEST_FIRST = "ORDER BY created_at DESC, id DESC"

db = sqlite3.connect(os.environ["BENCH_DB"], isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute("PRAGMA foreign_keys = ON")
db.execute("PRAGMA busy_timeout = 30000")


def _timestamp(value: str) -> str:
    return value.replace(" ", "T") + "Z"


def _recipe(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": row[0],
        "label": row[1],
        "source": row[2],
        "url": row[3],
        "submitter_id": row[4],
        "created_at": _timestamp(row[5]),
        "updated_at": _timestamp(row[6]),
    }


def _json(status: int, body: object) -> tuple[int, bytes, bytes]:
    return status, b"application/json", json.dumps(body).encode()


def get_recipe(recipe_id: int) -> tuple[int, bytes, bytes]:
    row = db.execute(f"SELECT {COLUMNS} FROM recipes WHERE id = ?", (recipe_id,)).fetchone()
    if row is None:
        return _json(404, {"detail": f"recipe {recipe_id} not found"})
    return _json(200, _recipe(row))


def list_recipes(query: dict[str, list[str]]) -> tuple[int, bytes, bytes]:
    limit = int(query.get("limit", ["20"])[0])
    if "cursor" not in query:
        rows = db.execute(f"SELECT {COLUMNS} FROM recipes {NEWEST_FIRST} LIMIT ?", (limit,))
        return _json(200, {"items": [_recipe(row) for row in rows]})
    created_at, recipe_id = _position(query["cursor"][0])
    rows = db.execute(
        f"SELECT {COLUMNS} FROM recipes WHERE created_at <= ? AND (created_at, id) < (?, ?) "
        f"{NEWEST_FIRST} LIMIT ?",
        (created_at, created_at, recipe_id, limit),
    )
    return _json(200, {"items": [_recipe(row) for row in rows]})


def _position(cursor: str) -> tuple[str, int]:
    """The (created_at, id) a service cursor points after: its JSON, less the signature
    (not checked: the ceiling does the least it can)."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[:-16]
    created_at, recipe_id = json.loads(raw)[3]
    moment = datetime.fromisoformat(created_at).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f"), recipe_id


def search(query: dict[str, list[str]]) -> tuple[int, bytes, bytes]:
    """Full-text search on the service's FTS5 table, best match first: the page ranked
    in the index, then its recipes read (the service's query)."""
    words = query["keyword"][0].split()
    match = " AND ".join(f'"{word}"*' for word in words)
    limit = int(query.get("max_results", ["10"])[0])
    rows = db.execute(
        f"SELECT {', '.join(f'r.{c.strip()}' for c in COLUMNS.split(','))} "
        "FROM recipes r JOIN (SELECT rowid AS id, bm25(recipes_fts, 10.0, 1.0) AS rank "
        "FROM recipes_fts WHERE recipes_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?) "
        "AS ranked ON ranked.id = r.id ORDER BY ranked.rank, r.id DESC",
        (match, limit),
    )
    return _json(200, {"items": [_recipe(row) for row in rows]})


def like_search(query: dict[str, list[str]]) -> tuple[int, bytes, bytes]:
    """The textbook search: a LIKE scan of every row (what full-text search replaces)."""
    pattern = f"%{query['keyword'][0]}%"
    limit = int(query.get("max_results", ["10"])[0])
    rows = db.execute(
        f"SELECT {COLUMNS} FROM recipes WHERE label LIKE ? OR source LIKE ? {NEWEST_FIRST} LIMIT ?",
        (pattern, pattern, limit),
    )
    return _json(200, {"items": [_recipe(row) for row in rows]})


def home(query: dict[str, list[str]]) -> tuple[int, bytes, bytes]:
    """The service's home page shape: 20 recipes with their submitters, one more read
    to know whether an older page exists, nothing counted."""
    page = int(query.get("page", ["1"])[0])
    rows = db.execute(
        "SELECT r.label, r.url, r.source, r.created_at, u.first_name, u.surname "
        "FROM recipes r JOIN users u ON u.id = r.submitter_id "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT 21 OFFSET ?",
        ((page - 1) * 20,),
    ).fetchall()
    items = "".join(
        f'<li><a href="{html.escape(url)}">{html.escape(label)}</a> {html.escape(source)} '
        f"added by {html.escape(' '.join(filter(None, (first, last))))} "
        f"<time>{created[:10]}</time></li>"
        for label, url, source, created, first, last in rows[:20]
    )
    older = f'<a rel="next" href="/?page={page + 1}">Older</a>' if len(rows) > 20 else ""
    page_html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Recipes</title>'
        f"</head><body><p>Recipes, newest first</p><ol>{items}</ol>{older}</body></html>"
    )
    return 200, b"text/html; charset=utf-8", page_html.encode()


def create_recipe(body: bytes) -> tuple[int, bytes, bytes]:
    fields = json.loads(body)
    now = db.execute("SELECT strftime('%Y-%m-%d %H:%M:%f000', 'now')").fetchone()[0]
    db.execute("BEGIN IMMEDIATE")
    try:
        cursor = db.execute(
            "INSERT INTO recipes (label, source, url, submitter_id, created_at, updated_at, "
            "version) VALUES (?, ?, ?, 1, ?, ?, 1)",
            (fields["label"], fields["source"], fields["url"], now, now),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    row = db.execute(f"SELECT {COLUMNS} FROM recipes WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _json(201, _recipe(row))


def route(
    method: str, path: str, query: dict[str, list[str]], body: bytes
) -> tuple[int, bytes, bytes]:
    if path == "/" and method == "GET":
        return home(query)
    if path == "/api/v1/recipes":
        return create_recipe(body) if method == "POST" else list_recipes(query)
    if path == "/raw/like-search":
        return like_search(query)
    if path == "/api/v1/recipes/search":
        return search(query)
    prefix = "/api/v1/recipes/"
    if path.startswith(prefix) and path[len(prefix) :].isdigit():
        return get_recipe(int(path[len(prefix) :]))
    return _json(404, {"detail": "not found"})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = parse_qs(scope["query_string"].decode())
    status, content_type, payload = route(scope["method"], scope["path"], query, body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
