"""Every error, whoever raises it, is an RFC 9457 problem; 405 names every allowed method."""

import logging
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import exception_handlers
from app.api.deps import get_db
from app.core.config import settings
from app.exception_handlers import MALFORMED_JSON
from app.exceptions import AppError, InvalidInput
from app.main import app
from app.models import User
from tests.utils.errors import PROBLEM_JSON, error_detail, invalid_fields
from tests.utils.factories import make_recipe, recipe_body

API = "/api/v1"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _assert_problem(response: Any, status: int, path: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == path
    assert body["title"] and body["type"] and error_detail(response)
    return body


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/no/such/page")

    body = _assert_problem(response, 404, "/no/such/page")
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


def test_missing_object_is_a_404_problem(client: TestClient) -> None:
    response = client.get(f"{API}/recipes/424242")

    _assert_problem(response, 404, f"{API}/recipes/424242")
    assert error_detail(response) == "recipe 424242 not found"


def _documented_methods() -> dict[str, set[str]]:
    """Every path of the OpenAPI document, with the methods it documents."""
    paths = app.openapi()["paths"]
    return {path: {method.upper() for method in item} for path, item in paths.items()}


DOCUMENTED = _documented_methods()


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_a_path_answers_exactly_its_documented_methods(client: TestClient, path: str) -> None:
    url = path.format(recipe_id=1, user_id=1)
    responses = {method: client.request(method, url) for method in ALL_METHODS + ["TRACE"]}
    answered = {method for method, r in responses.items() if r.status_code != 405}
    documented = DOCUMENTED[path] | ({"HEAD"} if "GET" in DOCUMENTED[path] else set())
    assert answered == documented

    for method, response in responses.items():
        if method not in answered:
            if method == "HEAD":  # a HEAD answer has no body
                assert response.headers["content-type"] == PROBLEM_JSON
            else:
                _assert_problem(response, 405, url)
            assert set(response.headers["allow"].split(", ")) == answered, method


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/users/signup", "POST"),
        ("DELETE", "/users/signup", "POST"),
        ("GET", "/users/signup", "POST"),
        ("PUT", "/recipes/search", "GET, HEAD"),
        ("DELETE", "/recipes/search", "GET, HEAD"),
        ("OPTIONS", "/users/me", "GET, HEAD, PATCH"),
        ("DELETE", "/users/me", "GET, HEAD, PATCH"),
        ("GET", "/users/me/password", "PATCH"),
    ],
)
def test_words_in_a_path_never_reach_an_id_route(
    superuser_client: TestClient, method: str, path: str, allow: str
) -> None:
    response = superuser_client.request(method, f"{API}{path}", json={})

    if method != "HEAD":
        _assert_problem(response, 405, f"{API}{path}")
    assert response.headers["allow"] == allow


def test_a_documented_method_of_a_word_reaches_its_own_route(
    superuser_client: TestClient,
) -> None:
    search = superuser_client.get(f"{API}/recipes/search")
    me = superuser_client.get(f"{API}/users/me")
    renamed = superuser_client.patch(f"{API}/users/me", json={"surname": "King"})

    assert invalid_fields(search) == ["keyword"]
    assert me.status_code == 200 and me.json()["is_superuser"]
    assert renamed.status_code == 200 and renamed.json()["surname"] == "King"


def test_405_on_a_path_with_several_routes_names_them_all(client: TestClient) -> None:
    response = client.post(f"{API}/recipes/1")

    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"


def test_405_on_static_files(client: TestClient) -> None:
    response = client.post("/static/style.css")

    _assert_problem(response, 405, "/static/style.css")
    assert response.headers["allow"] == "GET, HEAD"


def test_head_is_answered_wherever_get_is(client: TestClient, db: Session) -> None:
    recipe = make_recipe(db)
    for url in [f"{API}/recipes", f"{API}/recipes/{recipe.id}", "/health/live", "/"]:
        get = client.get(url)
        head = client.head(url)

        assert head.status_code == get.status_code == 200, url
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers.get("etag") == get.headers.get("etag")


def test_validation_errors_name_each_field(user_client: TestClient) -> None:
    response = user_client.post(
        f"{API}/recipes", json={"label": "", "url": "not a url", "servings": 0}
    )

    body = _assert_problem(response, 422, f"{API}/recipes")
    assert body["type"] != "about:blank"
    assert sorted(invalid_fields(response)) == ["label", "servings", "url"]
    for error in body["errors"]:
        assert set(error) == {"loc", "field", "msg", "type"}
        assert error["loc"][0] == "body" and error["field"] == error["loc"][-1]
    assert "label" in error_detail(response) and "url" in error_detail(response)


def test_a_field_in_a_list_is_named_with_its_index(user_client: TestClient) -> None:
    lines = [{"food": "flour"}, {"food": "salt", "quantity": "a pinch"}]

    response = user_client.post(f"{API}/recipes", json={"label": "x", "ingredients": lines})

    (error,) = _assert_problem(response, 422, f"{API}/recipes")["errors"]
    assert error["loc"] == ["body", "ingredients", 1, "quantity"]
    assert error["field"] == "ingredients[1].quantity"
    assert error_detail(response).startswith("invalid input: ingredients[1].quantity: ")


def test_query_validation_names_the_parameter(client: TestClient) -> None:
    response = client.get(f"{API}/recipes", params={"limit": settings.MAX_PAGE_SIZE + 1})

    _assert_problem(response, 422, f"{API}/recipes")
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"{API}/users/signup", {"email": "not an email", "password": "Sw0rdfish-but-x" * 20}),
        (f"{API}/users/signup", {"email": "a@example.com", "password": "Short1!"}),
    ],
)
def test_validation_errors_never_echo_the_input(
    client: TestClient, url: str, body: dict[str, str]
) -> None:
    response = client.post(url, json=body)

    assert response.status_code == 422
    assert body["password"] not in response.text
    assert body["email"] not in response.text
    assert all("input" not in error for error in response.json()["errors"])


def test_login_validation_does_not_echo_the_password(client: TestClient) -> None:
    response = client.post(
        f"{API}/login/access-token", data={"username": "a" * 300, "password": "Sw0rdfish!"}
    )

    assert response.status_code in (401, 422)
    assert "Sw0rdfish!" not in response.text


def test_401_is_a_problem_naming_the_scheme(client: TestClient) -> None:
    response = client.post(f"{API}/recipes", json=recipe_body())

    _assert_problem(response, 401, f"{API}/recipes")
    assert response.headers["www-authenticate"] == "Bearer"


def test_415_and_413_are_problems(user_client: TestClient) -> None:
    wrong_type = user_client.post(f"{API}/recipes", content=b"label=x")
    too_big = user_client.post(
        f"{API}/recipes", json=recipe_body(label="x" * settings.MAX_REQUEST_BODY_BYTES)
    )

    _assert_problem(wrong_type, 415, f"{API}/recipes")
    _assert_problem(too_big, 413, f"{API}/recipes")
    assert str(settings.MAX_REQUEST_BODY_BYTES) in error_detail(too_big)


def test_412_and_304(user_client: TestClient, db: Session, normal_user: User) -> None:
    recipe = make_recipe(db, normal_user)
    url = f"{API}/recipes/{recipe.id}"
    etag = user_client.get(url).headers["etag"]

    stale = user_client.patch(url, json={"label": "New"}, headers={"If-Match": '"999"'})
    fresh = user_client.get(url, headers={"If-None-Match": etag})

    _assert_problem(stale, 412, url)
    assert fresh.status_code == 304
    assert fresh.content == b""
    assert "content-type" not in fresh.headers


def _unreachable_db() -> Iterator[Session]:
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))
    yield  # a generator, like get_db


def test_database_unavailable_is_a_503_problem(client: TestClient) -> None:
    app.dependency_overrides[get_db] = _unreachable_db

    response = client.get(f"{API}/recipes")

    _assert_problem(response, 503, f"{API}/recipes")
    assert response.headers["retry-after"] == "1"
    assert error_detail(response) == "the database is unavailable; retry shortly"


def _broken_db() -> Iterator[Session]:
    raise RuntimeError("internal detail that must stay inside")
    yield


def test_an_unexpected_error_is_a_500_problem_and_logged_with_its_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.dependency_overrides[get_db] = _broken_db

    with caplog.at_level(logging.INFO):
        response = client.get(f"{API}/recipes", headers={"X-Request-ID": "trace-500"})

    _assert_problem(response, 500, f"{API}/recipes")
    assert "internal detail" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "trace-500"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info
    assert getattr(errors[0], "request_id", None) == "trace-500"


def test_malformed_json_is_a_problem_giving_line_and_column(user_client: TestClient) -> None:
    body = b'{\n  "label": "Bread",\n  "source": oops\n}'

    response = user_client.post(
        f"{API}/recipes", content=body, headers={"Content-Type": "application/json"}
    )

    problem = _assert_problem(response, 422, f"{API}/recipes")
    assert problem["type"] == MALFORMED_JSON
    assert (problem["line"], problem["column"]) == (3, 13)
    assert "errors" not in problem
    assert "line 3, column 13" in problem["detail"]


def test_invalid_input_names_the_query_parameter_or_the_body_field(client: TestClient) -> None:
    response = client.get(f"{API}/recipes", params={"sort": "nope"})

    problem = _assert_problem(response, 422, f"{API}/recipes")
    assert problem["type"] == InvalidInput.type
    assert [error["loc"] for error in problem["errors"]] == [["query", "sort"]]


class Teapot(AppError):
    status_code = 418
    type = "urn:example:teapot"
    headers = MappingProxyType({"X-Brew": "tea"})


def test_a_new_error_is_one_class_and_nothing_else() -> None:
    teapots = FastAPI()
    exception_handlers.register(teapots)

    @teapots.get("/coffee")
    def coffee() -> None:
        raise Teapot("this is a teapot")

    response = TestClient(teapots).get("/coffee")

    problem = _assert_problem(response, 418, "/coffee")
    assert problem["type"] == "urn:example:teapot"
    assert problem["title"] == "I'm a Teapot"
    assert response.headers["x-brew"] == "tea"


def test_a_query_parameter_given_twice_is_a_422_naming_it(client: TestClient) -> None:
    too_long = "a" * 101
    url = f"{API}/recipes/search?keyword={too_long}&keyword=bread&max_results=1"

    response = client.get(url)

    problem = _assert_problem(response, 422, f"{API}/recipes/search")
    assert problem["errors"] == [
        {
            "loc": ["query", "keyword"],
            "field": "keyword",
            "msg": "must be given once, not 2 times",
            "type": "repeated",
        }
    ]
