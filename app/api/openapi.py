"""What the generated OpenAPI document needs besides the routes: error bodies filed
under their real media type, and links from a create to what can follow it."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.exception_handlers import PROBLEM_JSON

# The name each link gets, by the method it leads to.
_LINK_VERBS = {"get": "Get", "patch": "Update", "put": "Replace", "delete": "Delete"}


def links(path: str, *methods: str) -> dict[str, Any]:
    """`openapi_extra` for a 201 whose body's `id` is the one parameter of `path`, linked
    to `path`'s operations `methods`: the create -> get/update/delete a client (or
    schemathesis's stateful phase) can follow."""
    parameter = path[path.index("{") + 1 : path.index("}")]
    resource = parameter.removesuffix("_id").capitalize()
    ref = "#/paths/" + path.replace("~", "~0").replace("/", "~1")
    return {
        "responses": {
            "201": {
                "links": {
                    f"{_LINK_VERBS[method]}{resource}": {
                        "operationRef": f"{ref}/{method}",
                        "parameters": {parameter: "$response.body#/id"},
                    }
                    for method in methods
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
