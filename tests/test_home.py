"""The HTML home page: the list, escaping, the stylesheet, search and pages."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.api.v1.home import LAST_PAGE
from app.core.config import settings
from app.models import Recipe
from tests.utils.factories import make_recipe, make_user
from tests.utils.html import Document, Element, parse_html

PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
HOST = "testserver"  # the host TestClient sends requests to
DAY = timedelta(days=1)


def get_page(client: TestClient, url: str = "/", **params: str) -> Document:
    """GET a page that must be served as well-formed HTML; its parsed tree."""
    response = client.get(url, params=params or None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = parse_html(response.text)
    assert page.problems == []
    return page


def items(page: Document) -> list[Element]:
    return page.find_all("li", class_="recipe")


def labels(page: Document) -> list[str]:
    return [item.find("a", class_="label").text for item in items(page)]


def link(page: Document, rel: str) -> str | None:
    """The href of the page's link with this rel, None when there is none."""
    links = page.find_all("a", rel=rel)
    assert len(links) <= 1, links
    return links[0].get("href") if links else None


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def labels_newest_first(db: Session, *criteria: ColumnElement[bool]) -> list[str]:
    """Our own query for the order the page should show."""
    newest_first = (Recipe.created_at.desc(), Recipe.id.desc())
    return list(db.scalars(select(Recipe.label).where(*criteria).order_by(*newest_first)))


def test_empty_database_says_there_are_no_recipes(client: TestClient) -> None:
    page = get_page(client)

    assert page.find("title").text == settings.PROJECT_NAME
    assert items(page) == []
    assert page.find("p", class_="empty").text == "No recipes yet."
    assert page.find("input", name="q").get("value") == ""
    assert page.find_all("nav", class_="pages") == []


def test_recipes_are_listed_newest_first_with_source_and_submitter(
    client: TestClient, db: Session
) -> None:
    now = datetime.now(UTC)
    ada = make_user(db, first_name="Ada", surname="Lovelace")
    nameless = make_user(db, first_name=None, surname=None)
    cher = make_user(db, first_name="Cher", surname=None)
    kahlo = make_user(db, first_name=None, surname="Kahlo")
    # Created in an order that differs from the one by created_at.
    older = make_recipe(db, ada, label="Pancakes", source="Serious Eats", created_at=now - 2 * DAY)
    newest = make_recipe(db, nameless, label="Focaccia", source="King Arthur", created_at=now)
    oldest = make_recipe(db, kahlo, label="Mole", source="Fiestas", created_at=now - 3 * DAY)
    middle = make_recipe(db, cher, label="Gazpacho", source="Test Kitchen", created_at=now - DAY)

    page = get_page(client)

    expected = [newest, middle, older, oldest]
    assert labels(page) == [recipe.label for recipe in expected] == labels_newest_first(db)
    for item, recipe in zip(items(page), expected, strict=True):
        # The card leads to the recipe's page on this site, not to where it came from.
        assert item.find("a", class_="label").get("href") == f"/recipes/{recipe.id}"
        assert item.find("span", class_="source").text == recipe.source
    assert [item.find("span", class_="submitter").text for item in items(page)] == [
        f"added by user {nameless.id}",
        "added by Cher",
        "added by Ada Lovelace",
        "added by Kahlo",
    ]
    assert page.find("p", class_="summary").text.strip() == "Recipes, newest first"


def test_labels_and_sources_are_escaped(client: TestClient, db: Session) -> None:
    label = "<script>alert(1)</script>"
    source = 'Tom & Jerry\'s "Kitchen"'
    make_recipe(db, label=label, source=source)

    response = client.get("/")

    assert response.status_code == 200
    assert "<script" not in response.text
    page = parse_html(response.text)
    assert page.problems == []
    assert page.find_all("script") == []
    [item] = items(page)
    assert item.find("a", class_="label").text == label
    assert item.find("span", class_="source").text == source


def test_search_box_escapes_the_query(client: TestClient) -> None:
    q = '"><script>alert(1)</script>'

    page = get_page(client, q=q)

    assert page.find_all("script") == []
    assert page.find("input", name="q").get("value") == q
    summary = page.find("p", class_="summary").text.strip()
    assert summary == f"Recipes matching “{q}”, best match first"


def test_stylesheet_is_served_by_the_app(client: TestClient) -> None:
    page = get_page(client)

    href = page.find("link", rel="stylesheet").get("href")
    assert href is not None
    assert urlsplit(href).path == "/static/style.css"
    css = client.get(href)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "://" not in css.text  # nothing fetched from elsewhere (@import, url())
    for element in page.find_all("link") + page.find_all("script"):
        for url in (element.get("href"), element.get("src")):
            assert url is None or urlsplit(url).netloc in ("", HOST), element


@pytest.fixture
def soup_and_breads(db: Session) -> None:
    cook = make_user(db)
    for label in ("Banana bread", "Sourdough BREAD", "Chicken soup"):
        make_recipe(db, cook, label=label, source="Test Kitchen")


@pytest.mark.committed
@pytest.mark.usefixtures("soup_and_breads")
def test_search_shows_only_the_matches(client: TestClient, db: Session) -> None:
    page = get_page(client, q="bread")

    assert sorted(labels(page)) == ["Banana bread", "Sourdough BREAD"]
    assert labels(page) == labels_newest_first(db, Recipe.label.icontains("bread"))
    assert page.find("input", name="q").get("value") == "bread"
    assert page.find("p", class_="summary").text.strip() == (
        "Recipes matching “bread”, best match first"
    )


@pytest.mark.committed
def test_search_matches_the_source(client: TestClient, db: Session) -> None:
    make_recipe(db, label="Pain de mie", source="The Bread Bible")
    make_recipe(db, label="Pho", source="Serious Eats")

    assert labels(get_page(client, q="bread")) == ["Pain de mie"]


@pytest.mark.usefixtures("soup_and_breads")
def test_search_without_a_match_says_so(client: TestClient) -> None:
    page = get_page(client, q="lasagne")

    assert items(page) == []
    assert page.find("p", class_="empty").text == "No recipe matches that search."
    assert page.find("input", name="q").get("value") == "lasagne"


@pytest.mark.usefixtures("soup_and_breads")
def test_blank_search_is_no_search(client: TestClient) -> None:
    page = get_page(client, q="   ")

    assert (
        labels(page)
        == labels(get_page(client))
        == ["Chicken soup", "Sourdough BREAD", "Banana bread"]
    )
    assert page.find("input", name="q").get("value") == ""
    assert page.find("p", class_="summary").text.strip() == "Recipes, newest first"


def test_longest_search_is_accepted(client: TestClient) -> None:
    assert items(get_page(client, q="x" * 100)) == []


@pytest.mark.parametrize("q", ["x" * 101, "bread\x00", "\x00"], ids=["too-long", "nul", "only-nul"])
def test_invalid_search_is_rejected(client: TestClient, q: str) -> None:
    response = client.get("/", params={"q": q})

    assert 400 <= response.status_code < 500


def test_pages_walk_through_every_recipe_once(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    for _ in range(PAGE_SIZE * 2 + 1):
        make_recipe(db, cook)
    expected = labels_newest_first(db)

    page = get_page(client)
    assert len(items(page)) == PAGE_SIZE
    assert link(page, "prev") is None
    shown, numbers = labels(page), [1]
    next_url = link(page, "next")
    while next_url is not None:
        assert len(numbers) < 3, "more pages than recipes need"
        numbers.append(int(query_of(next_url)["page"][0]))
        page = get_page(client, next_url)
        assert link(page, "prev") is not None
        shown += labels(page)
        next_url = link(page, "next")

    assert numbers == [1, 2, 3]
    assert len(items(page)) == 1
    assert page.find("nav", class_="pages").text.count("Page 3") == 1
    assert shown == expected
    assert len(set(shown)) == len(shown) == PAGE_SIZE * 2 + 1


@pytest.mark.committed
def test_pages_of_a_search_keep_the_query(client: TestClient, db: Session) -> None:
    cook = make_user(db)
    for n in range(PAGE_SIZE + 1):
        make_recipe(db, cook, label=f"Bread & butter pudding {n}")
        if n % 5 == 0:
            make_recipe(db, cook, label=f"Butter chicken {n}")
    q = "bread & butter"

    first = get_page(client, q=q)
    next_url = link(first, "next")
    assert next_url is not None
    assert query_of(next_url) == {"q": [q], "page": ["2"]}
    second = get_page(client, next_url)
    prev_url = link(second, "prev")
    assert prev_url is not None
    assert query_of(prev_url) == {"q": [q], "page": ["1"]}
    assert link(second, "next") is None
    assert second.find("input", name="q").get("value") == q

    assert [len(items(first)), len(items(second))] == [PAGE_SIZE, 1]
    expected = labels_newest_first(db, Recipe.label.startswith("Bread & butter"))
    assert labels(first) + labels(second) == expected


@pytest.mark.parametrize("number", ["0", "-1", "abc", str(LAST_PAGE + 1), str(2**63)])
def test_invalid_page_is_rejected(client: TestClient, number: str) -> None:
    response = client.get("/", params={"page": number})

    assert 400 <= response.status_code < 500


def test_page_beyond_the_last_is_empty(client: TestClient, db: Session) -> None:
    make_recipe(db)

    page = get_page(client, page="3")

    assert items(page) == []
    assert link(page, "next") is None


@pytest.mark.committed
@pytest.mark.parametrize("q", ["", "bread"], ids=["list", "search"])
def test_page_beyond_the_last_leads_back_to_the_first(
    client: TestClient, db: Session, q: str
) -> None:
    make_recipe(db, label="Banana bread")

    page = get_page(client, q=q, page="3")

    assert page.find("p", class_="empty").text == "Page 3 is past the end."
    assert link(page, "next") is None
    prev_url = link(page, "prev")
    assert prev_url is not None
    assert query_of(prev_url)["page"] == ["1"]
    assert labels(get_page(client, prev_url)) == ["Banana bread"]


def test_head_of_the_home_page(client: TestClient) -> None:
    response = client.head("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == b""
