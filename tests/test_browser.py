"""The home page in a real browser: headless Chromium against run.sh on a database of sample data.

Chromium is Debian's (scripts/install-browser.sh, which test.sh runs, installs it);
Playwright drives it and never downloads a browser of its own. Without Chromium the
tests skip, except under CI=true, where they fail.
"""

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    Route,
    expect,
    sync_playwright,
)

from app.core.config import DEFAULT_PASSWORD
from tests.utils.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, sample_site

pytestmark = pytest.mark.e2e

SAMPLE_RECIPES = 60  # with the 7 starter recipes: 4 pages of 20
SEARCH_WORD = "bread"
# Colours from app/static/style.css: --ink for the header, --accent for recipe labels.
INK = "rgb(31, 35, 40)"
ACCENT = "rgb(179, 67, 26)"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# The superuser prestart seeds, who signs in through Swagger UI's "Authorize".
ADMIN = "admin@example.com"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """run.sh on a SQLite database that already holds generated recipes.

    Migrated and filled in this process first (a second process would add seconds);
    the sample-data command itself runs as a process in test_cli.py.
    """
    workdir = tmp_path_factory.mktemp("browser")
    with sample_site(
        workdir,
        recipes=SAMPLE_RECIPES,
        FIRST_SUPERUSER=ADMIN,
        FIRST_SUPERUSER_PASSWORD=DEFAULT_PASSWORD,
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole module."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} not found: scripts/install-browser.sh installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser: Browser, **options: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 800}, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: _note_error(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], "the browser reported errors"


def _note_error(errors: list[str], message: ConsoleMessage) -> None:
    # The page names no icon, so Chromium asks for /favicon.ico and gets a 404; that
    # one is known (see README) and not what these tests are about.
    if message.type != "error" or message.location["url"].endswith("/favicon.ico"):
        return
    # ReDoc's menu always shows Redocly's logo from their CDN: the docs pages' policy
    # stops it before any request is made, and Chromium says so.
    if f"'{REDOC_LOGO}' violates the following Content Security Policy" in message.text:
        return
    errors.append(f"{message.text} ({message.location['url']})")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser)


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, java_script_enabled=False)


def labels(page: Page) -> list[str]:
    return page.locator("li.recipe a.label").all_inner_texts()


def api_labels(base_url: str, path: str, **params: str | int) -> list[str]:
    response = requests.get(f"{base_url}/api/v1{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return [item["label"] for item in response.json()["items"]]


def _search(base_url: str, keyword: str) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"keyword": keyword, "max_results": 20}
    response = requests.get(f"{base_url}/api/v1/recipes/search", params=params, timeout=10)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_home_page_renders_with_its_styles(
    page: Page, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with page.expect_response(lambda r: r.url.endswith("/static/style.css")) as stylesheet:
        response = page.goto(base_url + "/")

    assert response is not None and response.status == 200
    assert stylesheet.value.status == 200
    assert stylesheet.value.header_value("content-type") == "text/css; charset=utf-8"
    header = page.locator("header.site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == INK
    first_label = page.locator("li.recipe a.label").first
    assert first_label.evaluate("e => getComputedStyle(e).color") == ACCENT
    # The recipe cards are laid out by the stylesheet's grid, not as a bulleted list.
    recipe = page.locator("li.recipe").first
    assert recipe.evaluate("e => getComputedStyle(e).display") == "grid"
    assert labels(page) == api_labels(base_url, "/recipes", limit=20)

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "home-page.png"
    page.screenshot(path=screenshot, full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot of the home page: {screenshot}")


def test_search_narrows_the_list(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    everything = labels(page)

    page.get_by_label("Search recipes").fill(SEARCH_WORD.upper())
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"**/?q={SEARCH_WORD.upper()}")

    found = labels(page)
    assert found == api_labels(base_url, "/recipes/search", keyword=SEARCH_WORD, max_results=20)
    assert 0 < len(found) < len(everything)
    # Search reads the label, source, description, ingredients and tags.
    for item in _search(base_url, SEARCH_WORD):
        recipe = requests.get(f"{base_url}/api/v1/recipes/{item['id']}", timeout=10).json()
        words = [recipe["label"], recipe["source"] or "", recipe["description"] or ""]
        words += [line["food"] for line in recipe["ingredients"]] + recipe["tags"]
        assert SEARCH_WORD in " ".join(words).lower(), recipe
    assert page.get_by_label("Search recipes").input_value() == SEARCH_WORD.upper()
    assert f"matching “{SEARCH_WORD.upper()}”" in page.locator("p.summary").inner_text()


def test_older_and_newer_pages_work_without_javascript(
    page_without_js: Page, base_url: str
) -> None:
    page = page_without_js
    page.goto(base_url + "/")
    first = labels(page)
    assert "Page 1" in page.locator("nav.pages").inner_text()

    page.get_by_role("link", name="Older →").click()
    page.wait_for_url("**/?page=2")
    second = labels(page)
    assert "Page 2" in page.locator("nav.pages").inner_text()

    page.get_by_role("link", name="← Newer").click()
    page.wait_for_url("**/?page=1")

    assert len(first) == len(second) == 20
    assert second != first
    assert second == api_labels(base_url, "/recipes", offset=20, limit=20)
    assert labels(page) == first


def only_this_origin(page: Page, base_url: str) -> list[str]:
    """Aborts every request of the page's context that goes anywhere but `base_url`'s
    origin, and lists them: a page that worked only thanks to a CDN would fail."""
    elsewhere: list[str] = []
    origin = urlsplit(base_url)[:2]

    def allow_this_origin(route: Route) -> None:
        if urlsplit(route.request.url)[:2] == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", allow_this_origin)
    return elsewhere


def documented_operations(base_url: str) -> set[str]:
    document = requests.get(f"{base_url}/openapi.json", timeout=10).json()
    return {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }


def swagger_operation(page: Page, method: str, path: str) -> Locator:
    return page.locator(f".opblock-{method}").filter(
        has=page.locator(f'.opblock-summary-path[data-path="{path}"]')
    )


def try_it_out(page: Page, operation: Locator, path: str) -> Response:
    """Opens `operation`, presses "Try it out" and "Execute"; the answer Swagger UI got."""
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: urlsplit(r.url).path == path) as answer:
        operation.get_by_role("button", name="Execute").click()
    return answer.value


def test_swagger_ui_works_from_the_app_alone(
    page: Page, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = only_this_origin(page, base_url)

    response = page.goto(base_url + "/docs")
    page.locator(".opblock").first.wait_for()

    assert response is not None and response.status == 200
    shown = page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(b =>
            b.querySelector('.opblock-summary-method').textContent + ' ' +
            b.querySelector('.opblock-summary-path').dataset.path)"""
    )
    assert set(shown) == documented_operations(base_url)
    tags = swagger_operation(page, "get", "/api/v1/tags")
    answer = try_it_out(page, tags, "/api/v1/tags")
    assert answer.status == 200
    assert (
        answer.json()["items"]
        == requests.get(f"{base_url}/api/v1/tags", timeout=10).json()["items"]
    )
    assert (
        tags.locator(".live-responses-table .response .response-col_status").first.inner_text()
        == "200"
    )
    assert elsewhere == []

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "docs.png"
    page.screenshot(path=screenshot)
    with capsys.disabled():
        print(f"\nscreenshot of /docs: {screenshot}")


def test_swagger_ui_signs_in_with_authorize(page: Page, base_url: str) -> None:
    elsewhere = only_this_origin(page, base_url)
    page.goto(base_url + "/docs")

    page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".dialog-ux")
    dialog.get_by_label("username:").fill(ADMIN)
    dialog.get_by_label("password:").fill(DEFAULT_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/login/access-token")) as login:
        dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    dialog.get_by_role("button", name="Close", exact=True).click()
    me = try_it_out(page, swagger_operation(page, "get", "/api/v1/users/me"), "/api/v1/users/me")

    assert login.value.status == 200
    assert me.status == 200
    assert me.json()["email"] == ADMIN
    assert elsewhere == []


def test_redoc_works_from_the_app_alone(page: Page, base_url: str) -> None:
    elsewhere = only_this_origin(page, base_url)

    response = page.goto(base_url + "/redoc")
    page.locator("[data-section-id^='operation/']").first.wait_for()

    assert response is not None and response.status == 200
    shown = page.locator("[data-section-id^='operation/']").count()
    assert shown == len(documented_operations(base_url))
    # The search runs in a worker made from a blob: URL.
    page.get_by_placeholder("Search...").fill("recipe")
    found = page.get_by_role("search").get_by_role("menuitem", name="List Recipes")
    expect(found).to_be_visible()
    # Refused, ReDoc drops the logo's <img>.
    expect(page.locator(f"img[src='{REDOC_LOGO}']")).to_have_count(0)
    assert elsewhere == []
