"""Every bad input gets a 4xx naming what is wrong, never a 500, and changes nothing.

The caller is a superuser, so every route gets as far as checking its input.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.config import settings
from app.models import Recipe
from app.models.recipe import LABEL_LENGTH, SOURCE_LENGTH, URL_LENGTH
from app.models.user import EMAIL_LENGTH, NAME_LENGTH
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_recipe, recipe_body, user_fields
from tests.utils.snapshot import everything

BAD_IDS = ["abc", "1.5", "1e3", "-1", "0", str(2**31), str(2**63), str(2**64), "9" * 40]
BAD_OFFSETS = ["-1", "abc", "1.5", str(2**31), str(2**63), str(2**64)]
BAD_LIMITS = ["-1", "0", "abc", str(settings.MAX_PAGE_SIZE + 1), str(2**63), str(2**64)]


@pytest.fixture
def recipe(db: Session) -> Recipe:
    return make_recipe(db)


@pytest.fixture(autouse=True)
def _as_superuser(superuser_client: TestClient) -> None:
    """Every request here is a superuser's (`client` is signed in): only the input is wrong."""


def assert_refused(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert error_detail(response)
    if field is not None:
        assert field in invalid_fields(response), response.text
        errors = response.json()["errors"]
        assert all(error["msg"] for error in errors)
        assert field in error_detail(response)


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize(("path", "field"), [("recipes", "recipe_id"), ("users", "user_id")])
def test_bad_ids(
    client: TestClient, db: Session, recipe: Recipe, path: str, field: str, method: str, bad: str
) -> None:
    before = everything(db)

    response = client.request(method, f"/api/v1/{path}/{bad}", json={"label": "x"})

    if method == "PUT" and path == "users":
        assert response.status_code == 405  # users are patched, not replaced
    else:
        assert_refused(response, 422, field)
    assert everything(db) == before


@pytest.mark.parametrize(
    "path", ["/api/v1/recipes", "/api/v1/users", "/api/v1/users/{user}/recipes"]
)
@pytest.mark.parametrize(
    ("name", "bad"), [("offset", v) for v in BAD_OFFSETS] + [("limit", v) for v in BAD_LIMITS]
)
def test_bad_paging(client: TestClient, recipe: Recipe, path: str, name: str, bad: str) -> None:
    url = path.format(user=recipe.submitter_id)

    assert_refused(client.get(url, params={name: bad}), 422, name)


@pytest.mark.parametrize(
    "keyword", ["", "   ", "a\x00b", "x" * 101], ids=["empty", "blank", "nul", "long"]
)
def test_bad_search_keyword(client: TestClient, keyword: str) -> None:
    assert_refused(
        client.get("/api/v1/recipes/search", params={"keyword": keyword}), 422, "keyword"
    )


def test_search_keyword_is_required(client: TestClient) -> None:
    assert_refused(client.get("/api/v1/recipes/search"), 422, "keyword")


RECIPE_BODY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing label", {"label": ...}, "label"),
    ("extra field", {"rating": 5}, "rating"),
    ("label too long", {"label": "x" * (LABEL_LENGTH + 1)}, "label"),
    ("source too long", {"source": "x" * (SOURCE_LENGTH + 1)}, "source"),
    ("empty label", {"label": ""}, "label"),
    ("blank label", {"label": "   "}, "label"),
    ("NUL in label", {"label": "bread\x00"}, "label"),
    ("newline in source", {"source": "a\nb"}, "source"),
    ("label not a string", {"label": 5}, "label"),
    ("null label", {"label": None}, "label"),
    ("not a URL", {"url": "not a url"}, "url"),
    ("ftp URL", {"url": "ftp://example.com/bread"}, "url"),
    ("javascript URL", {"url": "javascript:alert(1)"}, "url"),
    ("URL too long", {"url": "https://example.com/" + "a" * URL_LENGTH}, "url"),
    ("URL too long once encoded", {"url": "https://example.com/" + "é" * 700}, "url"),
    # The submitter is whoever signs in (tests/api/test_recipes.py has the rest).
    ("submitter_id is not an input", {"submitter_id": 1}, "submitter_id"),
]


USER_BODY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing email", {"email": ...}, "email"),
    ("extra field", {"role": "admin"}, "role"),
    ("hashed_password is not an input", {"hashed_password": "$argon2id$x"}, "hashed_password"),
    ("password too short", {"password": "x" * 7}, "password"),
    ("password too long", {"password": "x" * 129}, "password"),
    ("password not a string", {"password": 12345678}, "password"),
    ("superuser flag not a boolean", {"is_superuser": "maybe"}, "is_superuser"),
    ("not an email", {"email": "nope"}, "email"),
    ("no domain", {"email": "a@"}, "email"),
    (
        "email too long",
        {"email": "a" * 64 + "@" + "b" * (EMAIL_LENGTH - 70) + ".example.com"},
        "email",
    ),
    ("NUL in email", {"email": "a\x00b@example.com"}, "email"),
    ("name too long", {"first_name": "x" * (NAME_LENGTH + 1)}, "first_name"),
    ("NUL in name", {"surname": "x\x00"}, "surname"),
]

# resource: (its cases, the methods that take a body)
BODY_CASES = {
    "recipes": (RECIPE_BODY_CASES, ["POST", "PUT", "PATCH"]),
    "users": (USER_BODY_CASES, ["POST", "PATCH"]),
}


def body_cases() -> list[Any]:
    """Each case for each method that takes a body; a partial update may leave fields
    out, so PATCH gets no "missing" case."""
    return [
        pytest.param(resource, method, change, field, id=f"{resource}-{method}-{name}")
        for resource, (cases, methods) in BODY_CASES.items()
        for method in methods
        for name, change, field in cases
        if not (method == "PATCH" and ... in change.values())
    ]


@pytest.mark.parametrize(("resource", "method", "change", "field"), body_cases())
def test_bad_bodies(
    client: TestClient,
    db: Session,
    recipe: Recipe,
    resource: str,
    method: str,
    change: dict[str, Any],
    field: str,
) -> None:
    if resource == "recipes":
        valid, item = recipe_body(), recipe.id
    else:
        valid, item = user_fields(), recipe.submitter_id
    body = {k: v for k, v in (valid | change).items() if v is not ...}
    if method == "PATCH":
        body = {k: v for k, v in body.items() if k in change}
    url = f"/api/v1/{resource}" if method == "POST" else f"/api/v1/{resource}/{item}"
    before = everything(db)

    response = client.request(method, url, json=body)

    assert_refused(response, 422, field)
    assert everything(db) == before


@pytest.mark.parametrize("path", ["/api/v1/recipes", "/api/v1/users"])
def test_invalid_json_is_422(client: TestClient, db: Session, recipe: Recipe, path: str) -> None:
    before = everything(db)

    response = client.post(
        path, content=b'{"label": ', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert (response.json()["line"], response.json()["column"]) == (1, 11)
    assert everything(db) == before


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object_is_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/api/v1/recipes", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(
    client: TestClient, db: Session, recipe: Recipe, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    before = everything(db)

    response = client.post(
        "/api/v1/recipes",
        content=b'{"label": "a", "source": "b", "url": "https://x.com"}',
        headers=headers,
    )

    assert response.status_code == 415
    assert "application/json" in error_detail(response)
    assert everything(db) == before


def test_body_over_the_limit_is_413(client: TestClient, db: Session, recipe: Recipe) -> None:
    before = everything(db)
    label = "x" * settings.MAX_REQUEST_BODY_BYTES

    response = client.post("/api/v1/recipes", json=recipe_body(label=label))

    assert response.status_code == 413
    assert str(settings.MAX_REQUEST_BODY_BYTES) in error_detail(response)
    assert everything(db) == before


def test_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    chunk = b" " * 65536
    chunks = (chunk for _ in range(settings.MAX_REQUEST_BODY_BYTES // len(chunk) + 2))

    response = client.post(
        "/api/v1/users", content=chunks, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413


def test_unknown_method_is_405(client: TestClient, recipe: Recipe) -> None:
    response = client.post(f"/api/v1/recipes/{recipe.id}", json={})

    assert response.status_code == 405
