"""The home page in a real browser: headless Chromium against run.sh on a database of sample data.

Chromium is Debian's (scripts/install-browser.sh, which test.sh runs, installs it);
Playwright drives it and never downloads a browser of its own. Without Chromium the
tests skip, except under CI=true, where they fail.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

import pytest
import requests
from alembic import command
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy.orm import Session

from app.core.config import PROJECT_DIR
from app.db.sample_data import add_sample_data
from app.db.session import make_engine
from app.db.types import utcnow
from tests.utils.migrations import alembic_config
from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Playwright adds --headless, --no-sandbox (it runs as root here) and a fresh, empty
# --user-data-dir. Without the background-networking switches Chromium keeps calling
# out to Google's services, which this closed network refuses.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_DIR / "test-artifacts"
SAMPLE_RECIPES = 60  # with the 7 starter recipes: 4 pages of 20
SEARCH_WORD = "bread"
# Colours from app/static/style.css: --ink for the header, --accent for recipe labels.
INK = "rgb(31, 35, 40)"
ACCENT = "rgb(179, 67, 26)"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """run.sh on a SQLite database that already holds generated recipes.

    Migrated and filled in this process first (a second process would add seconds);
    the sample-data command itself runs as a process in test_cli.py.
    """
    workdir = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{workdir / 'browser.db'}"
    engine = make_engine(database_url, pooled=False)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
        with Session(engine) as db:
            add_sample_data(db, users=3, recipes=SAMPLE_RECIPES, rng=Random(4), until=utcnow())
    finally:
        engine.dispose()
    with running_service(workdir, DATABASE_URL=database_url) as url:
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
    if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
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
    assert all(SEARCH_WORD in label.lower() for label in found), found
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
