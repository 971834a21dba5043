"""The ceiling: the benchmark's request shapes served by a bare ASGI app over sqlite3.

No framework, no ORM, no validation, no thread hops: one connection used straight
from the event loop, rows turned into JSON or HTML by hand. It answers the same paths
with the same documents as the service, read with the same statements (a recipe: the
row, then its ingredients, steps and tags, one statement each; a list page: the page,
then the tags of its recipes), so the ratio service / ceiling is the price of
everything the service adds. bench/recipes.py checks that both documents are equal
before it measures. Run by bench/run.py:

    BENCH_DB=bench/data/recipes-100000.db SECRET_KEY=... uvicorn bench.raw_app:app
"""

import base64
import hashlib
import hmac
import html
import json
import math
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Response = tuple[int, bytes, bytes, list[tuple[bytes, bytes]]]

# A recipe's own columns, in the order of the service's JSON (RecipeSummary), as the
# "r" alias reads them.
FIELDS = (
    "id", "label", "source", "url", "description", "image_url", "servings", "yield_text",
    "prep_minutes", "cook_minutes", "total_minutes", "submitter_id", "created_at",
    "updated_at",
)  # fmt: skip
COLUMNS = ", ".join(f"r.{name}" for name in FIELDS)
NEWEST_FIRST = "ORDER BY r.created_at DESC, r.id DESC"
# The service's search: five columns, a word in the label weighing most.
BM25 = "bm25(recipes_fts, 10.0, 1.0, 1.0, 2.0, 4.0)"
SEARCHED = ("label", "source", "description", "foods_text", "tags_text")
# The service's cursors: signed with its key, the signature cut to 16 bytes.
CURSOR_KEY = os.environ.get("SECRET_KEY", "").encode()
SIGNATURE_BYTES = 16

db = sqlite3.connect(os.environ["BENCH_DB"], isolation_level=None, check_same_thread=False)
# The service's pragmas (app/db/sqlite.py), memory map included.
db.execute("PRAGMA foreign_keys = ON")
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute(f"PRAGMA mmap_size = {1 << 30}")
db.execute("PRAGMA busy_timeout = 30000")


def _timestamp(value: str) -> str:
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; pydantic leaves out zero microseconds.
    return value.removesuffix(".000000").replace(" ", "T") + "Z"


def _quantity(numerator: int | None, denominator: int | None) -> tuple[str | None, float | None]:
    """The canonical text ("1 1/2") and the number of a stored quantity."""
    if numerator is None or denominator is None:
        return None, None
    common = math.gcd(numerator, denominator)
    numerator, denominator = numerator // common, denominator // common
    whole, rest = divmod(numerator, denominator)
    if not rest:
        text = str(whole)
    elif not whole:
        text = f"{rest}/{denominator}"
    else:
        text = f"{whole} {rest}/{denominator}"
    return text, numerator / denominator


def _summary(row: tuple[Any, ...], tags: list[str]) -> dict[str, Any]:
    recipe = dict(zip(FIELDS, row, strict=True))
    recipe["created_at"] = _timestamp(recipe["created_at"])
    recipe["updated_at"] = _timestamp(recipe["updated_at"])
    # In the service's order: tags after total_minutes.
    head = {name: recipe.pop(name) for name in FIELDS[: FIELDS.index("total_minutes") + 1]}
    return head | {"tags": tags} | recipe


def _tags_of(ids: list[int]) -> dict[int, list[str]]:
    """The tag names of each recipe in `ids`, by slug: one statement for all of them."""
    found: dict[int, list[str]] = {id: [] for id in ids}
    if ids:
        marks = ", ".join("?" * len(ids))
        for recipe_id, name in db.execute(
            "SELECT rt.recipe_id, t.name FROM recipe_tags rt JOIN tags t ON t.id = rt.tag_id "
            f"WHERE rt.recipe_id IN ({marks}) ORDER BY t.slug",
            ids,
        ):
            found[recipe_id].append(name)
    return found


def _summaries(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    tags = _tags_of([row[0] for row in rows])
    return [_summary(row, tags[row[0]]) for row in rows]


def _json(status: int, body: object, headers: Iterable[tuple[bytes, bytes]] = ()) -> Response:
    # The service's bytes: compact, UTF-8 as is.
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return status, b"application/json", payload, list(headers)


def _document(recipe_id: int) -> dict[str, Any] | None:
    """The whole recipe as the service's RecipePublic, in four statements."""
    row = db.execute(f"SELECT {COLUMNS} FROM recipes r WHERE r.id = ?", (recipe_id,)).fetchone()
    if row is None:
        return None
    ingredients = []
    for numerator, denominator, unit, food, note, section in db.execute(
        "SELECT quantity_numerator, quantity_denominator, unit, food, note, section "
        "FROM recipe_ingredients WHERE recipe_id IN (?) ORDER BY position",
        (recipe_id,),
    ):
        quantity, amount = _quantity(numerator, denominator)
        ingredients.append({
            "quantity": quantity, "unit": unit, "food": food, "note": note,
            "section": section, "amount": amount,
        })  # fmt: skip
    steps = [
        {"text": text, "section": section}
        for text, section in db.execute(
            "SELECT text, section FROM recipe_steps WHERE recipe_id IN (?) ORDER BY position",
            (recipe_id,),
        )
    ]
    tags = _tags_of([recipe_id])[recipe_id]
    return _summary(row, tags) | {"ingredients": ingredients, "steps": steps}


def get_recipe(recipe_id: int) -> Response:
    document = _document(recipe_id)
    if document is None:
        return _json(404, {"detail": f"recipe {recipe_id} not found"})
    return _json(200, document)


def _cursor(created_at: str, recipe_id: int, *, backwards: bool) -> str:
    """The service's cursor for a row of the default order (app/api/v1/paging.py)."""
    moment = datetime.fromisoformat(created_at + "+00:00").isoformat()
    payload = json.dumps(
        ["recipe", "-created_at,-id", backwards, [moment, recipe_id]], separators=(",", ":")
    ).encode()
    signature = hmac.new(CURSOR_KEY, b"cursor:" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload + signature[:SIGNATURE_BYTES]).decode().rstrip("=")


def _position(cursor: str) -> tuple[str, int]:
    """The (created_at, id) a forward cursor points after: its JSON, less the signature
    (not checked: the ceiling does the least it can)."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[:-SIGNATURE_BYTES]
    created_at, recipe_id = json.loads(raw)[3]
    moment = datetime.fromisoformat(created_at).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f"), recipe_id


def list_recipes(query_string: str, query: dict[str, list[str]]) -> Response:
    """A page newest first, its tags, and the links to the pages around it: the
    service's Page[RecipeSummary] in two statements."""
    limit = int(query.get("limit", ["20"])[0])
    cursor = query.get("cursor", [None])[0]
    if cursor is None:
        rows = db.execute(
            f"SELECT {COLUMNS} FROM recipes r {NEWEST_FIRST} LIMIT ? OFFSET 0", (limit + 1,)
        ).fetchall()
    else:
        created_at, recipe_id = _position(cursor)
        rows = db.execute(
            f"SELECT {COLUMNS} FROM recipes r WHERE r.created_at <= ? "
            f"AND (r.created_at, r.id) < (?, ?) {NEWEST_FIRST} LIMIT ? OFFSET 0",
            (created_at, created_at, recipe_id, limit + 1),
        ).fetchall()
    more = len(rows) > limit
    # Like the service, the tags of the extra row (read only to know that a next page
    # exists) come along.
    items = _summaries(rows)[:limit]
    rows = rows[:limit]
    kept = [(k, v) for k, v in parse_qsl(query_string) if k not in ("cursor", "offset")]
    created = FIELDS.index("created_at")

    def link(row: tuple[Any, ...], *, backwards: bool) -> str:
        position = _cursor(row[created], row[0], backwards=backwards)
        return "/api/v1/recipes?" + urlencode([*kept, ("cursor", position)])

    next_url = link(rows[-1], backwards=False) if rows and more else None
    prev_url = link(rows[0], backwards=True) if rows and cursor is not None else None
    links = ", ".join(
        f'<{url}>; rel="{rel}"' for url, rel in ((next_url, "next"), (prev_url, "prev")) if url
    )
    page = {
        "items": items, "total": None, "offset": 0, "limit": limit,
        "next": next_url, "prev": prev_url,
    }  # fmt: skip
    return _json(200, page, [(b"link", links.encode())] if links else ())


def search(query: dict[str, list[str]]) -> Response:
    """Full-text search on the service's FTS5 table, best match first: the page ranked
    in the index, then its recipes read, then their tags (the service's statements)."""
    words = query["keyword"][0].split()
    match = " AND ".join(f'"{word}"*' for word in words)
    limit = int(query.get("max_results", ["10"])[0])
    rows = db.execute(
        f"SELECT {COLUMNS} FROM recipes r JOIN (SELECT rowid AS id, {BM25} AS rank "
        "FROM recipes_fts WHERE recipes_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?) "
        "AS ranked ON ranked.id = r.id ORDER BY ranked.rank, r.id DESC",
        (match, limit),
    ).fetchall()
    return _json(200, {"items": _summaries(rows)})


def like_search(query: dict[str, list[str]]) -> Response:
    """The textbook search: a LIKE scan of every row over the columns search reads
    (what full-text search replaces)."""
    pattern = f"%{query['keyword'][0]}%"
    limit = int(query.get("max_results", ["10"])[0])
    anywhere = " OR ".join(f"r.{column} LIKE ?" for column in SEARCHED)
    rows = db.execute(
        f"SELECT {COLUMNS} FROM recipes r WHERE {anywhere} {NEWEST_FIRST} LIMIT ?",
        (*[pattern] * len(SEARCHED), limit),
    ).fetchall()
    return _json(200, {"items": _summaries(rows)})


def home(query: dict[str, list[str]]) -> Response:
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
        f'<li><a href="{html.escape(url or "")}">{html.escape(label)}</a> '
        f"{html.escape(source or '')} "
        f"added by {html.escape(' '.join(filter(None, (first, last))))} "
        f"<time>{created[:10]}</time></li>"
        for label, url, source, created, first, last in rows[:20]
    )
    older = f'<a rel="next" href="/?page={page + 1}">Older</a>' if len(rows) > 20 else ""
    page_html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Recipes</title>'
        f"</head><body><p>Recipes, newest first</p><ol>{items}</ol>{older}</body></html>"
    )
    return 200, b"text/html; charset=utf-8", page_html.encode(), []


def create_recipe(body: bytes) -> Response:
    """A recipe without lists (what the benchmark's creates send), answered as the
    service does: the whole document, its lists empty."""
    fields = json.loads(body)
    now = db.execute("SELECT strftime('%Y-%m-%d %H:%M:%f000', 'now')").fetchone()[0]
    db.execute("BEGIN IMMEDIATE")
    try:
        cursor = db.execute(
            "INSERT INTO recipes (label, source, url, submitter_id, created_at, updated_at, "
            "version) VALUES (?, ?, ?, 1, ?, ?, 1)",
            (fields["label"], fields.get("source"), fields.get("url"), now, now),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    row = db.execute(f"SELECT {COLUMNS} FROM recipes r WHERE r.id = ?", (cursor.lastrowid,))
    return _json(201, _summary(row.fetchone(), []) | {"ingredients": [], "steps": []})


def route(method: str, path: str, query_string: str, body: bytes) -> Response:
    query = parse_qs(query_string)
    if path == "/" and method == "GET":
        return home(query)
    if path == "/api/v1/recipes":
        return create_recipe(body) if method == "POST" else list_recipes(query_string, query)
    if path == "/raw/like-search":
        return like_search(query)
    if path == "/api/v1/recipes/search":
        return search(query)
    prefix = "/api/v1/recipes/"
    if path.startswith(prefix) and path[len(prefix) :].isdigit():
        return get_recipe(int(path[len(prefix) :]))
    return _json(404, {"detail": "not found"})


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    body: bytes = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def answer(send: Send, answered: Response) -> None:
    """Send a route's (status, content type, payload, headers)."""
    status, content_type, payload, headers = answered
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    await answer(send, route(scope["method"], scope["path"], scope["query_string"].decode(), body))
