"""What the generated OpenAPI document needs besides the routes: error bodies filed
under their real media type, links from a create to what can follow it, and the
methods each path answers, as the document gives them."""

import re
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path
from starlette.staticfiles import StaticFiles

from app.exception_handlers import PROBLEM_JSON

_HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})

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


@dataclass(frozen=True)
class PathMethods:
    """The methods each path of the app answers. A literal path wins over a template
    that also matches it (/users/me over /users/{user_id}), as in OpenAPI's own path
    matching; among templates, the one with literal segments further left wins."""

    literal: dict[str, frozenset[str]]
    templated: list[tuple[re.Pattern[str], frozenset[str]]]
    prefixes: list[tuple[str, frozenset[str]]]

    def at(self, path: str) -> frozenset[str] | None:
        """The methods answered at `path`, or None where nothing is (a 404)."""
        methods = self.literal.get(path)
        if methods is not None:
            return methods
        for pattern, methods in self.templated:
            if pattern.match(path):
                return methods
        for prefix, methods in self.prefixes:
            if path.startswith(prefix):
                return methods
        return None


def _with_head(methods: set[str]) -> frozenset[str]:
    # HEAD is answered wherever GET is (app/middleware.py's HeadAsGet).
    return frozenset(methods | {"HEAD"} if "GET" in methods else methods)


def _specificity(template: str) -> tuple[bool, ...]:
    return tuple(segment.startswith("{") for segment in template.split("/"))


def path_methods(app: FastAPI) -> PathMethods:
    """What the OpenAPI document gives each path; for the pages outside it (the home
    page, the docs, static files), what their routes answer."""
    by_path: dict[str, set[str]] = {
        path: {method.upper() for method in item} & _HTTP_METHODS
        for path, item in app.openapi()["paths"].items()
    }
    prefixes: list[tuple[str, frozenset[str]]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            prefixes.append((route.path + "/", _with_head({"GET"})))
        elif context.path and context.methods and not getattr(route, "include_in_schema", True):
            by_path.setdefault(context.path, set()).update(context.methods)
    templates = sorted((path for path in by_path if "{" in path), key=_specificity)
    return PathMethods(
        literal={path: _with_head(methods) for path, methods in by_path.items() if "{" not in path},
        templated=[(compile_path(path)[0], _with_head(by_path[path])) for path in templates],
        prefixes=prefixes,
    )


def repeatable_query_parameters(app: FastAPI) -> frozenset[str]:
    """The query parameters that take a list (`tag=a&tag=b`). A name is a list
    everywhere or nowhere, so the name alone tells whether it may repeat."""
    lists: set[str] = set()
    scalars: set[str] = set()
    for item in app.openapi()["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    is_list = _takes_a_list(parameter["schema"])
                    (lists if is_list else scalars).add(parameter["name"])
    both = lists & scalars
    if both:
        raise TypeError(f"query parameter(s) {sorted(both)} are a list in one place only")
    return frozenset(lists)


def _takes_a_list(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array" or any(
        _takes_a_list(option) for option in schema.get("anyOf", [])
    )
