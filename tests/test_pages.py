"""The HTML site beyond the home page's list: recipe pages and their scaler and JSON-LD,
tag pages, the cards, the quick filter, and errors answered as pages on the site's
paths while the API keeps its problem documents."""

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud, exception_handlers
from app.api.routing import APIRouter
from app.api.v1 import home
from app.api.v1.site import PageRoute
from app.core.config import PROJECT_DIR, settings
from app.middleware import RequestContext
from app.models import Recipe, User
from app.schemas import RecipePublic
from app.schemas.schema_org import recipe_document
from tests.utils.errors import PROBLEM_JSON
from tests.utils.factories import make_recipe, make_user
from tests.utils.html import Document, Element, parse_html
from tests.utils.statements import count_statements

PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
HTML = "text/html; charset=utf-8"
BASE = "http://testserver"  # where TestClient sends requests
DAY = timedelta(days=1)

BREAD: dict[str, Any] = {
    "label": "Seeded rye",
    "source": "The Bread Bible",
    "url": "https://example.com/bread/seeded-rye",
    "description": "A dense, dark loaf.\n\nIt keeps for a week.",
    "servings": 8,
    "yield_text": "1 loaf",
    "prep_minutes": 30,
    "cook_minutes": 75,
    "ingredients": [
        {"quantity": "1 1/2", "unit": "cup", "food": "water", "note": "warm", "section": "Starter"},
        {"quantity": "1/3", "unit": "cup", "food": "rye flour", "section": "Starter"},
        {"quantity": "3", "unit": "cup", "food": "bread flour", "section": "Dough"},
        {"quantity": "2", "unit": "tsp", "food": "salt", "section": "Dough"},
        {"food": "caraway seeds", "note": "to taste", "section": "Dough"},
    ],
    "steps": [
        {"text": "Stir the starter together.", "section": "Starter"},
        {"text": "Leave it overnight.", "section": "Starter"},
        {"text": "Mix in the flour and salt.", "section": "Dough"},
        {"text": "Bake for 75 minutes.", "section": "Dough"},
    ],
    "tags": ["Bread", "Gluten free"],
}


def page_of(response: Any, status: int = 200) -> Document:
    """The page a response carries, which must be well-formed HTML with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == HTML
    page = parse_html(response.text)
    assert page.problems == []
    return page


def get_page(client: TestClient, url: str, status: int = 200, **params: Any) -> Document:
    return page_of(client.get(url, params=params or None), status)


def texts(elements: list[Element]) -> list[str]:
    return [element.text for element in elements]


def labels(page: Document) -> list[str]:
    return [item.find("a", class_="label").text for item in page.find_all("li", class_="recipe")]


def json_ld(page: Document) -> Any:
    [script] = page.find_all("script")
    assert script.get("type") == "application/ld+json"
    return json.loads("".join(child for child in script.children if isinstance(child, str)))


def expected_document(recipe: Recipe, author: str) -> dict[str, Any]:
    return recipe_document(
        RecipePublic.model_validate(recipe), author=author, url=f"{BASE}/recipes/{recipe.id}"
    )


@pytest.fixture
def cook(db: Session) -> User:
    return make_user(db, email="ada@example.com", first_name="Ada", surname="Lovelace")


@pytest.fixture
def bread(db: Session, cook: User) -> Recipe:
    return make_recipe(db, cook, **BREAD)


# The recipe page


def test_the_recipe_page_shows_the_whole_recipe(
    client: TestClient, bread: Recipe, cook: User
) -> None:
    page = get_page(client, f"/recipes/{bread.id}")

    assert page.find("title").text == f"Seeded rye · {settings.PROJECT_NAME}"
    assert page.find("h1").text == "Seeded rye"
    assert texts(page.find("div", class_="description").find_all("p")) == [
        "A dense, dark loaf.",
        "It keeps for a week.",
    ]
    times = {
        div.find("dt").text: div.find("dd")
        for div in page.find("dl", class_="times").find_all("div")
    }
    assert {name: dd.text for name, dd in times.items()} == {
        "Prep": "30 min",
        "Cook": "1 h 15 min",
        "Total": "1 h 45 min",
        "Serves": "8",
        "Makes": "1 loaf",
    }
    assert times["Total"].find("time").get("datetime") == "PT1H45M"
    ingredients = page.find("section", class_="ingredients")
    assert texts(ingredients.find_all("h3")) == ["Starter", "Dough"]
    assert [texts(ul.find_all("li")) for ul in ingredients.find_all("ul", class_="lines")] == [
        ["1 1/2 cup water, warm", "1/3 cup rye flour"],
        ["3 cup bread flour", "2 tsp salt", "caraway seeds, to taste"],
    ]
    steps = page.find("section", class_="steps")
    assert texts(steps.find_all("h3")) == ["Starter", "Dough"]
    # One numbering through the sections: the second list starts at 3.
    methods = steps.find_all("ol", class_="method")
    assert [ol.get("start") for ol in methods] == ["1", "3"]
    assert texts(methods[1].find_all("li")) == [
        "Mix in the flour and salt.",
        "Bake for 75 minutes.",
    ]
    tags = page.find("ul", class_="tags").find_all("a")
    assert [(a.text, a.get("href")) for a in tags] == [
        ("Bread", "/tags/bread"),
        ("Gluten free", "/tags/gluten-free"),
    ]
    source = page.find("a", class_="source")
    assert (source.text, source.get("href")) == ("The Bread Bible", BREAD["url"])
    assert source.get("rel") == "nofollow noopener"
    assert page.find("span", class_="submitter").text == "Ada Lovelace"
    created = page.find("time", class_="created")
    assert created.get("datetime") == bread.created_at.isoformat()


def test_the_page_names_the_submitter_never_by_email(client: TestClient, db: Session) -> None:
    nameless = make_user(db, email="secret-cook@example.com", first_name=None, surname=None)
    recipe = make_recipe(db, nameless)

    response = client.get(f"/recipes/{recipe.id}")

    page = page_of(response)
    assert page.find("span", class_="submitter").text == f"user {nameless.id}"
    assert "secret-cook" not in response.text
    assert json_ld(page)["author"] == {"@type": "Person", "name": f"user {nameless.id}"}


def test_a_bare_recipe_shows_what_it_has(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, label="Toast", source=None, url=None)

    page = get_page(client, f"/recipes/{recipe.id}")

    assert page.find("h1").text == "Toast"
    assert page.find_all("a", class_="source") == []
    assert page.find_all("dl", class_="times") == []
    assert page.find_all("nav", class_="scaler") == []
    assert texts(page.find_all("p", class_="empty")) == [
        "No ingredients listed.",
        "No steps written down.",
    ]


def test_an_image_from_elsewhere_is_linked_not_loaded(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, image_url="https://images.example.org/rye.jpg")

    page = get_page(client, f"/recipes/{recipe.id}")

    # The pages' CSP allows images from this origin only; a placeholder stands in.
    assert page.find_all("img") == []
    assert page.find_all("div", class_="placeholder")
    link = page.find("figure", class_="photo").find("a")
    assert link.get("href") == "https://images.example.org/rye.jpg"
    assert link.get("rel") == "nofollow noopener"
    assert page.find("figcaption").text == "See the photo on images.example.org"


def quantities(page: Document) -> list[str]:
    return [span.text for span in page.find_all("span", class_="quantity")]


def test_the_scaler_shows_exact_quantities(client: TestClient, bread: Recipe) -> None:
    page = get_page(client, f"/recipes/{bread.id}", servings="3")

    # 1 1/2 x 3/8 = 9/16, 1/3 x 3/8 = 1/8, 3 x 3/8 = 1 1/8, 2 x 3/8 = 3/4; none rounded.
    assert quantities(page) == ["9/16", "1/8", "1 1/8", "3/4"]
    assert Fraction(3, 2) * Fraction(3, 8) == Fraction(9, 16)
    assert page.find("dd", class_="servings").text == "3"
    assert page.find("p", class_="scaled").text.startswith("Quantities for 3; the recipe serves 8.")
    assert page.find("link", rel="canonical").get("href") == f"/recipes/{bread.id}"
    # 3 is no multiple of 8 and no common count: it joins the counts, as the one shown.
    scaler = page.find("nav", class_="scaler")
    assert [a.text for a in scaler.find_all("a") if a.get("aria-current")] == ["3"]
    # The steps and the JSON-LD stay the recipe as written.
    assert json_ld(page)["recipeIngredient"][0] == "1 1/2 cup water, warm"


def test_the_scaler_links_to_multiples_and_common_counts(client: TestClient, bread: Recipe) -> None:
    page = get_page(client, f"/recipes/{bread.id}")

    scaler = page.find("nav", class_="scaler")
    rows = scaler.find_all("p")
    links = [
        [(a.text, a.get("href"), a.get("aria-current")) for a in row.find_all("a")] for row in rows
    ]
    here = f"/recipes/{bread.id}"
    assert links[0] == [
        ("½×", f"{here}?servings=4", None),
        ("1×", here, "page"),
        ("2×", f"{here}?servings=16", None),
        ("3×", f"{here}?servings=24", None),
    ]
    assert [(text, href) for text, href, _ in links[1]] == [
        ("1", f"{here}?servings=1"),
        ("2", f"{here}?servings=2"),
        ("4", f"{here}?servings=4"),
        ("6", f"{here}?servings=6"),
        ("8", here),
        ("12", f"{here}?servings=12"),
    ]
    assert page.find_all("link", rel="canonical") == []
    assert page.find_all("p", class_="scaled") == []

    doubled = get_page(client, f"{here}?servings=16")
    assert quantities(doubled) == ["3", "2/3", "6", "4"]
    assert [a.text for a in doubled.find_all("a") if a.get("aria-current")] == ["2×", "16"]


def test_an_odd_number_of_servings_has_no_half(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, servings=3)

    page = get_page(client, f"/recipes/{recipe.id}")

    multiples = page.find("nav", class_="scaler").find_all("p")[0]
    assert [a.text for a in multiples.find_all("a")] == ["1×", "2×", "3×"]


# JSON-LD


def test_the_page_embeds_the_recipe_as_schema_org_json_ld(
    client: TestClient, bread: Recipe
) -> None:
    page = get_page(client, f"/recipes/{bread.id}")

    document = json_ld(page)
    assert document == expected_document(bread, "Ada Lovelace")
    assert document["@type"] == "Recipe"
    assert document["totalTime"] == "PT1H45M"
    assert document["keywords"] == ["Bread", "Gluten free"]
    assert [section["name"] for section in document["recipeInstructions"]] == ["Starter", "Dough"]
    from_api = client.get(f"/api/v1/recipes/{bread.id}", headers={"Accept": "application/ld+json"})
    assert from_api.headers["content-type"] == "application/ld+json"
    assert from_api.json() == document


HOSTILE = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & '"


def test_hostile_text_stays_text_in_the_page_and_its_json_ld(
    client: TestClient, db: Session
) -> None:
    cook = make_user(db, first_name="</script><b>", surname="<img src=x onerror=alert(3)>")
    recipe = make_recipe(
        db,
        cook,
        label=HOSTILE[:200],
        source=HOSTILE,
        description=HOSTILE,
        ingredients=[{"food": HOSTILE[:200], "note": "</SCRIPT >"}],
        steps=[{"text": HOSTILE, "section": "</script>"}],
        tags=["</script><b>x</b>"],
    )

    response = client.get(f"/recipes/{recipe.id}")

    page = page_of(response)
    # One script element, the JSON-LD, whose text is the whole document: no text ended
    # it early; and no element that user text would have made.
    assert len(page.find_all("script")) == 1
    assert page.find_all("img") == [] and page.find_all("b") == []
    document = json_ld(page)
    assert document == expected_document(recipe, "</script><b> <img src=x onerror=alert(3)>")
    assert document["name"] == HOSTILE[:200]
    script = response.text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in script and ">" not in script and "&" not in script
    assert "\\u003c/script\\u003e" in script
    assert page.find("h1").text == HOSTILE[:200]
    assert page.find("span", class_="food").text == HOSTILE[:200]
    assert page.find("ul", class_="tags").find("a").text == "</script><b>x</b>"


def test_hostile_text_stays_text_on_cards_and_tag_pages(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, label=HOSTILE[:200], description=HOSTILE, tags=["<img src=x>"])

    for url in ("/", "/tags/img-src-x"):
        response = client.get(url)

        page = page_of(response)
        assert page.find_all("script") == [] and page.find_all("img") == [], url
        [card] = page.find_all("li", class_="recipe")
        assert card.find("a", class_="label").text == recipe.label
        assert card.find("ul", class_="tags").find("a").text == "<img src=x>"


# Cards, tag pages and the quick filter


def test_cards_show_a_thumbnail_time_tags_and_the_start_of_the_description(
    client: TestClient, db: Session
) -> None:
    words = " ".join(["slow"] * 60)
    make_recipe(
        db, label="Stew", description=words, prep_minutes=20, cook_minutes=100, tags=["Winter"]
    )

    page = get_page(client, "/")

    [card] = page.find_all("li", class_="recipe")
    assert (card.find("a", class_="label").get("href") or "").startswith("/recipes/")
    assert card.find_all("div", class_="thumb")
    time = card.find("time", class_="total")
    assert (time.text, time.get("datetime")) == ("2 h", "PT2H")
    assert [(a.text, a.get("href")) for a in card.find("ul", class_="tags").find_all("a")] == [
        ("Winter", "/tags/winter")
    ]
    excerpt = card.find("p", class_="excerpt").text
    assert excerpt.endswith("…") and len(excerpt) <= 141
    assert words.startswith(excerpt.removesuffix("…").strip())


@pytest.fixture
def timed(db: Session, cook: User) -> dict[str, Recipe]:
    """Recipes that take 10, 25, 50 and 90 minutes, and one that does not say, made
    newest first in that order of creation."""
    now = datetime.now(UTC)
    made = {}
    for n, (label, minutes) in enumerate(
        [("Salad", 10), ("Omelette", 25), ("Curry", 50), ("Roast", 90), ("Mystery", None)]
    ):
        made[label] = make_recipe(
            db, cook, label=label, cook_minutes=minutes, tags=["Dinner"], created_at=now - n * DAY
        )
    return made


@pytest.mark.usefixtures("timed")
def test_the_quick_filter_keeps_recipes_ready_in_time(client: TestClient) -> None:
    everything = get_page(client, "/")
    quick = everything.find("nav", class_="quick")
    choices = [(a.text, a.get("href"), a.get("aria-current")) for a in quick.find_all("a")]
    assert choices == [
        ("Any time", "/", "page"),
        ("15 min", "/?max_total_minutes=15", None),
        ("30 min", "/?max_total_minutes=30", None),
        ("60 min", "/?max_total_minutes=60", None),
    ]

    thirty = get_page(client, "/", max_total_minutes="30")

    assert labels(everything) == ["Salad", "Omelette", "Curry", "Roast", "Mystery"]
    assert labels(thirty) == ["Salad", "Omelette"]
    assert labels(get_page(client, "/", max_total_minutes="60")) == ["Salad", "Omelette", "Curry"]
    current = [
        a.text for a in thirty.find("nav", class_="quick").find_all("a") if a.get("aria-current")
    ]
    assert current == ["30 min"]
    assert thirty.find("p", class_="summary").text == (
        "Recipes ready in 30 minutes or less, newest first"
    )
    assert get_page(client, "/", max_total_minutes="5").find("p", class_="empty").text == (
        "No recipe is ready in 5 minutes or less."
    )


def test_pages_of_the_quick_filter_keep_it(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    for _ in range(PAGE_SIZE + 1):
        make_recipe(db, cook, cook_minutes=10)
    make_recipe(db, cook, cook_minutes=100)

    first = get_page(client, "/", max_total_minutes="15")
    next_url = first.find("a", rel="next").get("href")
    assert next_url is not None
    assert parse_qs(urlsplit(next_url).query) == {"max_total_minutes": ["15"], "page": ["2"]}
    second = get_page(client, next_url)

    assert len(labels(first)) == PAGE_SIZE and len(labels(second)) == 1


@pytest.mark.parametrize("minutes", ["0", "abc", "10001"])
def test_a_bad_quick_filter_is_a_422_page(client: TestClient, minutes: str) -> None:
    page = get_page(client, "/", 422, max_total_minutes=minutes)

    assert page.find("code").text == "max_total_minutes"


def test_a_search_can_be_cleared_and_has_no_quick_filter(client: TestClient) -> None:
    page = get_page(client, "/", q="bread")

    clear = page.find("a", class_="clear")
    assert (clear.text, clear.get("href")) == ("Clear search", "/")
    assert page.find_all("nav", class_="quick") == []
    assert get_page(client, "/").find_all("a", class_="clear") == []


def test_a_tag_page_lists_that_tags_recipes(client: TestClient, db: Session, cook: User) -> None:
    now = datetime.now(UTC)
    older = make_recipe(db, cook, label="Rye", tags=["Bread", "Vegan"], created_at=now - DAY)
    make_recipe(db, cook, label="Soup", tags=["Vegan"], created_at=now)
    newer = make_recipe(db, cook, label="Brioche", tags=["bread"], created_at=now)
    make_recipe(db, cook, label="Plain")

    page = get_page(client, "/tags/bread")

    assert page.find("h1").text == "Tagged “Bread”"
    assert page.find("title").text == f"Bread · {settings.PROJECT_NAME}"
    assert labels(page) == ["Brioche", "Rye"]
    hrefs = [
        item.find("a", class_="label").get("href") for item in page.find_all("li", class_="recipe")
    ]
    assert hrefs == [f"/recipes/{newer.id}", f"/recipes/{older.id}"]
    rye_tags = page.find_all("li", class_="recipe")[1].find("ul", class_="tags")
    assert texts(rye_tags.find_all("a")) == ["Bread", "Vegan"]


@pytest.mark.usefixtures("timed")
def test_a_tag_page_has_the_quick_filter(client: TestClient) -> None:
    page = get_page(client, "/tags/dinner", max_total_minutes="60")

    assert labels(page) == ["Salad", "Omelette", "Curry"]
    choices = [(a.text, a.get("href")) for a in page.find("nav", class_="quick").find_all("a")]
    assert choices[0] == ("Any time", "/tags/dinner")
    assert choices[1] == ("15 min", "/tags/dinner?max_total_minutes=15")


def test_tag_pages_walk_through_their_recipes(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    for _ in range(PAGE_SIZE + 2):
        make_recipe(db, cook, tags=["Cake"])
    make_recipe(db, cook, tags=["Pie"])

    first = get_page(client, "/tags/cake")
    next_url = first.find("a", rel="next").get("href")
    assert next_url == "/tags/cake?page=2"
    second = get_page(client, next_url)

    assert len(labels(first)) == PAGE_SIZE and len(labels(second)) == 2
    assert second.find("a", rel="prev").get("href") == "/tags/cake?page=1"
    assert get_page(client, "/tags/cake", page="9").find("p", class_="empty").text == (
        "Page 9 is past the end."
    )


def test_a_tag_named_another_way_redirects_to_its_page(client: TestClient, db: Session) -> None:
    make_recipe(db, tags=["Gluten free"])

    response = client.get("/tags/Gluten%20Free", follow_redirects=False)

    assert response.status_code == 308
    assert response.headers["location"] == "/tags/gluten-free"


def test_a_tag_without_recipes_says_so(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, tags=["Lonely"])
    crud.recipe.remove(db, id=recipe.id)

    page = get_page(client, "/tags/lonely")

    assert page.find("p", class_="empty").text == "No recipe has this tag now."


def test_pages_take_the_same_number_of_statements_for_1_or_20_recipes(
    client: TestClient, db: Session
) -> None:
    cook = make_user(db)
    one = make_recipe(db, cook, tags=["Solo"], **{k: v for k, v in BREAD.items() if k != "tags"})
    for _ in range(PAGE_SIZE):
        make_recipe(db, cook, tags=["Many", "More"], ingredients=BREAD["ingredients"])
    many = make_recipe(db, cook, **BREAD)
    bind = db.connection()
    client.get("/")  # the session's first statement after a commit opens a SAVEPOINT

    def get(url: str) -> None:
        assert client.get(url).status_code == 200

    tags = [
        count_statements(bind, lambda url=url: get(url)) for url in ("/tags/solo", "/tags/many")
    ]
    recipes = [count_statements(bind, lambda r=r: get(f"/recipes/{r.id}")) for r in (one, many)]

    assert tags[0] == tags[1], tags
    assert recipes[0] == recipes[1], recipes


# Errors: pages on the site's paths, problem documents on the API's


def assert_error_page(page: Document, status: int) -> None:
    """An error page in the site's layout: header, stylesheet, a way back."""
    assert page.find("p", class_="status").text.startswith(f"Error {status}")
    assert page.find("header", class_="site-header").find("a", class_="brand").text
    assert page.find("link", rel="stylesheet").get("href") == "/static/style.css"
    assert "Back to the recipes" in texts(page.find_all("a"))


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/recipes/424242", 404, "Page not found"),
        ("/tags/no-such-tag", 404, "Page not found"),
        ("/recipes/abc", 422, "That address is not quite right"),
        ("/recipes/01", 422, "That address is not quite right"),
        ("/?page=abc", 422, "That address is not quite right"),
        ("/?page=1&page=2", 422, "That address is not quite right"),
        ("/tags/bread?page=0", 422, "That address is not quite right"),
    ],
)
def test_errors_on_pages_are_pages(client: TestClient, url: str, status: int, heading: str) -> None:
    response = client.get(url)

    page = page_of(response, status)
    assert_error_page(page, status)
    assert page.find("h1").text == heading
    assert "content-security-policy" in response.headers


def test_a_422_page_names_the_field(client: TestClient, bread: Recipe) -> None:
    page = get_page(client, f"/recipes/{bread.id}", 422, servings="0")

    assert [li.find("code").text for li in page.find("ul", class_="fields").find_all("li")] == [
        "servings"
    ]


def test_scaling_a_recipe_without_servings_is_a_422_page(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db, servings=None)

    page = get_page(client, f"/recipes/{recipe.id}", 422, servings="4")

    assert "does not say how many it serves" in page.find("ul", class_="fields").text


def test_a_404_page_says_what_was_not_found(client: TestClient) -> None:
    page = get_page(client, "/recipes/424242", 404)

    assert page.find("p", class_="detail").text == "recipe 424242 not found"


def test_a_404_page_shows_the_address_as_text(client: TestClient) -> None:
    page = get_page(client, "/tags/<img src=x onerror=alert(1)>", 404)

    assert page.find_all("img") == []
    assert page.find("p", class_="detail").text == "there is no tag '<img src=x onerror=alert(1)>'"


def test_a_405_on_a_page_is_a_page_with_allow(client: TestClient, bread: Recipe) -> None:
    response = client.post(f"/recipes/{bread.id}")

    assert_error_page(page_of(response, 405), 405)
    assert response.headers["allow"] == "GET, HEAD"


def test_head_of_an_error_page(client: TestClient) -> None:
    response = client.head("/recipes/424242")

    assert response.status_code == 404
    assert response.headers["content-type"] == HTML
    assert response.content == b""


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/recipes/424242", 404),
        ("/api/v1/recipes/abc", 422),
        ("/api/v1/recipes?limit=0", 422),
        ("/health/nothing", 404),
        ("/no/such/page", 404),
        ("/recipes/1/more", 404),
    ],
)
def test_errors_elsewhere_stay_problem_documents(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status


def test_an_unexpected_error_on_a_page_is_a_500_page_that_tells_nothing() -> None:
    # The site's own pages, beside one that fails, behind the middleware that answers
    # what no handler took.
    failing = FastAPI()
    exception_handlers.register(failing)
    failing.add_middleware(RequestContext)
    broken = APIRouter(route_class=PageRoute)

    @broken.get("/broken")
    def broken_page() -> None:
        raise RuntimeError("the secret reason")

    failing.include_router(home.router)
    failing.include_router(broken)
    failing.mount("/static", StaticFiles(directory=PROJECT_DIR / "app" / "static"), name="static")

    response = TestClient(failing).get("/broken", headers={"X-Request-ID": "req-42"})

    page = page_of(response, 500)
    assert_error_page(page, 500)
    assert page.find("h1").text == "Something went wrong on our side"
    assert "secret reason" not in response.text
    assert page.find("p", class_="request-id").find("code").text == "req-42"
