"""/metrics: requests by route template, method and status, their durations, and the
gauges of the connection pool and the password hashes; with several workers, the
counts of all of them."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app.core.config import settings
from app.core.hashing import HashLimiter
from app.db.session import Database, make_engine
from app.metrics import OTHER_METHOD, UNMATCHED
from tests.utils.factories import make_recipe
from tests.utils.processes import workers_service

PATIENCE = 10.0
RECIPE_ROUTE = "/api/v1/recipes/{recipe_id}"
REQUESTS = "http_requests_total"
GAUGES = (
    "db_pool_connections_in_use",
    "db_pool_requests_waiting",
    "password_hashes_running",
    "password_hashes_waiting",
)


def value(name: str, **labels: str) -> float:
    """A sample of this process's metrics; 0 for a series not there yet."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_the_template_of_their_route(
    client: TestClient, db: Session
) -> None:
    recipe = make_recipe(db)
    series = {
        ("GET", "200"): 1,
        ("HEAD", "200"): 1,
        ("GET", "404"): 2,
    }
    before = {
        key: value(REQUESTS, route=RECIPE_ROUTE, method=key[0], status=key[1]) for key in series
    }

    assert client.get(f"/api/v1/recipes/{recipe.id}").status_code == 200
    assert client.head(f"/api/v1/recipes/{recipe.id}").status_code == 200
    assert client.get("/api/v1/recipes/999999999").status_code == 404
    assert client.get("/api/v1/recipes/999999998").status_code == 404

    after = {
        key: value(REQUESTS, route=RECIPE_ROUTE, method=key[0], status=key[1]) for key in series
    }
    assert {key: after[key] - before[key] for key in series} == series
    exposition = client.get("/metrics").text
    assert f'route="/api/v1/recipes/{recipe.id}"' not in exposition
    assert 'route="/api/v1/recipes/999999999"' not in exposition


def test_requests_no_route_took_share_one_label_and_odd_methods_another(
    client: TestClient,
) -> None:
    missing = value(REQUESTS, route=UNMATCHED, method="GET", status="404")
    odd = value(REQUESTS, route=UNMATCHED, method=OTHER_METHOD, status="405")

    assert client.get("/no/such/page").status_code == 404
    assert client.get("/nor/this/one").status_code == 404
    # A method no route answers is refused before routing (app/middleware.py).
    assert client.request("BREW", "/api/v1/recipes").status_code == 405

    assert value(REQUESTS, route=UNMATCHED, method="GET", status="404") == missing + 2
    assert value(REQUESTS, route=UNMATCHED, method=OTHER_METHOD, status="405") == odd + 1
    exposition = client.get("/metrics").text
    assert "/no/such/page" not in exposition
    assert 'method="BREW"' not in exposition


def test_static_files_are_counted_under_their_mount(client: TestClient) -> None:
    before = value(REQUESTS, route="/static/{path}", method="GET", status="200")

    assert client.get("/static/style.css").status_code == 200

    assert value(REQUESTS, route="/static/{path}", method="GET", status="200") == before + 1


def test_request_durations_fill_a_histogram(client: TestClient) -> None:
    labels = {"route": "/health/live", "method": "GET"}
    count = value("http_request_duration_seconds_count", **labels)
    every = value("http_request_duration_seconds_bucket", le="+Inf", **labels)
    total = value("http_request_duration_seconds_sum", **labels)

    for _ in range(3):
        assert client.get("/health/live").status_code == 200

    assert value("http_request_duration_seconds_count", **labels) == count + 3
    assert value("http_request_duration_seconds_bucket", le="+Inf", **labels) == every + 3
    assert value("http_request_duration_seconds_sum", **labels) > total


def test_metrics_are_served_as_prometheus_text_outside_the_api_document(
    client: TestClient,
) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"http_requests", "http_request_duration_seconds", *GAUGES} <= names
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_pool_connections_are_counted_while_they_are_taken(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        before = value("db_pool_connections_in_use")
        with engine.connect(), engine.connect():
            during = value("db_pool_connections_in_use")
        after = value("db_pool_connections_in_use")
    finally:
        engine.dispose()

    assert (during - before, after - before) == (2, 0)


def test_requests_waiting_for_a_connection_are_counted(tmp_path: Path) -> None:
    database = Database(make_engine(f"sqlite:///{tmp_path / 'app.db'}"))

    async def one_more() -> None:
        async with database.session(may_write=False):
            pass

    async def scenario() -> tuple[float, float]:
        before = value("db_pool_requests_waiting")
        async with AsyncExitStack() as held:
            # Every slot taken (sessions connect on first use: none of these does).
            for _ in range(settings.db_connection_limit):
                await held.enter_async_context(database.session(may_write=False))
            waiting = asyncio.create_task(one_more())
            await asyncio.sleep(0.05)
            during = value("db_pool_requests_waiting") - before
        await asyncio.wait_for(waiting, PATIENCE)
        return during, value("db_pool_requests_waiting") - before

    try:
        assert asyncio.run(scenario()) == (1, 0)
    finally:
        database.engine.dispose()


def test_hashes_running_and_waiting_are_counted() -> None:
    limiter = HashLimiter(concurrency=1, queue_limit=5)
    started = threading.Event()
    release = threading.Event()

    def slow_hash() -> None:
        started.set()
        release.wait(PATIENCE)

    def now() -> tuple[float, float]:
        return value("password_hashes_running"), value("password_hashes_waiting")

    async def scenario() -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
        before = now()
        hashes = [asyncio.create_task(limiter.run(slow_hash)) for _ in range(3)]
        while not started.is_set():
            await asyncio.sleep(0.01)
        during = now()
        release.set()
        await asyncio.wait_for(asyncio.gather(*hashes), PATIENCE)
        return before, during, now()

    before, during, after = asyncio.run(scenario())

    assert (during[0] - before[0], during[1] - before[1]) == (1, 2)
    assert after == before


def _counting_pids(metrics_dir: Path) -> set[str]:
    # prometheus-client's multiprocess mode: a process's counters are in counter_<pid>.db,
    # made when it first counts something.
    return {path.stem.removeprefix("counter_") for path in metrics_dir.glob("counter_*.db")}


def _samples(exposition: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {
        frozenset(sample.labels.items()): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name
    }


@pytest.mark.e2e
def test_with_two_workers_metrics_add_up_the_requests_each_answered(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    live = {"route": "/health/live", "method": "GET", "status": "200"}
    sent = 0

    def ask(_: int) -> int:
        return requests.get(f"{url}/health/live", timeout=PATIENCE).status_code

    with workers_service(
        tmp_path, 2, DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", TMPDIR=str(temp)
    ) as url:
        (metrics_dir,) = temp.iterdir()
        # Both workers accept on one socket; batches of requests at once until each has
        # answered some.
        with ThreadPoolExecutor(8) as pool:
            while len(_counting_pids(metrics_dir)) < 2 and sent < 400:
                assert set(pool.map(ask, range(20))) == {200}
                sent += 20
        counted_by = _counting_pids(metrics_dir)
        response = requests.get(f"{url}/metrics", timeout=PATIENCE)

    assert len(counted_by) == 2, "one worker answered every request"
    requests_total = _samples(response.text, REQUESTS)
    assert requests_total[frozenset(live.items())] == sent
    gauges = {name: _samples(response.text, name) for name in GAUGES}
    assert gauges == {name: {frozenset(): 0.0} for name in GAUGES}
