"""The service's Prometheus metrics, and their exposition (GET /metrics serves it:
app/api/prometheus.py).

With one server process the metrics live in its memory (prometheus-client's default
registry). With several (WORKERS > 1), run.sh gives them PROMETHEUS_MULTIPROC_DIR, a
fresh directory: prometheus-client then keeps every value in a file per process, and
/metrics, whichever worker answers, adds up the files of all of them. Gauges count only
the processes alive (`livesum`): a worker's files are removed when it stops, and those
of one that died are removed by the next worker to start.
"""

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi.routing import iter_route_contexts
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

# prometheus-client leaves these two unannotated: their types, as used here.
_mark_process_dead: Callable[[int, str], None] = mark_process_dead
_multiprocess_collector: Callable[[CollectorRegistry, str], object] = MultiProcessCollector

# prometheus-client reads it when it is imported, and so does this module.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None

# The route label of a request no route took (404, a trailing-slash redirect, a 405
# decided before routing): one label, whatever path was asked for.
UNMATCHED = "unmatched"
# The method label: a client may send any token as a method, and every label value is
# a series kept for good.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"

REQUESTS = Counter(
    "http_requests",
    "Requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
)
DB_CONNECTIONS_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections taken from the pool and not yet given back.",
    multiprocess_mode="livesum",
)
DB_REQUESTS_WAITING = Gauge(
    "db_pool_requests_waiting",
    "Requests waiting for one of the pool's connections (app/db/session.py).",
    multiprocess_mode="livesum",
)
HASHES_RUNNING = Gauge(
    "password_hashes_running",
    "Password hashes being computed (app/core/hashing.py).",
    multiprocess_mode="livesum",
)
HASHES_WAITING = Gauge(
    "password_hashes_waiting",
    "Requests waiting for a turn to hash a password.",
    multiprocess_mode="livesum",
)


class RouteTemplates:
    """The path template of every route (`/api/v1/recipes/{recipe_id}`, `/static/{path}`)
    by what routing leaves in the scope of a request it handed to it.

    FastAPI keeps included routers nested: a route's own `path` lacks the prefixes it
    was included under, so the whole template comes from `iter_route_contexts`. Its
    router leaves the route in scope["route"] for API routes, and for the others (a
    mount, the docs' pages) only what handles the request, in scope["endpoint"].
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        # Keyed by id(): Starlette's routes compare by value and are not hashable. The
        # objects themselves are kept, so that no other object takes one of their ids.
        self._templates: dict[int, tuple[object, str]] = {}
        for context in iter_route_contexts(routes):
            route = context.original_route
            template = context.path_format
            if template is None:
                continue
            handler = route.app if isinstance(route, Mount) else getattr(route, "endpoint", None)
            for key in (route, handler):
                if key is not None:
                    self._templates.setdefault(id(key), (key, template))

    def of(self, scope: Scope) -> str:
        """The template of the route the request went to, or UNMATCHED."""
        for key in ("route", "endpoint"):
            found = self._templates.get(id(scope.get(key)))
            if found is not None:
                return found[1]
        return UNMATCHED


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER_METHOD


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    label = method_label(method)
    REQUESTS.labels(route, label, str(status)).inc()
    REQUEST_DURATION.labels(route, label).observe(seconds)


# The files of a process's live gauges: gauge_livesum_<pid>.db.
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def worker_started() -> None:
    """Forget the gauges of workers that died: uvicorn restarts a worker that died
    without removing its files, and their last values would count for ever."""
    if MULTIPROCESS_DIR is None:
        return
    pids = {
        int(found[1])
        for path in Path(MULTIPROCESS_DIR).iterdir()
        if (found := _LIVE_GAUGE_FILE.fullmatch(path.name))
    }
    for pid in pids - {os.getpid()}:
        if not _alive(pid):
            _mark_process_dead(pid, MULTIPROCESS_DIR)


def worker_stopping() -> None:
    """Take this process's gauges out of the sums; its counts stay."""
    if MULTIPROCESS_DIR is not None:
        _mark_process_dead(os.getpid(), MULTIPROCESS_DIR)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process has the number now
        return True
    return True


# The media type of `exposition`.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def exposition() -> bytes:
    """Every metric in Prometheus's text format (0.0.4): of this process, or of all the
    workers."""
    if MULTIPROCESS_DIR is None:
        return generate_latest(REGISTRY)
    # A registry per call, as prometheus-client asks: the collector reads the files.
    registry = CollectorRegistry()
    _multiprocess_collector(registry, MULTIPROCESS_DIR)
    return generate_latest(registry)
