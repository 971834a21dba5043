"""What differs between SQLite, PostgreSQL and MariaDB must not show through the API."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Recipe
from app.models.recipe import LABEL_LENGTH
from tests.utils.factories import make_recipe, recipe_body

API = "/api/v1/recipes"


@pytest.mark.parametrize(
    "label",
    ["Pão de queijo 🧀", "🍕" * LABEL_LENGTH, "Crème brûlée", "麻婆豆腐", "שקשוקה"],
    ids=["emoji", "longest-in-emoji", "accents", "cjk", "rtl"],
)
def test_any_unicode_is_stored_exactly(user_client: TestClient, db: Session, label: str) -> None:
    created = user_client.post(API, json=recipe_body(label=label))

    assert created.status_code == 201, created.text
    assert user_client.get(f"{API}/{created.json()['id']}").json()["label"] == label
    db.expire_all()
    stored = db.get(Recipe, created.json()["id"])
    assert stored is not None and stored.label == label


@pytest.mark.parametrize(
    "label", ["🍕" * (LABEL_LENGTH + 1), "x" * (LABEL_LENGTH + 1)], ids=["emoji", "ascii"]
)
def test_length_is_counted_in_characters_before_the_database(
    user_client: TestClient, db: Session, label: str
) -> None:
    response = user_client.post(API, json=recipe_body(label=label))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "label"]
    assert f"at most {LABEL_LENGTH} characters" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize("field", ["label", "source"])
def test_nul_is_refused_not_stored(user_client: TestClient, db: Session, field: str) -> None:
    response = user_client.post(API, json=recipe_body(**{field: "Bread\x00"}))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
    assert db.query(Recipe).count() == 0


@pytest.mark.parametrize(
    ("stored", "keyword"),
    [
        ("Chicken Vesuvio", "cHICKEN"),
        ("Crème brûlée", "CRÈME"),
        ("ÉCLAIRS au chocolat", "éclairs"),
        ("Pão de queijo 🧀", "PÃO"),
    ],
)
@pytest.mark.committed
def test_search_ignores_case_in_any_script(
    user_client: TestClient, db: Session, stored: str, keyword: str
) -> None:
    match = make_recipe(db, label=stored)
    make_recipe(db, label="Something else entirely")

    found = user_client.get(f"{API}/search", params={"keyword": keyword}).json()["items"]

    assert [item["id"] for item in found] == [match.id]


def test_timestamps_come_back_as_the_same_instant_in_utc(db: Session) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=kolkata)
    recipe = make_recipe(db)
    recipe.created_at = moment
    db.commit()

    db.expire_all()
    stored = db.get(Recipe, recipe.id)

    assert stored is not None
    assert stored.created_at == moment
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 3, 28, 20, 0, 15, 123456, tzinfo=UTC)
