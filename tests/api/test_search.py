"""Full-text search on each engine's own index: words as prefixes, case and accents,
label and source, ranking, hostile input, and the index following every change.

Marked `committed`: MariaDB's FULLTEXT index only sees committed rows.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import crud
from app.models import Recipe, User
from tests.utils.databases import Server
from tests.utils.errors import invalid_fields
from tests.utils.factories import make_recipe, make_user

pytestmark = pytest.mark.committed

SEARCH = "/api/v1/recipes/search"


def found(client: TestClient, keyword: str, **params: int) -> list[int]:
    response = client.get(SEARCH, params={"keyword": keyword, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def cook(db: Session) -> User:
    return make_user(db)


@pytest.fixture
def kitchen(db: Session, cook: User) -> dict[str, Recipe]:
    """A few recipes, and enough unrelated ones that no word is in every row (MariaDB
    ranks a word found in every row at zero)."""
    recipes = {
        "vesuvio": make_recipe(db, cook, label="Chicken Vesuvio", source="Serious Eats"),
        "brulee": make_recipe(db, cook, label="Crème brûlée", source="Les Halles"),
        "paella": make_recipe(db, cook, label="Paella", source="The Chicken Shack"),
        "soup": make_recipe(db, cook, label="Leek soup", source="Grandmother's notebook"),
    }
    for n in range(4):
        make_recipe(db, cook, label=f"Plain toast {n}", source="Breakfast club")
    return recipes


def test_a_word_matches_as_a_prefix(client: TestClient, kitchen: dict[str, Recipe]) -> None:
    assert set(found(client, "chick")) == {kitchen["vesuvio"].id, kitchen["paella"].id}
    assert found(client, "vesuv") == [kitchen["vesuvio"].id]


def test_case_does_not_matter(client: TestClient, kitchen: dict[str, Recipe]) -> None:
    assert found(client, "LEEK") == found(client, "leek") == [kitchen["soup"].id]
    assert found(client, "CRÈME") == [kitchen["brulee"].id]


def test_accents_do_not_matter(
    client: TestClient, db: Session, server: Server, kitchen: dict[str, Recipe]
) -> None:
    if server.engine == "postgresql" and db.scalar(text("SELECT recipes_fts_text('é')")) != "e":
        pytest.skip("this PostgreSQL has no unaccent extension: its search tells accents apart")
    assert found(client, "creme brulee") == [kitchen["brulee"].id]
    assert found(client, "brûlée") == [kitchen["brulee"].id]


def test_the_source_is_searched(client: TestClient, kitchen: dict[str, Recipe]) -> None:
    assert found(client, "grandmother") == [kitchen["soup"].id]
    assert found(client, "serious") == [kitchen["vesuvio"].id]


def test_every_word_must_match(client: TestClient, kitchen: dict[str, Recipe]) -> None:
    assert found(client, "chicken serious") == [kitchen["vesuvio"].id]
    assert found(client, "chicken leek") == []


def test_a_word_twice_ranks_first(client: TestClient, db: Session, cook: User) -> None:
    once = make_recipe(db, cook, label="Tomato salad", source="Market")
    twice = make_recipe(db, cook, label="Tomato tomato salad", source="Market")
    older = make_recipe(db, cook, label="Tomato salad", source="Market")
    for n in range(4):
        make_recipe(db, cook, label=f"Plain toast {n}", source="Breakfast club")
    older.created_at = once.created_at.replace(year=once.created_at.year - 1)
    db.commit()

    # Equal matches come the most recently added first: `older` was added last, then
    # backdated, and the tie-break is the id, which the index holds (not created_at).
    assert found(client, "tomato") == [twice.id, older.id, once.id]


@pytest.mark.engines("sqlite", "postgresql")
def test_a_word_in_the_label_ranks_above_one_in_the_source(
    client: TestClient, kitchen: dict[str, Recipe]
) -> None:
    # MariaDB's relevance weighs both columns of its FULLTEXT index the same.
    assert found(client, "chicken") == [kitchen["vesuvio"].id, kitchen["paella"].id]


HOSTILE = [
    '"chicken',
    "chicken OR leek",
    "NEAR(chicken leek)",
    "chick*",
    "*",
    "-chicken",
    "+chicken -leek",
    '"',
    "'",
    "\\",
    "chicken'; DROP TABLE recipes; --",
    "recipes_fts MATCH 'x'",
    "label:chicken",
    "^chicken",
    "chicken AND NOT leek",
    "(chicken)",
    "~chicken <leek >soup",
    "chicken:*",
    "!chicken & leek | soup",
    "🍗 chicken 🍗",
    "🍗",
    "x" * 100,
    " ".join(["chicken"] * 12),
    " ".join(f"w{n}" for n in range(33)),
    "%_%",
    "\u00a0chicken\u2003",
    "e\u0301clair",
]


@pytest.mark.parametrize("keyword", HOSTILE)
def test_hostile_input_is_never_syntax(
    client: TestClient, kitchen: dict[str, Recipe], keyword: str
) -> None:
    response = client.get(SEARCH, params={"keyword": keyword})

    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert invalid_fields(response) == ["keyword"]
        return
    # Whatever was found contains every plain word of the keyword.
    words = [w.lower() for w in keyword.replace("'", " ").split() if w.isalnum()]
    for item in response.json()["items"]:
        stored = f"{item['label']} {item['source']}".lower()
        assert all(word in stored for word in words), (keyword, item)


@pytest.mark.parametrize("keyword", ["🍗", "*", '"', "- + ~", "_"])
def test_a_keyword_without_a_word_names_the_keyword(client: TestClient, keyword: str) -> None:
    response = client.get(SEARCH, params={"keyword": keyword})

    assert response.status_code == 422
    assert invalid_fields(response) == ["keyword"]


def test_an_update_is_found_under_its_new_words(
    client: TestClient, db: Session, kitchen: dict[str, Recipe]
) -> None:
    recipe = kitchen["soup"]
    crud.recipe.update(db, db_obj=recipe, obj_in={"label": "Pumpkin soup", "source": "Allotment"})

    assert found(client, "pumpkin") == [recipe.id]
    assert found(client, "allotment") == [recipe.id]
    assert found(client, "leek") == []
    assert found(client, "grandmother") == []


def test_a_deleted_recipe_is_not_found(
    client: TestClient, db: Session, kitchen: dict[str, Recipe]
) -> None:
    crud.recipe.remove(db, id=kitchen["vesuvio"].id)

    assert found(client, "vesuvio") == []
    assert found(client, "chicken") == [kitchen["paella"].id]


def test_deleting_the_submitter_takes_their_recipes_out_of_search(
    client: TestClient, db: Session, kitchen: dict[str, Recipe], cook: User
) -> None:
    other = make_recipe(db, label="Chicken pie", source="Elsewhere")
    crud.user.remove(db, id=cook.id)

    assert found(client, "chicken") == [other.id]


def test_search_in_the_data_layer(db: Session, kitchen: dict[str, Recipe]) -> None:
    matches = crud.recipe.search(db, keyword="chicken", limit=10)

    assert {r.id for r in matches} == {kitchen["paella"].id, kitchen["vesuvio"].id}
    assert crud.recipe.search(db, keyword="🍗", limit=10) == []


@pytest.fixture
def pantry(db: Session, cook: User) -> dict[str, Recipe]:
    """Recipes whose words are in their description, ingredients or tags only; and
    filler, so that no word is in every row."""
    recipes = {
        "stew": make_recipe(
            db,
            cook,
            label="Winter pot",
            description="Slow and smoky.",
            ingredients=[
                {"food": "smoked paprika", "quantity": "1", "unit": "tsp"},
                {"food": "chickpeas"},
            ],
            tags=["Hearty"],
        ),
        "salad": make_recipe(
            db,
            cook,
            label="Green bowl",
            ingredients=[{"food": "baby spinach"}, {"food": "chickpeas"}],
            tags=["Vegan"],
        ),
        "named": make_recipe(db, cook, label="Chickpea curry"),
    }
    for n in range(4):
        make_recipe(db, cook, label=f"Plain toast {n}", ingredients=[{"food": "bread"}])
    return recipes


def test_search_matches_description_ingredients_and_tags(
    client: TestClient, pantry: dict[str, Recipe]
) -> None:
    assert found(client, "smoky") == [pantry["stew"].id]
    assert found(client, "papri") == [pantry["stew"].id]
    assert found(client, "heart") == [pantry["stew"].id]
    assert found(client, "vegan spinach") == [pantry["salad"].id]


def test_a_label_match_ranks_first(client: TestClient, pantry: dict[str, Recipe]) -> None:
    results = found(client, "chickpea")

    assert results[0] == pantry["named"].id
    assert set(results) == {pantry["named"].id, pantry["stew"].id, pantry["salad"].id}


def test_the_ingredient_filter_matches_word_prefixes_of_foods_only(
    client: TestClient, pantry: dict[str, Recipe]
) -> None:
    def listed(**params: Any) -> list[int]:
        response = client.get("/api/v1/recipes", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert listed(ingredient="chickp") == [pantry["salad"].id, pantry["stew"].id]
    assert listed(ingredient="PAPRIKA") == [pantry["stew"].id]  # a word inside the food
    assert listed(ingredient=["chickpeas", "spin"]) == [pantry["salad"].id]
    # In the label, not an ingredient: no match.
    assert listed(ingredient="curry") == []
    assert listed(ingredient="chickpea", tag="vegan") == [pantry["salad"].id]
    first = client.get("/api/v1/recipes", params={"ingredient": "chickpeas", "limit": 1}).json()
    assert [item["id"] for item in client.get(first["next"]).json()["items"]] == [pantry["stew"].id]


def test_the_index_follows_changed_lists(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    recipe = make_recipe(db, normal_user, ingredients=[{"food": "parsnip"}], tags=["Roast"])
    for n in range(4):
        make_recipe(db, normal_user, label=f"Filler {n}")
    assert found(user_client, "parsnip") == [recipe.id]

    changed = user_client.patch(
        f"/api/v1/recipes/{recipe.id}",
        json={"ingredients": [{"food": "celeriac"}], "tags": ["Mash"]},
    )

    assert changed.status_code == 200, changed.text
    assert found(user_client, "parsnip") == found(user_client, "roast") == []
    assert found(user_client, "celeriac") == found(user_client, "mash") == [recipe.id]
