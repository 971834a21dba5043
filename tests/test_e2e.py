"""The service as it is deployed: run.sh (prestart, then uvicorn) in its own process."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from sqlalchemy.engine import URL

from app.db.init_db import STARTER_RECIPES
from tests.utils.databases import as_setting
from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e


@pytest.fixture
def base_url(tmp_path: Path, database_url: URL) -> Iterator[str]:
    """run.sh serving a fresh database."""
    with running_service(tmp_path, DATABASE_URL=as_setting(database_url)) as url:
        yield url


def test_service_end_to_end(base_url: str) -> None:
    with requests.Session() as http:
        home = http.get(base_url + "/", timeout=10)
        assert home.status_code == 200
        assert home.headers["content-type"].startswith("text/html")
        assert STARTER_RECIPES[0]["label"] in home.text
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text)
        assert stylesheet is not None, home.text
        css_url = urljoin(base_url + "/", stylesheet.group(1))
        assert urlsplit(css_url).path == "/static/style.css"

        css = http.get(css_url, timeout=10)
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")

        docs = http.get(base_url + "/docs", timeout=10)
        assert docs.status_code == 200
        openapi = http.get(base_url + "/openapi.json", timeout=10)
        assert openapi.status_code == 200
        assert "/api/v1/recipes" in openapi.json()["paths"]

        user = http.post(
            base_url + "/api/v1/users",
            json={"email": "e2e@example.com", "first_name": "End", "surname": "ToEnd"},
            timeout=10,
        )
        assert user.status_code == 201, user.text
        user_id = user.json()["id"]

        created = http.post(
            base_url + "/api/v1/recipes",
            json={
                "label": "Overnight Focaccia",
                "source": "E2E Kitchen",
                "url": "https://example.com/recipes/focaccia",
                "submitter_id": user_id,
            },
            timeout=10,
        )
        assert created.status_code == 201, created.text
        recipe = created.json()
        location = urljoin(base_url + "/", created.headers["location"])
        assert urlsplit(location).path == f"/api/v1/recipes/{recipe['id']}"
        fetched = http.get(location, timeout=10)
        assert fetched.status_code == 200
        assert fetched.json() == recipe

        patched = http.patch(location, json={"label": "Overnight Rosemary Focaccia"}, timeout=10)
        assert patched.status_code == 200, patched.text
        assert patched.json()["label"] == "Overnight Rosemary Focaccia"
        assert patched.json()["url"] == recipe["url"]
        assert http.get(location, timeout=10).json() == patched.json()

        found = http.get(
            base_url + "/api/v1/recipes/search", params={"keyword": "rOSEMARY"}, timeout=10
        )
        assert found.status_code == 200
        assert [item["id"] for item in found.json()["items"]] == [recipe["id"]]

        deleted = http.delete(location, timeout=10)
        assert deleted.status_code == 204
        assert http.get(location, timeout=10).status_code == 404
