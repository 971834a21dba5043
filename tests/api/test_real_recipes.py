"""Real recipes: details, ordered ingredient lines and steps, tags; scaling; the lists'
writes through the generic layer, their ETags, their bounds, their statement counts."""

import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db.base import Base
from app.models import Ingredient, Recipe, Step, Tag, User
from app.models.tag import recipe_tags
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_recipe, make_user, recipe_body
from tests.utils.statements import count_statements

API = "/api/v1/recipes"


def line(food: str, quantity: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"quantity": quantity, "unit": None, "food": food, "note": None, "section": None} | (
        fields
    )


def step(text: str, section: str | None = None) -> dict[str, Any]:
    return {"text": text, "section": section}


def bread(**overrides: Any) -> dict[str, Any]:
    """A whole recipe, as the API takes it."""
    return (
        recipe_body(
            label="Seeded loaf",
            description="A dense rye loaf.\nKeeps a week.",
            image_url="https://example.com/loaf.jpg",
            servings=4,
            yield_text="1 loaf",
            prep_minutes=20,
            cook_minutes=55,
            ingredients=[
                line("rye flour", "1 1/2", unit="cup", section="Dough"),
                line("water", "1/3", unit="cup", note="warm", section="Dough"),
                line("salt", "0.25", unit="tsp", section="Dough"),
                line("sunflower seeds", "½", unit="cup", section="Topping"),
                line("black pepper"),
            ],
            steps=[step("Mix the dough.", "Dough"), step("Bake until hollow-sounding.")],
            tags=["Bread", "Vegan"],
        )
        | overrides
    )


def created(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(API, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_whole_recipe_comes_back_as_sent_in_canonical_form(user_client: TestClient) -> None:
    body = created(user_client, bread())

    again = user_client.get(f"{API}/{body['id']}").json()
    assert again == body
    assert body["total_minutes"] == 75
    assert body["description"] == "A dense rye loaf.\nKeeps a week."
    assert [(i["quantity"], i["amount"], i["food"]) for i in body["ingredients"]] == [
        ("1 1/2", 1.5, "rye flour"),
        ("1/3", 1 / 3, "water"),
        ("1/4", 0.25, "salt"),
        ("1/2", 0.5, "sunflower seeds"),
        (None, None, "black pepper"),
    ]
    assert body["ingredients"][1] | {"quantity": None, "amount": None} == line(
        "water", unit="cup", note="warm", section="Dough"
    ) | {"amount": None}
    assert body["steps"] == [step("Mix the dough.", "Dough"), step("Bake until hollow-sounding.")]
    assert body["tags"] == ["Bread", "Vegan"]


def test_only_a_label_is_needed(user_client: TestClient) -> None:
    body = created(user_client, {"label": "Toast"})

    assert {k: v for k, v in body.items() if v not in (None, [])}.keys() == {
        "id",
        "label",
        "submitter_id",
        "created_at",
        "updated_at",
    }
    assert body["ingredients"] == body["steps"] == body["tags"] == []


def test_the_order_sent_is_the_order_kept(user_client: TestClient) -> None:
    foods = [f"food {n}" for n in (3, 1, 2, 10, 0)]
    body = created(user_client, bread(ingredients=[line(f) for f in foods]))

    fetched = user_client.get(f"{API}/{body['id']}").json()
    assert [i["food"] for i in fetched["ingredients"]] == foods

    reordered = foods[::-1]
    patched = user_client.patch(
        f"{API}/{body['id']}", json={"ingredients": [line(f) for f in reordered]}
    )
    assert [i["food"] for i in patched.json()["ingredients"]] == reordered


def test_patch_replaces_a_list_only_when_it_is_sent(user_client: TestClient) -> None:
    body = created(user_client, bread())
    url = f"{API}/{body['id']}"

    label_only = user_client.patch(url, json={"label": "Renamed"}).json()
    assert (label_only["ingredients"], label_only["steps"], label_only["tags"]) == (
        body["ingredients"],
        body["steps"],
        body["tags"],
    )

    new_steps = user_client.patch(url, json={"steps": [step("Just bake.")], "tags": []}).json()
    assert new_steps["steps"] == [step("Just bake.")]
    assert new_steps["tags"] == []
    assert new_steps["ingredients"] == body["ingredients"]


def test_put_takes_the_whole_recipe_lists_included(user_client: TestClient) -> None:
    body = created(user_client, bread())

    replaced = user_client.put(f"{API}/{body['id']}", json={"label": "Bare"})

    assert replaced.status_code == 200
    assert replaced.json()["ingredients"] == replaced.json()["steps"] == []
    assert replaced.json()["servings"] is None and replaced.json()["total_minutes"] is None


def test_changing_one_ingredient_changes_the_etag_and_a_stale_one_is_412(
    user_client: TestClient, db: Session
) -> None:
    body = created(user_client, bread())
    url = f"{API}/{body['id']}"
    old = user_client.get(url).headers["etag"]
    lines = [{k: v for k, v in i.items() if k != "amount"} for i in body["ingredients"]]
    lines[0] = line("spelt flour", "1 1/2", unit="cup", section="Dough")

    changed = user_client.patch(url, json={"ingredients": lines}, headers={"If-Match": old})
    assert changed.status_code == 200
    new = changed.headers["etag"]
    assert new != old
    assert user_client.get(url).headers["etag"] == new

    stale = user_client.patch(url, json={"tags": ["Quick"]}, headers={"If-Match": old})
    assert stale.status_code == 412
    assert user_client.get(url).json()["tags"] == ["Bread", "Vegan"]


def test_tag_names_are_case_insensitive_and_count_once(
    user_client: TestClient, db: Session
) -> None:
    first = created(user_client, bread(tags=["Vegan", "vegan", "VEGAN ", "Gluten free"]))
    second = created(user_client, bread(tags=["gluten-free", "vegan"]))

    assert first["tags"] == ["Gluten free", "Vegan"]
    # The first spelling names the tag.
    assert second["tags"] == ["Gluten free", "Vegan"]
    assert db.scalar(select(func.count()).select_from(Tag)) == 2


def test_scaling_is_exact(client: TestClient, db: Session) -> None:
    recipe = make_recipe(
        db,
        servings=4,
        ingredients=[line("flour", "1 1/2"), line("sugar", "1/3"), line("salt")],
    )

    eight = client.get(f"{API}/{recipe.id}", params={"servings": 8}).json()
    twelve = client.get(f"{API}/{recipe.id}", params={"servings": 12}).json()
    three = client.get(f"{API}/{recipe.id}", params={"servings": 3}).json()

    assert [i["quantity"] for i in eight["ingredients"]] == ["3", "2/3", None]
    assert eight["servings"] == 8
    assert [i["quantity"] for i in twelve["ingredients"]] == ["4 1/2", "1", None]
    assert [i["quantity"] for i in three["ingredients"]] == ["1 1/8", "1/4", None]
    assert three["ingredients"][0]["amount"] == 1.125


def test_a_recipe_without_servings_cannot_be_scaled(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, ingredients=[line("flour", "1")])

    response = client.get(f"{API}/{recipe.id}", params={"servings": 2})

    assert response.status_code == 422
    assert invalid_fields(response) == ["servings"]
    assert "does not say how many it serves" in error_detail(response)


@pytest.mark.parametrize("servings", ["0", "1001", "-1", "two", "1.5"])
def test_servings_out_of_range_is_422(client: TestClient, db: Session, servings: str) -> None:
    recipe = make_recipe(db, servings=4)

    response = client.get(f"{API}/{recipe.id}", params={"servings": servings})

    assert response.status_code == 422
    assert invalid_fields(response) == ["servings"]


def test_tags_are_listed_with_their_counts_paged_and_sorted(
    client: TestClient, db: Session
) -> None:
    cook = make_user(db)
    for tags in (["Vegan", "Quick"], ["Vegan"], ["Vegan", "Soup"], ["Quick"]):
        make_recipe(db, cook, tags=tags)

    by_slug = client.get("/api/v1/tags").json()
    assert [(t["name"], t["slug"], t["recipe_count"]) for t in by_slug["items"]] == [
        ("Quick", "quick", 2),
        ("Soup", "soup", 1),
        ("Vegan", "vegan", 3),
    ]
    most_used = client.get("/api/v1/tags", params={"sort": "-recipe_count", "limit": 2}).json()
    assert [t["slug"] for t in most_used["items"]] == ["vegan", "quick"]
    rest = client.get(most_used["next"]).json()
    assert [t["slug"] for t in rest["items"]] == ["soup"]


def test_deleting_a_recipe_deletes_its_lines_but_keeps_its_tags(
    user_client: TestClient, db: Session
) -> None:
    body = created(user_client, bread(tags=["Lonely"]))

    assert user_client.delete(f"{API}/{body['id']}").status_code == 204

    for table in (Ingredient, Step):
        assert db.scalar(select(func.count()).select_from(table)) == 0
    assert db.scalar(select(func.count()).select_from(recipe_tags)) == 0
    lonely = user_client.get("/api/v1/tags").json()["items"]
    assert [(t["slug"], t["recipe_count"]) for t in lonely] == [("lonely", 0)]


def test_filters_by_every_tag_and_by_time(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    quick_vegan = make_recipe(db, cook, tags=["Vegan", "Quick"], prep_minutes=5, cook_minutes=10)
    slow_vegan = make_recipe(db, cook, tags=["Vegan"], prep_minutes=30, cook_minutes=90)
    quick = make_recipe(db, cook, tags=["quick"], cook_minutes=15)
    make_recipe(db, cook)  # no time: never "quick"

    def ids(**params: Any) -> list[int]:
        response = client.get(API, params=params)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert ids(tag="vegan") == [slow_vegan.id, quick_vegan.id]
    assert ids(tag=["VEGAN", "quick"]) == [quick_vegan.id]
    assert ids(max_total_minutes=15) == [quick.id, quick_vegan.id]
    assert ids(tag="vegan", max_total_minutes=15) == [quick_vegan.id]
    assert ids(tag="nothing") == []
    # With a cursor: the filter holds on every page.
    first = client.get(API, params={"tag": "quick", "limit": 1}).json()
    assert [r["id"] for r in first["items"]] == [quick.id]
    assert [r["id"] for r in client.get(first["next"]).json()["items"]] == [quick_vegan.id]


def test_list_items_carry_tags_but_not_ingredients_or_steps(
    user_client: TestClient,
) -> None:
    created(user_client, bread())

    (item,) = user_client.get(API).json()["items"]

    assert "ingredients" not in item and "steps" not in item
    assert item["tags"] == ["Bread", "Vegan"] and item["total_minutes"] == 75


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("1/0", "divide by 0"),
        ("abc", "must be a quantity"),
        ("1e400", "must be a quantity"),
        ("-1", "more than 0"),
        ("", "must not be empty"),
        ("0", "more than 0"),
    ],
)
def test_a_bad_quantity_is_422_naming_the_line(
    user_client: TestClient, db: Session, quantity: str, message: str
) -> None:
    lines = [line("a", "1"), line("b", "2"), line("c", "3"), line("d", quantity)]

    response = user_client.post(API, json=bread(ingredients=lines))

    assert response.status_code == 422
    assert invalid_fields(response) == ["ingredients[3].quantity"]
    assert message in error_detail(response)
    assert db.scalar(select(func.count()).select_from(Recipe)) == 0


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"ingredients": [line("a")] * 200 + [line("b")]}, "ingredients"),
        ({"steps": [step("x")] * 101}, "steps"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"tags": ["x" * 41]}, "tags[0]"),
        ({"tags": ["!!!"]}, "tags[0]"),
        ({"ingredients": [line("a"), {"quantity": "1"}]}, "ingredients[1].food"),
        ({"ingredients": [line("a", bogus=1)]}, "ingredients[0].bogus"),
        ({"steps": [step("")]}, "steps[0].text"),
        ({"servings": 0}, "servings"),
        ({"servings": 1001}, "servings"),
        ({"prep_minutes": -1}, "prep_minutes"),
        ({"cook_minutes": 10_001}, "cook_minutes"),
        ({"description": "x" * 2001}, "description"),
        ({"yield_text": "x" * 101}, "yield_text"),
        ({"image_url": "ftp://example.com/x.jpg"}, "image_url"),
        ({"total_minutes": 5}, "total_minutes"),
    ],
)
def test_each_limit_is_422_naming_the_field(
    user_client: TestClient, db: Session, fields: dict[str, Any], named: str
) -> None:
    response = user_client.post(API, json=bread(**fields))

    assert response.status_code == 422, response.text
    assert invalid_fields(response) == [named]
    assert db.scalar(select(func.count()).select_from(Recipe)) == 0


def test_the_limits_are_exactly_what_the_document_says(user_client: TestClient) -> None:
    longest = bread(
        ingredients=[line(f"food {n}", "1") for n in range(200)],
        steps=[step(f"step {n}") for n in range(100)],
        tags=[f"tag {n}" for n in range(20)],
        servings=1000,
        prep_minutes=10_000,
        cook_minutes=0,
        description="x" * 2000,
        yield_text="y" * 100,
    )

    body = created(user_client, longest)

    assert (len(body["ingredients"]), len(body["steps"]), len(body["tags"])) == (200, 100, 20)
    schema = user_client.get("/openapi.json").json()["components"]["schemas"]["RecipeCreate"]
    properties = schema["properties"]
    assert properties["ingredients"]["maxItems"] == 200
    assert properties["steps"]["maxItems"] == 100
    assert properties["tags"]["maxItems"] == 20


def test_a_failed_write_leaves_no_half_list_and_no_orphan_link(
    user_client: TestClient, db: Session
) -> None:
    kept = created(user_client, bread(tags=["Kept"]))
    before = _rows(db)

    def fail(*_: Any) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    event.listen(db, "after_flush", fail)
    try:
        posted = user_client.post(API, json=bread(tags=["Kept", "Brand new"]))
        put = user_client.put(f"{API}/{kept['id']}", json=bread(tags=["Other"]))
    finally:
        event.remove(db, "after_flush", fail)

    assert posted.status_code == put.status_code == 503
    assert _rows(db) == before
    assert user_client.get(f"{API}/{kept['id']}").json() == kept


def _rows(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    db.expire_all()
    names = ("recipes", "recipe_ingredients", "recipe_steps", "tags", "recipe_tags")
    return {
        name: sorted(tuple(row) for row in db.execute(select(Base.metadata.tables[name])).all())
        for name in names
    }


def test_a_get_costs_the_same_statements_for_1_or_200_ingredients(
    client: TestClient, db: Session, normal_user: User
) -> None:
    small = make_recipe(db, normal_user, ingredients=[line("a")], steps=[step("s")], tags=["t"])
    big = make_recipe(
        db,
        normal_user,
        ingredients=[line(f"food {n}", "1/2") for n in range(200)],
        steps=[step(f"step {n}") for n in range(100)],
        tags=[f"tag {n}" for n in range(20)],
    )
    bind = db.connection()
    client.get(f"{API}/{small.id}")  # the first statement after a commit opens a SAVEPOINT

    def get(recipe_id: int) -> None:
        # A request's own session starts empty; the test's still holds what it made.
        db.expunge_all()
        client.get(f"{API}/{recipe_id}").raise_for_status()

    counts = [count_statements(bind, lambda r=r: get(r.id)) for r in (small, big)]

    # The recipe, then its ingredients, steps and tags: one statement each.
    assert counts == [4, 4], counts


def test_a_list_page_of_100_with_tags_costs_what_a_page_of_1_does(
    client: TestClient, db: Session, normal_user: User
) -> None:
    for n in range(100):
        make_recipe(db, normal_user, tags=[f"tag {n % 7}", f"tag {n % 5}", "all"])
    bind = db.connection()
    client.get(API)

    counts = [
        count_statements(bind, lambda n=n: client.get(API, params={"limit": n}).raise_for_status())
        for n in (1, 100)
    ]

    assert counts[0] == counts[1] == 2, counts
    page = client.get(API, params={"limit": 100}).json()["items"]
    assert all("all" in item["tags"] and len(item["tags"]) in (2, 3) for item in page)
