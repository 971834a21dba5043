"""Lists: keyset cursors, links, bounded offsets, sorting, filtering, constant query counts."""

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, String, event, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app import crud
from app.api.v1.paging import MAX_API_OFFSET, list_params
from app.crud.base import CRUDBase
from app.models import Recipe
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_recipe, make_user, recipe_fields
from tests.utils.statements import count_statements

API = "/api/v1/recipes"


def walk(client: TestClient, url: str, params: dict[str, Any], rel: str = "next") -> list[int]:
    """Every id on every page, following `rel` links from the first page."""
    ids: list[int] = []
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        if body[rel] is None:
            return ids
        assert f'<{body[rel]}>; rel="{rel}"' in response.headers["Link"]
        response = client.get(body[rel])


@pytest.fixture
def recipes(db: Session) -> list[Recipe]:
    """Seven recipes, three of them created at the same instant (ties on created_at)."""
    cook = make_user(db)
    made = [make_recipe(db, cook, label=label) for label in "GFEDCBA"]
    same = made[0].created_at
    for recipe in made[:3]:
        recipe.created_at = same
    db.commit()
    return made


def newest_first(recipes: list[Recipe]) -> list[int]:
    return [r.id for r in sorted(recipes, key=lambda r: (r.created_at, r.id), reverse=True)]


def test_next_links_walk_every_recipe_once_in_order(
    client: TestClient, recipes: list[Recipe]
) -> None:
    assert walk(client, API, {"limit": 2}) == newest_first(recipes)


def test_prev_links_walk_back_to_the_first_page(client: TestClient, recipes: list[Recipe]) -> None:
    pages = [client.get(API, params={"limit": 3}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    assert pages[0]["prev"] is None and pages[-1]["next"] is None

    back = [pages[-1]]
    while back[-1]["prev"]:
        back.append(client.get(back[-1]["prev"]).json())

    assert [p["items"] for p in back] == [p["items"] for p in reversed(pages)]


@pytest.mark.parametrize(
    "sort", ["label", "-label", "created_at,-label", "-created_at,label", "id"]
)
def test_cursors_follow_any_sort(client: TestClient, recipes: list[Recipe], sort: str) -> None:
    everything = client.get(API, params={"sort": sort, "limit": 100}).json()["items"]

    assert walk(client, API, {"sort": sort, "limit": 2}) == [r["id"] for r in everything]
    assert len(everything) == len(recipes)


def test_sort_by_label(client: TestClient, recipes: list[Recipe]) -> None:
    items = client.get(API, params={"sort": "label"}).json()["items"]

    assert [r["label"] for r in items] == sorted(r.label for r in recipes)


def test_a_cursor_from_another_sort_is_refused(client: TestClient, recipes: list[Recipe]) -> None:
    next_url = client.get(API, params={"limit": 2}).json()["next"]

    response = client.get(next_url + "&sort=label")

    assert response.status_code == 422
    assert invalid_fields(response) == ["cursor"]
    assert "sort=-created_at,-id" in error_detail(response)


def _tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[5] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage", "!!!", "a" * 1000, "W10", "WyJyZWNpcGUiLCItaWQiLGZhbHNlLFsxXV0", "tampered"],
)
def test_a_bad_cursor_is_422_naming_it(
    client: TestClient, recipes: list[Recipe], cursor: str
) -> None:
    if cursor == "tampered":
        cursor = _tampered(client.get(API, params={"limit": 2}).json()["next"].split("cursor=")[1])

    response = client.get(API, params={"cursor": cursor})

    assert response.status_code == 422
    assert invalid_fields(response) == ["cursor"]


def test_a_recipe_cursor_is_no_user_cursor(
    superuser_client: TestClient, db: Session, recipes: list[Recipe]
) -> None:
    next_url = superuser_client.get(API, params={"limit": 2, "sort": "id"}).json()["next"]

    response = superuser_client.get("/api/v1/users?" + next_url.split("?")[1])

    assert response.status_code == 422
    assert invalid_fields(response) == ["cursor"]


@pytest.mark.parametrize("sort", ["url", "-submitter_id", "label, id", "", "hashed_password"])
def test_sorting_by_anything_else_is_422_naming_what_is_allowed(
    client: TestClient, sort: str
) -> None:
    response = client.get(API, params={"sort": sort})

    assert response.status_code == 422
    assert invalid_fields(response) == ["sort"]
    assert "created_at, updated_at, label, id" in error_detail(response)


def test_a_column_named_twice_sorts_by_its_first_place(
    client: TestClient, recipes: list[Recipe]
) -> None:
    once = client.get(API, params={"sort": "label", "limit": 50})
    twice = client.get(API, params={"sort": "label,-label", "limit": 50})

    assert twice.status_code == 200, twice.text
    assert [r["id"] for r in twice.json()["items"]] == [r["id"] for r in once.json()["items"]]


def test_users_sort_by_their_own_columns(superuser_client: TestClient, db: Session) -> None:
    make_user(db, email="zed@example.com")
    make_user(db, email="amy@example.com")

    emails = [u["email"] for u in superuser_client.get("/api/v1/users?sort=email").json()["items"]]
    refused = superuser_client.get("/api/v1/users", params={"sort": "hashed_password"})

    assert emails == sorted(emails)
    assert refused.status_code == 422 and "id, email, created_at" in error_detail(refused)


def test_offset_is_bounded_and_points_at_the_cursor(client: TestClient) -> None:
    assert client.get(API, params={"offset": MAX_API_OFFSET}).status_code == 200

    response = client.get(API, params={"offset": MAX_API_OFFSET + 1})

    assert response.status_code == 422
    assert invalid_fields(response) == ["offset"]
    assert "next" in error_detail(response)


def test_offset_and_cursor_do_not_mix(client: TestClient, recipes: list[Recipe]) -> None:
    next_url = client.get(API, params={"limit": 2}).json()["next"]

    response = client.get(next_url + "&offset=1")

    assert response.status_code == 422 and invalid_fields(response) == ["offset"]


def test_total_only_when_asked(client: TestClient, recipes: list[Recipe]) -> None:
    assert client.get(API).json()["total"] is None
    assert client.get(API, params={"include_total": True}).json()["total"] == len(recipes)


def test_an_offset_page_links_to_its_neighbours(client: TestClient, recipes: list[Recipe]) -> None:
    body = client.get(API, params={"offset": 2, "limit": 2}).json()

    before = client.get(body["prev"]).json()["items"]
    after = client.get(body["next"]).json()["items"]

    order = newest_first(recipes)
    assert [r["id"] for r in before] == order[:2]
    assert [r["id"] for r in body["items"]] == order[2:4]
    assert [r["id"] for r in after] == order[4:6]


def test_no_links_on_a_single_page(client: TestClient, recipes: list[Recipe]) -> None:
    response = client.get(API)

    assert response.json()["next"] is None and response.json()["prev"] is None
    assert "Link" not in response.headers


def test_filters(client: TestClient, db: Session) -> None:
    ada, bob = make_user(db), make_user(db)
    now = datetime.now(UTC)
    old = make_recipe(db, ada, source="Old book", created_at=now - timedelta(days=10))
    new = make_recipe(db, ada, source="Blog", created_at=now - timedelta(days=1))
    bobs = make_recipe(db, bob, source="Blog", created_at=now - timedelta(days=5))

    def ids(**params: Any) -> list[int]:
        response = client.get(API, params=params)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert ids(submitter_id=ada.id) == [new.id, old.id]
    assert ids(source="Blog") == [new.id, bobs.id]
    assert ids(created_after=(now - timedelta(days=7)).isoformat()) == [new.id, bobs.id]
    assert ids(created_before=(now - timedelta(days=3)).isoformat()) == [bobs.id, old.id]
    assert ids(source="Blog", submitter_id=bob.id) == [bobs.id]
    assert walk(client, API, {"source": "Blog", "limit": 1}) == [new.id, bobs.id]
    theirs = client.get(f"/api/v1/users/{ada.id}/recipes", params={"source": "Blog"}).json()
    assert [r["id"] for r in theirs["items"]] == [new.id]


@pytest.mark.parametrize(
    ("name", "value"),
    [("submitter_id", "0"), ("created_after", "2026-01-01T00:00:00"), ("created_before", "x")],
)
def test_bad_filters_are_422_naming_them(client: TestClient, name: str, value: str) -> None:
    response = client.get(API, params={name: value})

    assert response.status_code == 422 and invalid_fields(response) == [name]


def test_user_recipes_page_with_cursors(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    mine = [make_recipe(db, cook).id for _ in range(5)]
    make_recipe(db)

    assert walk(client, f"/api/v1/users/{cook.id}/recipes", {"limit": 2}) == mine[::-1]


@pytest.mark.engines("sqlite")
def test_page_1000_by_cursor_is_an_index_range_read(db: Session) -> None:
    cook = make_user(db)
    db.execute(insert(Recipe), [recipe_fields(cook.id) for _ in range(2000)])
    db.execute(text("ANALYZE"))
    sort = crud.recipe.sort()
    window = crud.recipe.get_window(db, sort=sort, offset=1000, limit=1)
    assert window.next is not None

    captured: list[str] = []
    bind = db.connection()

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        captured.append(statement)

    event.listen(bind, "before_cursor_execute", capture)
    try:
        page = crud.recipe.get_window(db, sort=sort, after=window.next, limit=20)
    finally:
        event.remove(bind, "before_cursor_execute", capture)
    # The page, then its recipes' tags (one statement for the page).
    statement, tags = captured
    assert "recipe_tags" in tags
    params = db.execute(select(Recipe.created_at, Recipe.id).where(Recipe.id == window.items[0].id))
    created_at, id_ = params.one()
    plan = " ".join(
        row[-1]
        for row in bind.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement,
            tuple(v for v in _plan_params(created_at, id_)),
        )
    )

    assert "SEARCH recipes USING INDEX ix_recipes_created_at_id" in plan, plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan
    assert [r.id for r in page.items][0] < window.items[0].id


def _plan_params(created_at: datetime, id_: int) -> Iterator[Any]:
    stored = created_at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    yield from (stored, stored, id_, 21, 0)


# Committed: MariaDB's full-text index sees committed rows only, and a search that
# finds nothing would skip the statement loading its recipes' tags.
@pytest.mark.committed
def test_lists_take_the_same_number_of_queries_for_1_or_100_rows(
    client: TestClient, db: Session, engine: Engine
) -> None:
    cooks = [make_user(db) for _ in range(10)]
    db.execute(insert(Recipe), [recipe_fields(cooks[n % 10].id) for n in range(150)])
    db.commit()
    # Every statement on any of the engine's connections: commits hand the session's
    # connection back to the pool.
    bind = engine

    def get(url: str, **params: Any) -> None:
        assert client.get(url, params=params).status_code == 200

    make_recipe(db, cooks[0], label="Zanzibar pilau")
    get(API)  # the first request after a commit also begins a transaction

    api = [count_statements(bind, lambda n=n: get(API, limit=n)) for n in (1, 100)]
    # The home page shows each recipe's submitter: a page of one, and a full page.
    home = [count_statements(bind, lambda q=q: get("/", q=q)) for q in ("zanzibar", "recipe")]
    latest = count_statements(bind, lambda: get("/"))

    assert api[0] == api[1], api
    assert home[0] == home[1], home
    assert latest <= home[0], (latest, home)


class _Models(DeclarativeBase):
    pass


class Holiday(_Models):
    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(50))


def test_a_column_that_cursors_cannot_carry_is_refused_when_the_route_is_made() -> None:
    class CRUDHoliday(CRUDBase[Holiday, BaseModel, BaseModel]):
        sortable = ("name", "day", "id")

    with pytest.raises(TypeError, match="holiday.day is a date: a cursor carries"):
        list_params(CRUDHoliday(Holiday))
