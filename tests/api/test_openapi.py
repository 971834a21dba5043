"""The OpenAPI document tells clients every status an operation can answer."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.main import app
from app.schemas import RecipeCreate, RecipePublic, RecipeUpdate, UserCreate, UserPublic, UserUpdate

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


def test_every_operation_documents_its_error_statuses(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert operations
    for path, method, operation in operations:
        statuses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert operation.get("description") or operation.get("summary"), where
        assert "503" in statuses, where
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in statuses, where
        if "{" in path:
            assert "404" in statuses, where
        if "requestBody" in operation:
            assert {"413", "415"} <= statuses, where
        success = {s for s in statuses if s.startswith("2")}
        assert len(success) == 1, where


@pytest.mark.parametrize(
    "schema", [RecipeCreate, RecipeUpdate, RecipePublic, UserCreate, UserUpdate, UserPublic]
)
def test_schema_examples_are_valid(schema: type[BaseModel]) -> None:
    examples = schema.model_json_schema().get("examples")

    assert examples
    for example in examples:
        schema.model_validate(example)
