"""What the generated OpenAPI document needs besides the routes: error bodies filed
under their real media type, and links from a create to what can follow it."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.exception_handlers import PROBLEM_JSON


def links(path: str, parameter: str, methods: dict[str, str]) -> dict[str, Any]:
    """`openapi_extra` for a 201 whose body's `id` is `parameter` of `path`'s
    operations; `methods` maps each method to the link's name."""
    ref = "#/paths/" + path.replace("~", "~0").replace("/", "~1")
    return {
        "responses": {
            "201": {
                "links": {
                    name: {
                        "operationRef": f"{ref}/{method}",
                        "parameters": {parameter: "$response.body#/id"},
                    }
                    for method, name in methods.items()
                }
            }
        }
    }


def install(app: FastAPI) -> None:
    """Serve the document with every error response as application/problem+json.

    FastAPI files an extra response's model under the route's media type
    (application/json); the body is sent as application/problem+json.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for item in document["paths"].values():
                for operation in item.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[0] in "45" and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
