"""The recipe site in a real browser: headless Chromium against run.sh on a database of
sample recipes. The recipe page, its scaler (without JavaScript) and its JSON-LD, a tag
page, the HTML 404; axe-core on every kind of page; screenshots of each at desktop and
phone widths in test-artifacts/screenshots/.

Chromium is Debian's and axe-core the npm package package-lock.json pins, both
installed by scripts/install-browser.sh (test.sh runs it). Without them the tests skip,
except under CI=true, where they fail.
"""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests.utils.browser import (
    VIEWPORTS,
    axe_results,
    blocking,
    chromium,
    sample_site,
    screenshot,
    watched_page,
)

pytestmark = pytest.mark.e2e

SAMPLE_RECIPES = 40
# --ink from app/static/style.css: the header's background.
INK = "rgb(31, 35, 40)"
MISSING_RECIPE = 999_999


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service's base URL."""
    with sample_site(tmp_path_factory.mktemp("site"), recipes=SAMPLE_RECIPES) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole module."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser) as page:
        yield page


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, java_script_enabled=False) as page:
        yield page


def api(site: str, path: str, **params: Any) -> Any:
    response = requests.get(f"{site}/api/v1{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def recipe(site: str) -> dict[str, Any]:
    """A sample recipe with all a page can show: servings, tags, sections."""
    for summary in api(site, "/recipes", limit=100)["items"]:
        if summary["servings"] and summary["tags"] and summary["description"]:
            whole: dict[str, Any] = api(site, f"/recipes/{summary['id']}")
            if any(line["section"] for line in whole["ingredients"]) and whole["steps"]:
                return whole
    raise AssertionError("no sample recipe has servings, tags and sections")


@pytest.fixture(scope="module")
def tag(site: str) -> dict[str, Any]:
    """The tag most sample recipes have."""
    found: dict[str, Any] = api(site, "/tags", sort="-recipe_count", limit=1)["items"][0]
    return found


def labels(page: Page) -> list[str]:
    return page.locator("li.recipe a.label").all_inner_texts()


def test_the_recipe_page_renders(page: Page, site: str, recipe: dict[str, Any]) -> None:
    response = page.goto(f"{site}/recipes/{recipe['id']}")

    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == recipe["label"]
    assert page.locator(".ingredients .lines li").count() == len(recipe["ingredients"])
    assert page.locator("ol.method li").count() == len(recipe["steps"])
    assert page.locator(".recipe-head .tags a").all_inner_texts() == recipe["tags"]
    # Wide enough, the ingredients and the method stand side by side.
    columns = page.locator(".recipe-body").evaluate("e => getComputedStyle(e).gridTemplateColumns")
    assert len(columns.split()) == 2, columns
    # Printed: the recipe, without the site's navigation or the scaler.
    page.emulate_media(media="print")
    for hidden in (".site-header nav", "nav.scaler", ".site-footer"):
        assert page.locator(hidden).evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator(".ingredients .lines").first.is_visible()


def quantities(page: Page) -> list[str]:
    return page.locator(".lines .quantity").all_inner_texts()


def test_the_scaler_changes_quantities_without_javascript(
    page_without_js: Page, site: str, recipe: dict[str, Any]
) -> None:
    page = page_without_js
    page.goto(f"{site}/recipes/{recipe['id']}")
    as_written = quantities(page)
    doubled = 2 * recipe["servings"]

    page.locator("nav.scaler").get_by_role("link", name="2×").click()
    page.wait_for_url(f"**/recipes/{recipe['id']}?servings={doubled}")

    scaled = api(site, f"/recipes/{recipe['id']}", servings=doubled)
    expected = [line["quantity"] for line in scaled["ingredients"] if line["quantity"]]
    assert quantities(page) == expected
    assert quantities(page) != as_written
    assert page.locator("dd.servings").inner_text() == str(doubled)
    assert page.locator("nav.scaler [aria-current]").all_inner_texts() == ["2×", str(doubled)]

    page.get_by_role("link", name="As written").click()
    page.wait_for_url(f"**/recipes/{recipe['id']}")
    assert quantities(page) == as_written


def test_the_embedded_json_ld_parses_and_matches(
    page: Page, site: str, recipe: dict[str, Any]
) -> None:
    url = f"{site}/recipes/{recipe['id']}"
    page.goto(url)

    scripts = page.locator('script[type="application/ld+json"]')
    assert scripts.count() == 1
    document = json.loads(scripts.text_content() or "")
    assert document["@type"] == "Recipe"
    assert document["name"] == recipe["label"]
    answer = requests.get(
        f"{site}/api/v1/recipes/{recipe['id']}",
        headers={"Accept": "application/ld+json"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/ld+json"
    assert answer.json() == document


def test_a_tag_page_lists_its_recipes(page: Page, site: str, tag: dict[str, Any]) -> None:
    page.goto(site + "/")

    page.locator("li.recipe .tags").get_by_role("link", name=tag["name"], exact=True).first.click()
    page.wait_for_url(f"**/tags/{tag['slug']}")

    assert page.locator("h1").inner_text() == f"Tagged “{tag['name']}”"
    shown = labels(page)
    listed = api(site, "/recipes", tag=tag["slug"], limit=20)["items"]
    assert shown == [item["label"] for item in listed]
    assert 0 < len(shown) <= tag["recipe_count"]
    assert all(
        tag["name"] in card.locator(".tags a").all_inner_texts()
        for card in page.locator("li.recipe").all()
    )


def test_the_html_404_renders(page: Page, site: str) -> None:
    response = page.goto(f"{site}/recipes/{MISSING_RECIPE}")

    assert response is not None and response.status == 404
    assert response.header_value("content-type") == "text/html; charset=utf-8"
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("p.detail").inner_text() == f"recipe {MISSING_RECIPE} not found"
    header = page.locator("header.site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == INK

    page.get_by_role("link", name="Back to the recipes").click()
    page.wait_for_url(site + "/")
    assert len(labels(page)) == 20


def site_pages(site: str, recipe: dict[str, Any], tag: dict[str, Any]) -> dict[str, str]:
    """A page of each kind, by name."""
    return {
        "home": site + "/",
        "search": site + "/?q=bread",
        "recipe": f"{site}/recipes/{recipe['id']}",
        "recipe-scaled": f"{site}/recipes/{recipe['id']}?servings=1",
        "tag": f"{site}/tags/{tag['slug']}",
        "error": f"{site}/recipes/{MISSING_RECIPE}",
    }


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["home", "search", "recipe", "recipe-scaled", "tag", "error"])
def test_axe_finds_no_serious_or_critical_violation(
    browser: Browser,
    site: str,
    recipe: dict[str, Any],
    tag: dict[str, Any],
    name: str,
    viewport: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with watched_page(browser, viewport=VIEWPORTS[viewport]) as page:
        page.goto(site_pages(site, recipe, tag)[name])
        results = axe_results(page)

    assert blocking(results) == []
    assert len(results["passes"]) > 10, "axe checked next to nothing"
    others = sorted({f"{v['id']} ({v['impact']})" for v in results["violations"]})
    with capsys.disabled():
        print(
            f"\naxe on {name} ({viewport}): {len(results['passes'])} rules passed; "
            f"minor or moderate: {', '.join(others) or 'none'}"
        )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["home", "recipe", "tag", "error", "docs"])
def test_screenshots(
    browser: Browser,
    site: str,
    recipe: dict[str, Any],
    tag: dict[str, Any],
    name: str,
    viewport: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    urls = site_pages(site, recipe, tag) | {"docs": site + "/docs"}
    with watched_page(browser, viewport=VIEWPORTS[viewport]) as page:
        page.goto(urls[name])
        if name == "docs":
            page.locator(".opblock").first.wait_for()
        assert urlsplit(page.url).path == urlsplit(urls[name]).path
        path = screenshot(page, f"{name}-{viewport}")

    assert path.stat().st_size > 0
    with capsys.disabled():
        print(f"\nscreenshot of {name} ({viewport}): {path}")
