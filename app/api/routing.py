"""The router every router is. Its routes cost a sync endpoint one worker-thread hop, not
two, and know whether their requests may write."""

import functools
import inspect
from collections.abc import Callable
from typing import Any

import fastapi
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from app.db.session import end_open_sessions

# Methods that never change anything (RFC 9110, 9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Route(APIRoute):
    """Runs a sync endpoint in a worker thread, then checks its return value against the
    response model back in the event loop.

    FastAPI runs a sync endpoint in a worker thread and then, in a second hop, validates
    and serialises its return value in another one, in case that reads lazy-loaded ORM
    attributes (I/O). Our endpoints return schema instances they built themselves in the
    first thread (they never return ORM objects), so the second hop did no I/O. A hop
    costs about a fifth of a read of one recipe (README, "Benchmark").
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_worker_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def may_write(route: BaseRoute) -> bool:
    """Whether a request to `route` may write, so its session must be one that can
    (`get_db`): any method but the safe ones. Routes that hash a password open short
    sessions of their own instead (app/api/deps.py). Read off any route, so a router
    made with FastAPI's own class still gets the right session."""
    methods: set[str] | None = getattr(route, "methods", None)
    return methods is None or not methods <= SAFE_METHODS


def in_worker_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as a coroutine function that runs it in a worker thread and, when it
    returns, ends the request's database sessions in the same thread: ending one is a
    round trip to the database, which would otherwise cost another hop (see
    Database.session). FastAPI reads parameters, return type and name through
    functools.wraps, as from `endpoint`."""

    def run_and_end_sessions(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        end_open_sessions()
        return result

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(run_and_end_sessions, *args, **kwargs)

    return run


class APIRouter(fastapi.APIRouter):
    """FastAPI's router, its routes a `Route` unless `route_class` says otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", Route)
        super().__init__(**kwargs)
