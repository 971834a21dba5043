import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.core.config import settings
from app.models import Recipe, User
from app.schemas.base import MAX_LIMIT
from tests.utils.auth import sign_in
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_recipe, make_user, recipe_body, recipe_fields

API = "/api/v1/recipes"


def test_create_returns_201_with_location_of_the_stored_recipe(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    client = user_client
    body = recipe_body(label="Chicken Vesuvio")

    response = client.post(API, json=body)

    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["submitter_id"] == normal_user.id
    assert response.headers["location"].endswith(f"{API}/{created['id']}")
    assert client.get(response.headers["location"]).json() == created
    stored = db.get(Recipe, created["id"])
    assert stored is not None and stored.label == "Chicken Vesuvio"


def test_timestamps_are_utc_and_round_trip(user_client: TestClient) -> None:
    client = user_client
    created = client.post(API, json=recipe_body()).json()

    fetched = client.get(f"{API}/{created['id']}").json()

    assert fetched["created_at"] == created["created_at"]
    assert datetime.fromisoformat(fetched["created_at"]).utcoffset() is not None
    assert fetched["created_at"].endswith("Z")


def test_get_missing_recipe_is_404_naming_it(client: TestClient) -> None:
    response = client.get(f"{API}/999999")

    assert response.status_code == 404
    assert error_detail(response) == "recipe 999999 not found"


def test_list_is_newest_first_with_total_and_stable_pages(client: TestClient, db: Session) -> None:
    user = make_user(db)
    ids = [make_recipe(db, user).id for _ in range(7)]

    first = client.get(API, params={"limit": 3, "include_total": True}).json()
    second = client.get(API, params={"offset": 3, "limit": 3}).json()
    third = client.get(API, params={"offset": 6, "limit": 3}).json()

    assert first["total"] == 7 and (first["offset"], first["limit"]) == (0, 3)
    paged = [r["id"] for page in (first, second, third) for r in page["items"]]
    assert paged == sorted(ids, reverse=True)
    assert second["total"] is None
    assert client.get(API, params={"limit": 3, "include_total": True}).json() == first


def test_list_uses_default_page_size(client: TestClient, db: Session) -> None:
    user = make_user(db)
    for _ in range(settings.DEFAULT_PAGE_SIZE + 1):
        make_recipe(db, user)

    page = client.get(API, params={"include_total": "true"}).json()

    assert len(page["items"]) == settings.DEFAULT_PAGE_SIZE == page["limit"]
    assert page["total"] == settings.DEFAULT_PAGE_SIZE + 1


def test_patch_changes_only_the_fields_sent(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    client = user_client
    recipe = make_recipe(db, normal_user, label="Old label", source="Old source")
    before = client.get(f"{API}/{recipe.id}").json()

    response = client.patch(f"{API}/{recipe.id}", json={"label": "New label"})

    assert response.status_code == 200
    after = response.json()
    assert after["label"] == "New label"
    assert {k: v for k, v in after.items() if k not in ("label", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("label", "updated_at")
    }
    assert after["updated_at"] > before["updated_at"]


def test_put_replaces_every_field_but_the_submitter(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    client = user_client
    recipe = make_recipe(db, normal_user)
    replacement = recipe_body(label="Replaced", source="Elsewhere")

    response = client.put(f"{API}/{recipe.id}", json=replacement)

    assert response.status_code == 200
    assert {k: response.json()[k] for k in replacement} == replacement
    assert response.json()["submitter_id"] == normal_user.id


def test_put_requires_a_label(user_client: TestClient, db: Session, normal_user: User) -> None:
    client = user_client
    recipe = make_recipe(db, normal_user, label="Keep me")

    response = client.put(f"{API}/{recipe.id}", json={"source": "Only this"})

    assert response.status_code == 422
    assert set(invalid_fields(response)) == {"label"}
    assert client.get(f"{API}/{recipe.id}").json()["label"] == "Keep me"


def test_put_empties_what_it_leaves_out(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    """PUT takes the whole recipe: a field left out is empty afterwards."""
    client = user_client
    recipe = make_recipe(db, normal_user, label="Keep me")

    response = client.put(f"{API}/{recipe.id}", json={"label": "Only this"})

    assert response.status_code == 200
    body = response.json()
    assert (body["label"], body["source"], body["url"]) == ("Only this", None, None)


def test_delete_is_204_then_404(user_client: TestClient, db: Session, normal_user: User) -> None:
    client = user_client
    recipe = make_recipe(db, normal_user)

    assert client.delete(f"{API}/{recipe.id}").status_code == 204
    assert client.get(f"{API}/{recipe.id}").status_code == 404
    assert client.delete(f"{API}/{recipe.id}").status_code == 404


@pytest.mark.committed
def test_search_is_case_insensitive_over_label_and_source(client: TestClient, db: Session) -> None:
    user = make_user(db)
    by_label = make_recipe(db, user, label="Chicken Vesuvio", source="Serious Eats")
    by_source = make_recipe(db, user, label="Paella", source="The CHICKEN shack")
    make_recipe(db, user, label="Beef stew", source="Allrecipes")

    response = client.get(f"{API}/search", params={"keyword": "chICKen"})

    assert response.status_code == 200
    # Which comes first is the engine's ranking (tests/api/test_search.py).
    assert sorted(r["id"] for r in response.json()["items"]) == [by_label.id, by_source.id]


@pytest.mark.committed
def test_search_looks_for_words_and_drops_punctuation(client: TestClient, db: Session) -> None:
    user = make_user(db)
    percent = make_recipe(db, user, label="100% rye bread")
    make_recipe(db, user, label="Rye crackers")

    found = client.get(f"{API}/search", params={"keyword": "100% r"}).json()["items"]
    underscore = client.get(f"{API}/search", params={"keyword": "_"})

    assert [r["id"] for r in found] == [percent.id]
    assert underscore.status_code == 422


@pytest.mark.committed
def test_search_finds_a_match_behind_thousands_of_other_rows(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    filler = [recipe_fields(user.id, label=f"Plain dish {n}") for n in range(5000)]
    db.execute(insert(Recipe), filler)
    oldest = min(db.scalars(select(Recipe.created_at)))
    # The match is the oldest row: last in list order, far past any first page.
    match = make_recipe(db, user, label="Hidden Saffron Risotto", created_at=oldest)

    assert db.scalar(select(func.count()).select_from(Recipe)) == 5001
    # Once, in a full CI run, MariaDB's FULLTEXT index did not yet show the match right
    # after this 5,001-row commit (it passed alone and in other full runs; suspected:
    # InnoDB's full-text cache being synced). The match must still be found, within 5 s.
    deadline = time.monotonic() + 5
    while True:
        response = client.get(f"{API}/search", params={"keyword": "saffron", "max_results": 1})
        found = [r["id"] for r in response.json()["items"]]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found == [match.id]


@pytest.mark.committed
def test_search_returns_at_most_max_results_newest_first(client: TestClient, db: Session) -> None:
    user = make_user(db)
    ids = [make_recipe(db, user, label=f"Soup {n}").id for n in range(5)]

    items = client.get(f"{API}/search", params={"keyword": "soup", "max_results": 2}).json()[
        "items"
    ]

    assert [r["id"] for r in items] == sorted(ids, reverse=True)[:2]


def test_search_bounds_max_results(client: TestClient) -> None:
    for bad in (0, -1, settings.MAX_SEARCH_RESULTS + 1, 2**63, "many"):
        response = client.get(f"{API}/search", params={"keyword": "x", "max_results": bad})
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"] == ["query", "max_results"]


def test_limit_above_page_size_bound_is_refused(client: TestClient) -> None:
    assert settings.MAX_PAGE_SIZE <= MAX_LIMIT
    response = client.get(API, params={"limit": settings.MAX_PAGE_SIZE + 1})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


# Who may write.


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_submitter_id_in_the_body_is_refused_naming_it(
    user_client: TestClient, db: Session, normal_user: User, method: str
) -> None:
    other = make_user(db)
    recipe = make_recipe(db, normal_user, label="Mine")
    url = API if method == "POST" else f"{API}/{recipe.id}"
    count = db.scalar(select(func.count()).select_from(Recipe))

    response = user_client.request(method, url, json=recipe_body(submitter_id=other.id))

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "submitter_id"]]
    assert db.scalar(select(func.count()).select_from(Recipe)) == count
    assert db.scalars(select(Recipe.submitter_id)).all() == [normal_user.id]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_someone_elses_recipe_is_403_and_unchanged(
    user_client: TestClient, db: Session, method: str
) -> None:
    recipe = make_recipe(db, make_user(db), label="Not yours")
    before = user_client.get(f"{API}/{recipe.id}").json()

    response = user_client.request(method, f"{API}/{recipe.id}", json=recipe_body())

    assert response.status_code == 403
    assert error_detail(response) == f"recipe {recipe.id} is not yours"
    assert user_client.get(f"{API}/{recipe.id}").json() == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_missing_recipe_is_404_for_a_signed_in_user(user_client: TestClient, method: str) -> None:
    response = user_client.request(method, f"{API}/999999", json=recipe_body())

    assert response.status_code == 404


def test_a_superuser_may_change_and_delete_anyones_recipe(
    superuser_client: TestClient, db: Session
) -> None:
    owner = make_user(db)
    recipe = make_recipe(db, owner)
    url = f"{API}/{recipe.id}"

    patched = superuser_client.patch(url, json={"label": "Edited by an admin"})
    replaced = superuser_client.put(url, json=recipe_body(label="Replaced by an admin"))
    deleted = superuser_client.delete(url)

    assert patched.status_code == replaced.status_code == 200
    assert replaced.json()["submitter_id"] == owner.id
    assert deleted.status_code == 204
    assert superuser_client.get(url).status_code == 404


def test_a_superusers_own_recipes_are_theirs(superuser_client: TestClient, superuser: User) -> None:
    created = superuser_client.post(API, json=recipe_body())

    assert created.status_code == 201
    assert created.json()["submitter_id"] == superuser.id


@pytest.mark.committed
def test_reading_needs_no_sign_in(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, label="Public bread")

    assert client.get(API).status_code == 200
    assert client.get(f"{API}/{recipe.id}").status_code == 200
    found = client.get(f"{API}/search", params={"keyword": "public"})
    assert [r["id"] for r in found.json()["items"]] == [recipe.id]
    theirs = client.get(f"/api/v1/users/{recipe.submitter_id}/recipes").json()["items"]
    assert [r["id"] for r in theirs] == [recipe.id]


def test_a_recipe_by_token_of_one_user_is_theirs(client: TestClient, db: Session) -> None:
    first, second = make_user(db), make_user(db)

    sign_in(client, first)
    mine = client.post(API, json=recipe_body()).json()
    sign_in(client, second)
    theirs = client.post(API, json=recipe_body()).json()

    assert (mine["submitter_id"], theirs["submitter_id"]) == (first.id, second.id)
