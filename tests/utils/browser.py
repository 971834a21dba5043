"""What the browser tests share: Debian's Chromium under Playwright, a running service
on a database of sample recipes, axe-core injected into a page, and screenshots.

Chromium and axe-core are installed by scripts/install-browser.sh (test.sh runs it).
Without either, the tests that need it skip, saying why, except under CI=true, where
they fail.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from random import Random
from typing import Any

import pytest
from alembic import command
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy.orm import Session

from app.core.config import PROJECT_DIR
from app.db.sample_data import add_sample_data
from app.db.session import make_engine
from app.db.types import utcnow
from tests.utils.migrations import alembic_config
from tests.utils.processes import running_service

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
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# What axe checks: WCAG 2.0 and 2.1, levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def missing(reason: str) -> None:
    """Skip for want of a tool the install script provides; under CI=true, fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} not found: scripts/install-browser.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def sample_site(workdir: Path, *, recipes: int, **settings: str) -> Iterator[str]:
    """run.sh on a SQLite database that already holds generated users and recipes; its
    base URL.

    Migrated and filled in this process first: a second process would add seconds.
    """
    database_url = f"sqlite:///{workdir / 'site.db'}"
    engine = make_engine(database_url, pooled=False)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
        with Session(engine) as db:
            add_sample_data(db, users=3, recipes=recipes, rng=Random(4), until=utcnow())
    finally:
        engine.dispose()
    with running_service(workdir, DATABASE_URL=database_url, **settings) as url:
        yield url


@contextmanager
def watched_page(browser: Browser, **options: Any) -> Iterator[Page]:
    """A page in a context of its own; fails the test if the browser reported an error
    (a CSP violation, a failed load, a script error) while it was open."""
    options.setdefault("viewport", VIEWPORTS["desktop"])
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: _note_error(errors, message, page.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], "the browser reported errors"


def _note_error(errors: list[str], message: ConsoleMessage, document: str) -> None:
    # Chromium reports an error page's own status as a failed load ("Failed to load
    # resource: ... 404"); the test checks that status itself. Any other failed load
    # (a stylesheet, an icon) counts.
    if message.type != "error":
        return
    if message.text.startswith("Failed to load resource") and (message.location["url"] == document):
        return
    errors.append(f"{message.text} ({message.location['url']})")


def axe_results(page: Page) -> dict[str, Any]:
    """axe-core's results for the page as it is now. axe is evaluated through the
    DevTools protocol, which the page's CSP (no script from anywhere) does not govern:
    the page is checked as served."""
    if not AXE.is_file():
        missing(f"{AXE} not found: scripts/install-browser.sh installs axe-core (npm ci)")
    page.evaluate(AXE.read_text())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results: dict[str, Any] = page.evaluate("options => axe.run(document, options)", options)
    return results


def blocking(results: dict[str, Any]) -> list[str]:
    """The serious and critical violations, one line each: rule, impact, where."""
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + json.dumps([node["target"] for node in violation["nodes"]])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
