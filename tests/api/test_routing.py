"""Every route the app serves is a `Route` (one worker-thread hop for a sync endpoint),
without any router having to ask for it."""

import threading

import fastapi
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from app.api.routing import SAFE_METHODS, APIRouter, Route, may_write
from app.main import app


def _api_routes(routes: list[BaseRoute]) -> dict[str, APIRoute]:
    """By full path, through included routers; FastAPI's own /docs and /openapi.json are
    not API routes."""
    return {
        f"{' '.join(sorted(context.methods or ()))} {context.path}": context.original_route
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute)
    }


def test_every_api_route_of_the_app_is_a_route() -> None:
    routes = _api_routes(app.routes)

    assert len(routes) > 10
    # Ours, or made from ours (the site's PageRoute): one worker-thread hop either way.
    others = {
        key: type(route).__name__ for key, route in routes.items() if not isinstance(route, Route)
    }
    assert others == {}


def test_a_new_router_makes_routes_without_being_told() -> None:
    router = APIRouter(prefix="/new")
    threads: list[str] = []

    @router.get("/thread")
    def endpoint() -> str:
        threads.append(threading.current_thread().name)
        return "ok"

    new_app = FastAPI()
    new_app.include_router(router)
    [route] = _api_routes(new_app.routes).values()
    with TestClient(new_app) as client:
        response = client.get("/new/thread")

    assert type(route) is Route
    assert response.json() == "ok"
    assert threads and threads[0] != threading.main_thread().name


def test_routes_whose_method_writes_may_write() -> None:
    """A request's session may write if its route may (get_db). The routes that check
    a password open short sessions of their own instead (app/api/deps.py, get_database),
    so none of them waits for a writer's turn while it hashes."""
    routes = {
        key: route for key, route in _api_routes(app.routes).items() if isinstance(route, Route)
    }
    safe = {key for key, route in routes.items() if set(route.methods or ()) <= SAFE_METHODS}
    reading = {key for key, route in routes.items() if not may_write(route)}

    assert safe <= reading
    assert reading == safe
    assert len(routes.keys() - safe) > 5


def test_a_route_of_fastapis_own_router_gets_the_right_session() -> None:
    """A router made with fastapi.APIRouter loses the one-hop route class, not its
    sessions: whether a request may write is read off any route."""
    router = fastapi.APIRouter()

    @router.get("/read")
    def read() -> None: ...

    @router.post("/write")
    def write() -> None: ...

    by_path = {route.path: route for route in router.routes if isinstance(route, APIRoute)}
    assert type(by_path["/write"]) is APIRoute
    assert [may_write(by_path[p]) for p in ("/read", "/write")] == [False, True]
