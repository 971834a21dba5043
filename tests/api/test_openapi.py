"""The OpenAPI document tells clients every status an operation can answer; the docs
pages that show it are served whole by the app."""

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app import schemas
from app.main import app
from app.schemas.base import InputSchema, PublicSchema

# Every request and response schema the app exports, so a new one cannot be left out.
BODY_SCHEMAS = [
    schema
    for schema in (getattr(schemas, name) for name in schemas.__all__)
    if isinstance(schema, type) and issubclass(schema, InputSchema | PublicSchema | schemas.Token)
]

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_docs_pages_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"]


DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
# RFC 9239 names text/javascript; Python's mimetypes says application/javascript where
# the system has no /etc/mime.types.
JAVASCRIPT = {"text/javascript", "application/javascript"}
DOCS_ASSETS = {
    "/docs/assets/swagger-ui-bundle.js": JAVASCRIPT,
    "/docs/assets/swagger-ui.css": {"text/css"},
    "/docs/assets/redoc.standalone.js": JAVASCRIPT,
    "/docs/assets/favicon.png": {"image/png"},
}
# Hosts a docs page or bundle would load from if it were not served whole.
CDNS = re.compile(rb"cdn\.jsdelivr\.net|unpkg\.com|cdnjs|fonts\.(googleapis|gstatic)\.com")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@pytest.fixture(scope="module")
def docs_client() -> Iterator[TestClient]:
    """The docs pages need no database."""
    with TestClient(app) as client:
        yield client


def test_the_docs_pages_name_no_other_host(docs_client: TestClient) -> None:
    for path in DOCS_PAGES:
        response = docs_client.get(path)

        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8", path
        assert "//" not in response.text, path
        links = re.findall(r'(?:src|href)="([^"]*)"', response.text)
        assert all(link.startswith("/") for link in links), (path, links)


def test_the_docs_pages_load_their_assets_from_the_app(docs_client: TestClient) -> None:
    pages = docs_client.get("/docs").text + docs_client.get("/redoc").text
    linked = set(re.findall(r'(?:src|href)="([^"]*)"', pages))

    assert linked == set(DOCS_ASSETS)
    for path, media_types in DOCS_ASSETS.items():
        response = docs_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] in media_types, path
        assert not CDNS.search(response.content), path
    stylesheet = docs_client.get("/docs/assets/swagger-ui.css").text
    assert "@import" not in stylesheet
    assert re.findall(r"url\((?!\"?data:)", stylesheet) == []


def test_the_docs_pages_allow_this_origin_and_their_inline_scripts_only(
    docs_client: TestClient,
) -> None:
    for path in DOCS_PAGES:
        response = docs_client.get(path)
        csp = response.headers["content-security-policy"]
        directives = dict(d.split(" ", 1) for d in csp.split("; "))
        hashes = {
            f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
            for script in INLINE_SCRIPT.findall(response.text)
        }

        assert not re.search(r"https?:|\*|//", csp), (path, csp)
        assert directives["default-src"] == "'none'", path
        assert set(directives["script-src"].split()) == {"'self'"} | hashes, path
        assert directives["connect-src"] == "'self'", path
        assert ("'unsafe-inline'" in directives["style-src"]) == (path == "/redoc"), path
    assert docs_client.get("/docs").headers["content-security-policy"].count("'sha256-") == 1


# What this answers comes before any database work: liveness touches none.
ANSWERED_WITHOUT_THE_DATABASE = ("/health/live",)


def test_every_operation_documents_its_error_statuses(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert operations
    for path, method, operation in operations:
        statuses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert operation.get("description") or operation.get("summary"), where
        if path not in ANSWERED_WITHOUT_THE_DATABASE:
            assert "503" in statuses, where
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in statuses, where
        if "{" in path:
            assert "404" in statuses, where
        if "requestBody" in operation:
            assert {"413", "415"} <= statuses, where
        if operation.get("security"):
            assert "401" in statuses, where
        success = {s for s in statuses if s.startswith("2")}
        assert len(success) == 1, where


def test_every_error_response_is_documented_as_a_problem(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    problem = {"$ref": "#/components/schemas/ProblemDetail"}
    for path, method, operation in operations:
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert errors or path == "/health/live", f"{method.upper()} {path}"
        for status, response in errors.items():
            where = f"{method.upper()} {path} {status}"
            assert response["content"] == {"application/problem+json": {"schema": problem}}, where


def test_the_problem_schema_names_its_members(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert set(schemas["ProblemDetail"]["required"]) == {"title", "status", "detail", "instance"}
    assert {"type", "errors", "line", "column"} <= set(schemas["ProblemDetail"]["properties"])
    assert {"HTTPValidationError", "ValidationError"}.isdisjoint(schemas)


def test_creates_link_to_what_can_follow(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    for path, parameter, methods in [
        ("/api/v1/recipes", "recipe_id", {"get", "patch", "put", "delete"}),
        ("/api/v1/users", "user_id", {"get", "patch", "delete"}),
    ]:
        links = paths[path]["post"]["responses"]["201"]["links"]
        targets = set()
        for link in links.values():
            assert link["parameters"] == {parameter: "$response.body#/id"}
            pointer, method = link["operationRef"].rsplit("/", 1)
            target = pointer.removeprefix("#/paths/").replace("~1", "/")
            assert target == f"{path}/{{{parameter}}}" and method in paths[target]
            targets.add(method)
        assert targets == methods


@pytest.mark.parametrize("schema", BODY_SCHEMAS, ids=lambda schema: schema.__name__)
def test_schema_examples_are_valid(schema: type[BaseModel]) -> None:
    examples = schema.model_json_schema().get("examples")

    assert examples
    for example in examples:
        schema.model_validate(example)


def test_no_schema_has_a_password_hash(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas
    for name, schema in schemas.items():
        assert "hashed_password" not in schema.get("properties", {}), name


def test_no_response_carries_a_password(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    with TestClient(app) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]

    def properties(schema: Any, seen: frozenset[str] = frozenset()) -> set[str]:
        """Every property name anywhere inside `schema`, references followed once."""
        if not isinstance(schema, dict):
            return set()
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return set() if name in seen else properties(schemas[name], seen | {name})
        found = set(schema.get("properties", {}))
        for value in schema.values():
            for nested in value if isinstance(value, list) else [value]:
                found |= properties(nested, seen)
        for nested in schema.get("properties", {}).values():
            found |= properties(nested, seen)
        return found

    for path, method, operation in operations:
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                names = properties(content["schema"])
                assert not {n for n in names if "password" in n}, (method, path, status)


def test_the_login_is_what_authorize_uses(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]

    assert [s["flows"]["password"]["tokenUrl"] for s in schemes.values()] == [
        "/api/v1/login/access-token"
    ]
