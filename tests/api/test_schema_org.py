"""Recipes as schema.org/Recipe JSON-LD: the document (recipe_document), the ingredient
line reader, the API's JSON-LD representation (content negotiation) and the import of
documents and saved pages in the shapes found on the web."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.config import settings
from app.main import app
from app.schemas.ingredient_line import IngredientLine, parse_ingredient_line
from app.schemas.recipe import RecipePublic
from app.schemas.schema_org import recipe_document, recipe_from_document
from tests.utils.errors import PROBLEM_JSON, error_detail, invalid_fields
from tests.utils.factories import make_recipe, make_user

API = "/api/v1/recipes"
IMPORT = f"{API}/import"
LD_JSON = "application/ld+json"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def line(food: str, quantity: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"quantity": quantity, "unit": None, "food": food, "note": None, "section": None} | (
        fields
    )


def step(text: str, section: str | None = None) -> dict[str, Any]:
    return {"text": text, "section": section}


def rye(**overrides: Any) -> dict[str, Any]:
    """A whole recipe, as the API takes it: every field schema.org carries."""
    return {
        "label": "Seeded rye",
        "source": "The Mill Book",
        "url": "https://example.com/seeded-rye",
        "description": "A dense loaf.\nIt keeps a week.",
        "image_url": "https://example.com/rye.jpg",
        "servings": 8,
        "yield_text": "1 loaf",
        "prep_minutes": 20,
        "cook_minutes": 70,
        "ingredients": [
            line("rye flour", "1 1/2", unit="cup", note="toasted"),
            line("water", "1/3", unit="cup", note="warm"),
            line("salt", "1/4", unit="tsp"),
            line("black pepper"),
        ],
        "steps": [
            step("Toast the flour."),
            step("Mix the dough.", "Dough"),
            step("Rest it overnight.", "Dough"),
            step("Bake until hollow-sounding."),
        ],
        "tags": ["Bread", "Rye"],
    } | overrides


def public(**overrides: Any) -> RecipePublic:
    body = rye(**overrides)
    times = [t for t in (body["prep_minutes"], body["cook_minutes"]) if t is not None]
    at = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
    return RecipePublic.model_validate(
        body
        | {
            "id": 7,
            "submitter_id": 1,
            "total_minutes": sum(times) if times else None,
            "created_at": at,
            "updated_at": at,
        }
    )


def recipe(node: dict[str, Any]) -> dict[str, Any]:
    """A Recipe node with a name, and `node`'s properties."""
    return {"@context": "https://schema.org", "@type": "Recipe", "name": "Plain loaf"} | node


def imported(client: TestClient, document: Any, media_type: str = LD_JSON) -> dict[str, Any]:
    response = client.post(
        IMPORT, content=json.dumps(document), headers={"Content-Type": media_type}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def refused(client: TestClient, document: Any) -> list[str]:
    response = client.post(IMPORT, content=json.dumps(document), headers={"Content-Type": LD_JSON})
    return invalid_fields(response)


def page(client: TestClient, name: str) -> Any:
    return client.post(
        IMPORT,
        content=(FIXTURES / name).read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


# The document.


def test_the_document_carries_every_field_schema_org_has() -> None:
    document = recipe_document(public(), author="Ada Baker", url="https://site.example/r/7")

    assert document == {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": "Seeded rye",
        "image": "https://example.com/rye.jpg",
        "description": "A dense loaf.\nIt keeps a week.",
        "author": {"@type": "Person", "name": "Ada Baker"},
        "datePublished": "2026-03-14",
        "url": "https://site.example/r/7",
        "recipeIngredient": [
            "1 1/2 cup rye flour, toasted",
            "1/3 cup water, warm",
            "1/4 tsp salt",
            "black pepper",
        ],
        "recipeInstructions": [
            {"@type": "HowToStep", "text": "Toast the flour."},
            {
                "@type": "HowToSection",
                "name": "Dough",
                "itemListElement": [
                    {"@type": "HowToStep", "text": "Mix the dough."},
                    {"@type": "HowToStep", "text": "Rest it overnight."},
                ],
            },
            {"@type": "HowToStep", "text": "Bake until hollow-sounding."},
        ],
        "recipeYield": ["8", "1 loaf"],
        "prepTime": "PT20M",
        "cookTime": "PT1H10M",
        "totalTime": "PT1H30M",
        "keywords": ["Bread", "Rye"],
        "isBasedOn": {
            "@type": "CreativeWork",
            "name": "The Mill Book",
            "url": "https://example.com/seeded-rye",
        },
    }


def test_the_document_leaves_out_what_the_recipe_does_not_say() -> None:
    bare = public(
        source=None,
        url=None,
        description=None,
        image_url=None,
        servings=None,
        yield_text=None,
        prep_minutes=None,
        cook_minutes=None,
        ingredients=[],
        steps=[],
        tags=[],
    )

    document = recipe_document(bare, author=None, url="https://site.example/r/7")

    assert document == {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": "Seeded rye",
        "datePublished": "2026-03-14",
        "url": "https://site.example/r/7",
    }
    assert None not in document.values()


@pytest.mark.parametrize(
    ("overrides", "recipe_yield", "based_on"),
    [
        ({"yield_text": None}, "8", {"@type": "CreativeWork", "name": "The Mill Book"}),
        ({"servings": None, "source": None}, "1 loaf", "https://example.com/seeded-rye"),
    ],
)
def test_one_yield_is_text_and_a_source_without_a_name_is_its_url(
    overrides: dict[str, Any], recipe_yield: str, based_on: Any
) -> None:
    if "source" not in overrides:
        overrides["url"] = None
    document = recipe_document(public(**overrides), author=None, url="https://site.example/")

    assert document["recipeYield"] == recipe_yield
    assert document["isBasedOn"] == based_on


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "P0D"),
        (45, "PT45M"),
        (90, "PT1H30M"),
        (1440, "P1D"),
        (1560, "P1DT2H"),
        (4320, "P3D"),
        (4400, "PT4400M"),
        (10000, "PT10000M"),
    ],
)
def test_times_are_written_as_the_import_reads_them(minutes: int, text: str) -> None:
    document = recipe_document(
        public(prep_minutes=minutes, cook_minutes=None), author=None, url="https://site.example/"
    )

    assert document["prepTime"] == document["totalTime"] == text
    assert recipe_from_document(document).prep_minutes == minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 1/2 cups all-purpose flour, sifted", ("1 1/2", "cups", "all-purpose flour", "sifted")),
        ("3 eggs", ("3", None, "eggs", None)),
        ("200g butter", ("200", "g", "butter", None)),
        ("0.5 l milk", ("0.5", "l", "milk", None)),
        ("½ tsp vanilla extract", ("½", "tsp", "vanilla extract", None)),
        ("1½ cups oats", ("1½", "cups", "oats", None)),
        ("2 cups of stock", ("2", "cups", "stock", None)),
        ("2 cloves garlic, minced", ("2", "cloves", "garlic", "minced")),
        ("1 tbsp. oil", ("1", "tbsp.", "oil", None)),
        ("2 fl oz rum", ("2", "fl oz", "rum", None)),
        ("1 lemon (juiced)", ("1", None, "lemon", "juiced")),
        ("2 large carrots", ("2", None, "large carrots", None)),
        ("2 cloves", ("2", None, "cloves", None)),
        ("Salt, to taste", (None, None, "Salt", "to taste")),
        ("black pepper", (None, None, "black pepper", None)),
        # What does not read as quantity, unit and food is kept whole.
        ("1-2 cups water", (None, None, "1-2 cups water", None)),
        ("12,5 g sugar", (None, None, "12,5 g sugar", None)),
        ("0 eggs", (None, None, "0 eggs", None)),
        ("200000 g flour", (None, None, "200000 g flour", None)),
        ("2 cups, sifted", (None, None, "2 cups, sifted", None)),
        ("3", (None, None, "3", None)),
    ],
)
def test_an_ingredient_line_reads_as_quantity_unit_food_and_note(
    text: str, expected: tuple[str | None, str | None, str, str | None]
) -> None:
    assert parse_ingredient_line(text) == IngredientLine(*expected)


# JSON-LD from the API.


def test_json_ld_is_the_document_of_the_recipe_with_its_etag(
    client: TestClient, db: Session
) -> None:
    submitter = make_user(db, first_name="Ada", surname="Baker")
    stored = make_recipe(db, submitter, **rye())
    url = f"{API}/{stored.id}"
    plain = client.get(url)

    response = client.get(url, headers={"Accept": LD_JSON})

    assert response.status_code == 200
    assert response.headers["content-type"] == LD_JSON
    assert response.headers["etag"] == plain.headers["etag"]
    assert "Accept" in response.headers["vary"] and "Accept" in plain.headers["vary"]
    expected = recipe_document(
        RecipePublic.model_validate(plain.json()),
        author="Ada Baker",
        url=f"http://testserver/recipes/{stored.id}",
    )
    assert response.json() == expected


def test_json_ld_is_scaled_and_answers_if_none_match(client: TestClient, db: Session) -> None:
    stored = make_recipe(db, **rye())
    url = f"{API}/{stored.id}"

    scaled = client.get(url, params={"servings": 16}, headers={"Accept": LD_JSON})

    assert scaled.json()["recipeYield"] == ["16", "1 loaf"]
    assert scaled.json()["recipeIngredient"][:2] == [
        "3 cup rye flour, toasted",
        "2/3 cup water, warm",
    ]
    again = client.get(url, headers={"Accept": LD_JSON, "If-None-Match": scaled.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        (LD_JSON, LD_JSON),
        ("Application/LD+JSON", LD_JSON),
        ("application/json;q=0.5, application/ld+json", LD_JSON),
        ("application/ld+json;q=0.4, application/json;q=0.9", "application/json"),
        ("application/ld+json, */*;q=0.1", LD_JSON),
        ("application/*;q=0.2, application/ld+json;q=0.3", LD_JSON),
        ("*/*, application/json;q=0", LD_JSON),
        # A malformed q leaves its range out; nothing usable left is no preference.
        ("application/ld+json;q=2, application/json", "application/json"),
        ("nonsense", "application/json"),
    ],
)
def test_the_accept_header_chooses_by_q_value(
    client: TestClient, db: Session, accept: str | None, media_type: str
) -> None:
    stored = make_recipe(db)
    headers = {} if accept is None else {"Accept": accept}

    response = client.get(f"{API}/{stored.id}", headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == media_type


@pytest.mark.parametrize(
    "accept",
    ["text/html", "application/xml, text/*", "application/json;q=0, application/ld+json;q=0"],
)
def test_an_accept_taking_neither_is_406(client: TestClient, db: Session, accept: str) -> None:
    stored = make_recipe(db)

    response = client.get(f"{API}/{stored.id}", headers={"Accept": accept})

    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "application/ld+json" in error_detail(response)


def test_the_openapi_document_declares_both_representations_and_the_import() -> None:
    paths = app.openapi()["paths"]
    get = paths["/api/v1/recipes/{recipe_id}"]["get"]
    post = paths["/api/v1/recipes/import"]["post"]

    assert set(get["responses"]["200"]["content"]) == {"application/json", LD_JSON}
    assert "406" in get["responses"]
    assert set(post["requestBody"]["content"]) == {LD_JSON, "application/json", "text/html"}
    assert {"201", "401", "413", "415", "422"} <= set(post["responses"])


# Import: the shapes found on the web.


def test_import_creates_the_recipe_of_the_caller(user_client: TestClient, normal_user: Any) -> None:
    response = user_client.post(
        IMPORT,
        content=json.dumps(recipe({"recipeIngredient": ["1 cup flour"]})),
        headers={"Content-Type": LD_JSON},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["submitter_id"] == normal_user.id
    assert response.headers["location"] == f"http://testserver{API}/{body['id']}"
    fetched = user_client.get(response.headers["location"])
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]


def test_import_takes_plain_json_too(user_client: TestClient) -> None:
    body = imported(user_client, recipe({}), media_type="application/json")

    assert body["label"] == "Plain loaf"


@pytest.mark.parametrize(
    "document",
    [
        {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, recipe({})]},
        [{"@type": "BreadcrumbList"}, recipe({})],
        recipe({"@type": ["Recipe", "NewsArticle"]}),
        recipe({"@type": "http://schema.org/Recipe"}),
        {"@type": "WebPage", "mainEntity": recipe({})},
    ],
    ids=["graph", "list", "type-array", "type-url", "nested"],
)
def test_the_recipe_is_found_wherever_the_document_puts_it(
    user_client: TestClient, document: Any
) -> None:
    assert imported(user_client, document)["label"] == "Plain loaf"


STEPS = ["Mix the dough.", "Bake it."]


@pytest.mark.parametrize(
    ("instructions", "expected"),
    [
        ("Mix the dough.\nBake it.\n", [step(text) for text in STEPS]),
        ("Mix the dough.\r\n\r\nBake it.", [step(text) for text in STEPS]),
        (STEPS, [step(text) for text in STEPS]),
        ([{"@type": "HowToStep", "text": text} for text in STEPS], [step(text) for text in STEPS]),
        ({"@type": "HowToStep", "text": "Bake it."}, [step("Bake it.")]),
        (
            [
                {
                    "@type": "HowToSection",
                    "name": "Dough",
                    "itemListElement": [{"@type": "HowToStep", "text": "Mix the dough."}],
                },
                {"@type": "HowToSection", "name": "Oven", "itemListElement": ["Bake it."]},
            ],
            [step("Mix the dough.", "Dough"), step("Bake it.", "Oven")],
        ),
        (
            [
                "Mix the dough.",
                {
                    "@type": "HowToSection",
                    "name": "Oven",
                    "itemListElement": {"@type": "HowToStep", "text": "Bake it."},
                },
            ],
            [step("Mix the dough."), step("Bake it.", "Oven")],
        ),
    ],
    ids=[
        "one-string",
        "one-string-crlf",
        "strings",
        "how-to-steps",
        "one-step",
        "sections",
        "mixed",
    ],
)
def test_instructions_in_every_shape(
    user_client: TestClient, instructions: Any, expected: list[dict[str, Any]]
) -> None:
    body = imported(user_client, recipe({"recipeInstructions": instructions}))

    assert body["steps"] == expected


@pytest.mark.parametrize(
    ("recipe_yield", "servings", "yield_text"),
    [
        (4, 4, None),
        (4.0, 4, None),
        ("4", 4, None),
        ("4 servings", 4, None),
        ("Serves 6", 6, None),
        ("Makes 2 loaves", None, "Makes 2 loaves"),
        ("4-6 servings", None, "4-6 servings"),
        (["4", "4 servings", "Makes 2 loaves", "1 tray"], 4, "Makes 2 loaves"),
        ([12, "12 rolls"], 12, "12 rolls"),
        ([""], None, None),
    ],
)
def test_yield_as_number_text_or_list(
    user_client: TestClient, recipe_yield: Any, servings: int | None, yield_text: str | None
) -> None:
    body = imported(user_client, recipe({"recipeYield": recipe_yield}))

    assert (body["servings"], body["yield_text"]) == (servings, yield_text)


IMAGE = "https://example.com/loaf.jpg"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (IMAGE, IMAGE),
        ([IMAGE, "https://example.com/loaf-wide.jpg"], IMAGE),
        ({"@type": "ImageObject", "url": IMAGE, "width": 800}, IMAGE),
        ({"@type": "ImageObject", "contentUrl": IMAGE}, IMAGE),
        (
            [{"@type": "ImageObject", "url": IMAGE}, {"@type": "ImageObject", "url": "/small"}],
            IMAGE,
        ),
        ("https://example.com/loaf.jpg?w=1&amp;h=1", "https://example.com/loaf.jpg?w=1&h=1"),
    ],
    ids=["string", "list", "image-object", "content-url", "list-of-objects", "entities"],
)
def test_image_as_string_list_or_image_object(
    user_client: TestClient, image: Any, expected: str
) -> None:
    body = imported(user_client, recipe({"image": image}))

    assert body["image_url"] == expected


@pytest.mark.parametrize(
    ("times", "prep", "cook"),
    [
        ({"prepTime": "PT1H30M", "cookTime": "PT45M"}, 90, 45),
        ({"prepTime": "P0DT0H20M", "cookTime": "P0DT1H0M"}, 20, 60),
        ({"cookTime": "P1DT2H"}, None, 1560),
        ({"prepTime": "PT0.5H", "cookTime": "PT90S"}, 30, 2),
        ({"prepTime": "PT0S", "cookTime": "P6D"}, 0, 8640),
        ({"prepTime": "PT9999.9999M", "cookTime": "PT99999S"}, 10000, 1667),
        # totalTime fills in the one missing, so the total stays the same.
        ({"totalTime": "PT50M"}, None, 50),
        ({"prepTime": "PT10M", "totalTime": "PT50M"}, 10, 40),
        ({"cookTime": "PT30M", "totalTime": "PT50M"}, 20, 30),
        ({"prepTime": "PT10M", "totalTime": "PT10M"}, 10, None),
        ({"prepTime": "PT10M", "cookTime": "PT5M", "totalTime": "PT1H"}, 10, 5),
    ],
)
def test_durations_in_iso_8601(
    user_client: TestClient, times: dict[str, str], prep: int | None, cook: int | None
) -> None:
    body = imported(user_client, recipe(times))

    assert (body["prep_minutes"], body["cook_minutes"]) == (prep, cook)


def test_html_entities_and_stray_spaces_are_decoded_everywhere(user_client: TestClient) -> None:
    body = imported(
        user_client,
        recipe(
            {
                "name": "Mac &amp; Cheese &#8211; the  baked\tone",
                "description": "Rich &amp; crisp.\n\n\n\nSeconds   are&nbsp;likely.",
                "recipeIngredient": ["1 cup macaroni &amp; shells"],
                "recipeInstructions": [{"@type": "HowToStep", "text": "Bake at 200&deg;C."}],
                "keywords": "pasta, cheese &amp; bread",
                "recipeYield": "Makes 1 dish &amp; leftovers",
            }
        ),
    )

    assert body["label"] == "Mac & Cheese – the baked one"
    assert body["description"] == "Rich & crisp.\n\nSeconds are\xa0likely."
    assert body["ingredients"][0]["food"] == "macaroni & shells"
    assert body["steps"] == [step("Bake at 200°C.")]
    assert body["tags"] == ["cheese & bread", "pasta"]
    assert body["yield_text"] == "Makes 1 dish & leftovers"


def test_ingredient_lines_are_read_and_none_is_lost(user_client: TestClient) -> None:
    lines = [
        "1 1/2 cups all-purpose flour, sifted",
        "2 eggs (beaten)",
        "1-2 pinches of chilli",
        "",
        "A handful of parsley",
    ]

    body = imported(user_client, recipe({"recipeIngredient": lines}))

    assert [(i["quantity"], i["unit"], i["food"], i["note"]) for i in body["ingredients"]] == [
        ("1 1/2", "cups", "all-purpose flour", "sifted"),
        ("2", None, "eggs", "beaten"),
        (None, None, "1-2 pinches of chilli", None),
        (None, None, "A handful of parsley", None),
    ]


def test_keywords_as_text_or_list_skip_blanks_and_count_once(user_client: TestClient) -> None:
    as_text = imported(user_client, recipe({"keywords": "Soup, , -, soup, Winter"}))
    as_list = imported(user_client, recipe({"keywords": ["Soup", " ", "Winter"]}))

    assert as_text["tags"] == as_list["tags"] == ["Soup", "Winter"]


def test_the_source_is_is_based_on_else_the_documents_url_and_publisher(
    user_client: TestClient,
) -> None:
    based_on = imported(
        user_client,
        recipe(
            {
                "url": "https://copy.example/loaf",
                "isBasedOn": {"name": "Old Book", "url": "https://origin.example/loaf"},
                "publisher": {"@type": "Organization", "name": "Copy Site"},
            }
        ),
    )
    own = imported(
        user_client, recipe({"url": "https://site.example/loaf", "publisher": "Site Kitchen"})
    )

    assert (based_on["url"], based_on["source"]) == ("https://origin.example/loaf", "Old Book")
    assert (own["url"], own["source"]) == ("https://site.example/loaf", "Site Kitchen")


# Import: saved pages.


def test_a_page_with_json_ld_in_a_script(user_client: TestClient) -> None:
    response = page(user_client, "recipe_jsonld.html")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["label"] == "Lentil Soup with Lemon"
    assert body["source"] == "The Borrowed Spoon"
    assert body["url"] == "https://borrowed-spoon.example/lentil-soup"
    assert body["image_url"] == "https://borrowed-spoon.example/img/lentil-soup-1x1.jpg"
    assert (body["servings"], body["yield_text"]) == (6, "6 bowls")
    assert (body["prep_minutes"], body["cook_minutes"], body["total_minutes"]) == (10, 35, 45)
    assert body["tags"] == ["lentils", "soup", "weeknight"]
    assert [i["food"] for i in body["ingredients"]] == [
        "red lentils",
        "onion",
        "garlic",
        "vegetable stock",
        "lemon",
        "Salt and pepper",
    ]
    assert len(body["steps"]) == 3


def test_a_page_with_a_graph_and_sections(user_client: TestClient) -> None:
    response = page(user_client, "recipe_graph.html")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["label"] == "Oat & Raisin Biscuits"
    assert body["yield_text"] == "Makes 24 biscuits" and body["servings"] is None
    assert (body["prep_minutes"], body["cook_minutes"]) == (20, 12)
    assert body["image_url"] == "https://kitchen-table.example/wp-content/oat-biscuits.jpg"
    assert [s["section"] for s in body["steps"]] == ["The dough"] * 2 + ["Baking"] * 2
    assert "180°C" in body["steps"][2]["text"]
    assert body["ingredients"][3] == line("vanilla extract", "1/2", unit="tsp", amount=0.5)


def test_a_page_with_microdata(user_client: TestClient) -> None:
    response = page(user_client, "recipe_microdata.html")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["label"] == "Green Bean Salad"
    assert body["servings"] == 4
    assert (body["prep_minutes"], body["cook_minutes"]) == (15, 5)
    assert body["ingredients"][0] == line(
        "green beans", "500", unit="g", note="trimmed", amount=500.0
    )
    assert [s["text"] for s in body["steps"]] == [
        "Boil the beans for five minutes, then drain.",
        "Whisk the mustard and oil; toss with the beans and shallot.",
    ]


def test_a_page_in_another_encoding_is_read_by_its_charset(user_client: TestClient) -> None:
    document = json.dumps(recipe({"name": "Crème brûlée"}), ensure_ascii=False)
    html = f'<html><head><meta charset="iso-8859-1"><script type="application/ld+json">{document}'
    html += "</script></head><body></body></html>"

    response = user_client.post(
        IMPORT, content=html.encode("iso-8859-1"), headers={"Content-Type": "text/html"}
    )

    assert response.status_code == 201, response.text
    assert response.json()["label"] == "Crème brûlée"


def test_a_script_that_does_not_parse_hides_nothing_beside_it(user_client: TestClient) -> None:
    scripts = [
        '{"@context": "https://schema.org", "@type": "WebSite", "name": "Spoons",}',
        "{ not json at all",
        json.dumps(recipe({"name": "Soda bread"})),
    ]
    html = "".join(f'<script type="application/ld+json">{script}</script>' for script in scripts)

    response = user_client.post(
        IMPORT, content=f"<html><head>{html}</head></html>", headers={"Content-Type": "text/html"}
    )

    assert response.status_code == 201, response.text
    assert response.json()["label"] == "Soda bread"


@pytest.mark.parametrize("content", [b"", b"  ", b"<!-- nothing -->", b"\xff\xfe\x00"])
def test_an_empty_or_unreadable_page_holds_no_recipe(
    user_client: TestClient, content: bytes
) -> None:
    response = user_client.post(IMPORT, content=content, headers={"Content-Type": "text/html"})

    assert invalid_fields(response) == ["body"]


def test_a_page_without_a_recipe_is_422(user_client: TestClient) -> None:
    response = page(user_client, "no_recipe.html")

    assert invalid_fields(response) == ["body"]
    assert "holds no schema.org Recipe" in error_detail(response)


@pytest.mark.parametrize(
    "document",
    [{"@type": "WebPage", "name": "x"}, [], {"@graph": [{"@type": "Person"}]}, "Recipe", 3],
)
def test_a_document_without_a_recipe_is_422(user_client: TestClient, document: Any) -> None:
    assert refused(user_client, document) == ["body"]


# Import: what is refused, each problem naming the Recipe's field.


@pytest.mark.parametrize(
    ("node", "fields"),
    [
        ({"name": None}, ["name"]),
        ({"name": "  "}, ["name"]),
        ({"name": "x" * 257}, ["name"]),
        ({"recipeIngredient": ["1 egg", "2 eggs", "salt", "x" * 201]}, ["recipeIngredient[3]"]),
        ({"recipeIngredient": ["1 egg", 2]}, ["recipeIngredient[1]"]),
        ({"recipeIngredient": ["salt"] * 201}, ["recipeIngredient"]),
        ({"recipeIngredient": ["salt\x00"]}, ["recipeIngredient[0]"]),
        (
            {
                "recipeInstructions": [
                    "Mix.",
                    {"@type": "HowToSection", "name": "Oven", "itemListElement": ["x" * 2001]},
                ]
            },
            ["recipeInstructions[1].itemListElement[0]"],
        ),
        (
            {"recipeInstructions": [{"@type": "HowToStep", "name": "Mix"}]},
            ["recipeInstructions[0]"],
        ),
        (
            {
                "recipeInstructions": [
                    {"@type": "HowToSection", "itemListElement": [f"Step {n}." for n in range(60)]}
                ]
                * 2
            },
            ["recipeInstructions"],
        ),
        ({"prepTime": "PT10001M"}, ["prepTime"]),
        ({"cookTime": "P7D"}, ["cookTime"]),
        ({"cookTime": "P1W"}, ["cookTime"]),
        ({"cookTime": "P3DT1H"}, ["cookTime"]),
        ({"cookTime": "PT100H"}, ["cookTime"]),
        ({"cookTime": "PT"}, ["cookTime"]),
        ({"totalTime": "P999999999999D"}, ["totalTime"]),
        ({"prepTime": "20 minutes"}, ["prepTime"]),
        ({"prepTime": "P1M"}, ["prepTime"]),
        ({"prepTime": "-PT5M"}, ["prepTime"]),
        ({"prepTime": 20}, ["prepTime"]),
        ({"recipeYield": 5000}, ["recipeYield"]),
        ({"recipeYield": ["4", 0]}, ["recipeYield[1]"]),
        ({"recipeYield": 2.5}, ["recipeYield"]),
        ({"recipeYield": True}, ["recipeYield"]),
        ({"recipeYield": "x" * 101}, ["recipeYield"]),
        ({"image": "/img/loaf.jpg"}, ["image"]),
        ({"image": [{"@type": "ImageObject", "url": "ftp://x.example/a"}]}, ["image[0].url"]),
        ({"image": {"@type": "ImageObject"}}, ["image"]),
        ({"url": "not a url"}, ["url"]),
        ({"isBasedOn": {"url": ""}}, ["isBasedOn.url"]),
        ({"publisher": {"name": "x" * 257}}, ["publisher.name"]),
        ({"keywords": ["tag"] * 21}, ["keywords"]),
        ({"keywords": ",".join(["tag"] * 21)}, ["keywords"]),
        ({"keywords": "soup, " + "x" * 41}, ["keywords[1]"]),
        ({"keywords": 7}, ["keywords"]),
        ({"description": ["A", "B"]}, ["description"]),
        ({"name": 5, "prepTime": "soon", "recipeYield": 0}, ["name", "recipeYield", "prepTime"]),
    ],
)
def test_each_problem_names_the_field(
    user_client: TestClient, node: dict[str, Any], fields: list[str]
) -> None:
    assert refused(user_client, recipe(node)) == fields


def test_problems_in_a_graph_name_the_recipes_own_field(user_client: TestClient) -> None:
    document = {"@graph": [{"@type": "WebSite"}, recipe({"prepTime": "PT99999M"})]}

    assert refused(user_client, document) == ["prepTime"]


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (b'{"@type": "Recipe", "name": ', 422, "the body is not valid JSON"),
        (b'{"@type": "Recipe", "name": "x", "recipeYield": NaN}', 422, "holds NaN"),
        (b"[" * 100_000, 422, "nested too deeply"),
        (b'{"name": "\xff"}', 400, "not UTF-8"),
    ],
    ids=["truncated", "nan", "too-deep", "not-utf-8"],
)
def test_a_body_that_is_not_json_is_refused(
    user_client: TestClient, content: bytes, status: int, detail: str
) -> None:
    response = user_client.post(IMPORT, content=content, headers={"Content-Type": LD_JSON})

    assert response.status_code == status, response.text
    assert detail in error_detail(response)


@pytest.mark.parametrize("media_type", ["text/plain", "application/xml", None])
def test_other_media_types_are_415(user_client: TestClient, media_type: str | None) -> None:
    headers = {} if media_type is None else {"Content-Type": media_type}

    response = user_client.post(IMPORT, content=b"<recipe/>", headers=headers)

    assert response.status_code == 415
    assert "text/html" in error_detail(response)


def test_the_other_routes_still_take_json_only(user_client: TestClient) -> None:
    response = user_client.post(API, content=b"<p>hi</p>", headers={"Content-Type": "text/html"})

    assert response.status_code == 415


def test_a_page_over_the_size_limit_is_413(user_client: TestClient) -> None:
    padding = b" " * settings.MAX_REQUEST_BODY_BYTES
    body = (FIXTURES / "recipe_jsonld.html").read_bytes().replace(b"</body>", padding + b"</body>")

    response = user_client.post(IMPORT, content=body, headers={"Content-Type": "text/html"})

    assert response.status_code == 413


@pytest.mark.parametrize("content", [json.dumps(recipe({})), "{", "<p>no recipe</p>"])
def test_import_needs_a_signed_in_user_first(client: TestClient, content: str) -> None:
    response = client.post(IMPORT, content=content, headers={"Content-Type": LD_JSON})

    assert response.status_code == 401


# Export, then import.

CARRIED = [
    "label",
    "source",
    "url",
    "description",
    "image_url",
    "servings",
    "yield_text",
    "prep_minutes",
    "cook_minutes",
    "total_minutes",
    "tags",
    "steps",
]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"yield_text": None, "cook_minutes": None},
        {"servings": None, "source": None, "prep_minutes": None},
    ],
    ids=["whole", "servings-and-prep", "yield-and-cook"],
)
def test_export_then_import_gives_back_an_equal_recipe(
    user_client: TestClient, overrides: dict[str, Any]
) -> None:
    created = user_client.post(API, json=rye(**overrides))
    assert created.status_code == 201, created.text
    original = created.json()
    document = user_client.get(f"{API}/{original['id']}", headers={"Accept": LD_JSON}).json()

    copy = imported(user_client, document)

    assert copy["id"] != original["id"]
    assert {k: copy[k] for k in CARRIED} == {k: original[k] for k in CARRIED}
    # Ingredient sections do not travel: schema.org's lines have none.
    assert copy["ingredients"] == [i | {"section": None} for i in original["ingredients"]]
