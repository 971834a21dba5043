"""The service as it is deployed: run.sh (prestart, then uvicorn) in its own process."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from sqlalchemy.engine import URL

from app.db.init_db import STARTER_RECIPES
from tests.utils.processes import deployed_service

pytestmark = pytest.mark.e2e


ADMIN_PASSWORD = "e2e admin password"


@pytest.fixture
def base_url(tmp_path: Path, database_url: URL) -> Iterator[str]:
    """run.sh serving a fresh database, configured as in production."""
    with deployed_service(tmp_path, database_url, ADMIN_PASSWORD) as url:
        yield url


def _token(http: requests.Session, base_url: str, email: str, password: str) -> str:
    response = http.post(
        base_url + "/api/v1/login/access-token",
        data={"username": email, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


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

        body = {
            "label": "Overnight Focaccia",
            "source": "E2E Kitchen",
            "url": "https://example.com/recipes/focaccia",
        }
        anonymous = http.post(base_url + "/api/v1/recipes", json=body, timeout=10)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"

        user = http.post(
            base_url + "/api/v1/users/signup",
            json={
                "email": "e2e@example.com",
                "password": "e2e user password",
                "first_name": "End",
                "surname": "ToEnd",
            },
            timeout=10,
        )
        assert user.status_code == 201, user.text
        user_id = user.json()["id"]
        token = _token(http, base_url, "e2e@example.com", "e2e user password")
        http.headers["Authorization"] = f"Bearer {token}"
        assert http.get(base_url + "/api/v1/users/me", timeout=10).json() == user.json()

        created = http.post(base_url + "/api/v1/recipes", json=body, timeout=10)
        assert created.status_code == 201, created.text
        assert created.json()["submitter_id"] == user_id
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

        # The seeded superuser signs in with FIRST_SUPERUSER_PASSWORD and administers users.
        admin = _token(http, base_url, "admin@example.com", ADMIN_PASSWORD)
        http.headers["Authorization"] = f"Bearer {admin}"
        users = http.get(base_url + "/api/v1/users", timeout=10)
        assert users.status_code == 200
        assert {u["email"] for u in users.json()["items"]} == {
            "admin@example.com",
            "e2e@example.com",
        }
        assert "hashed_password" not in users.text
