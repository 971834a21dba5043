"""Many clients, one row, and connections that die: a real server on each engine."""

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.utils.auth import sign_up_over_http
from tests.utils.databases import Server, as_setting
from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e

EDITORS = 20
EDITS_PER_EDITOR = 50


@pytest.fixture
def base_url(tmp_path: Path, database_url: URL) -> Iterator[str]:
    with running_service(tmp_path, DATABASE_URL=as_setting(database_url)) as url:
        yield url


def _new_recipe(api: str, label: str) -> tuple[str, dict[str, str]]:
    """A new recipe's URL, and the headers of its submitter."""
    headers = sign_up_over_http(api, "editor@example.com")
    body = {"label": label, "source": "Concurrency test", "url": "https://example.com/counter"}
    created = requests.post(f"{api}/recipes", json=body, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    return f"{api}/recipes/{created.json()['id']}", headers


def test_racing_editors_never_lose_an_update(base_url: str) -> None:
    """Each edit reads the label as a number and writes it back plus one, sending the
    ETag it read. If any two edits were both applied on top of the same state, the
    final number would be lower than the count of applied edits."""
    recipe, submitter = _new_recipe(f"{base_url}/api/v1", "0")

    def edit(_: int) -> Counter[int]:
        statuses: Counter[int] = Counter()
        with requests.Session() as http:
            http.headers.update(submitter)
            for _ in range(EDITS_PER_EDITOR):
                read = http.get(recipe, timeout=30)
                assert read.status_code == 200, read.text
                label = str(int(read.json()["label"]) + 1)
                written = http.patch(
                    recipe, json={"label": label}, headers={"If-Match": read.headers["etag"]}
                )
                statuses[written.status_code] += 1
        return statuses

    with ThreadPoolExecutor(EDITORS) as pool:
        statuses = sum(pool.map(edit, range(EDITORS)), Counter[int]())

    print(f"racing editors: {dict(statuses)}")
    applied, refused = statuses[200], statuses[412] + statuses[409]
    assert applied + refused == EDITORS * EDITS_PER_EDITOR, statuses
    assert refused > 0, f"the editors never raced, so this proved nothing: {statuses}"
    final = requests.get(recipe, timeout=10)
    assert final.json()["label"] == str(applied)
    assert final.headers["etag"] == f'"{1 + applied}"'


@dataclass
class Outcome:
    started: float
    status: int
    body: str


def _kill_connections(server: Server, database: str) -> int:
    """Kill every server-side connection to `database`, as a DBA or a failover would;
    returns how many there were, once they are all gone."""
    assert server.admin_url is not None
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    if server.engine == "postgresql":
        sessions = text("SELECT pid FROM pg_stat_activity WHERE datname = :db")
        kill = "SELECT pg_terminate_backend({})"
    else:
        sessions = text("SELECT id FROM information_schema.processlist WHERE db = :db")
        kill = "KILL CONNECTION {}"
    try:
        with admin.connect() as connection:
            victims = set(connection.execute(sessions, {"db": database}).scalars())
            for victim in victims:
                connection.execute(text(kill.format(int(victim))))
            deadline = time.monotonic() + 10
            while victims & set(connection.execute(sessions, {"db": database}).scalars()):
                assert time.monotonic() < deadline, "killed connections did not go away"
                time.sleep(0.05)
    finally:
        admin.dispose()
    return len(victims)


@pytest.mark.engines("postgresql", "mysql")
def test_killed_connections_fail_only_the_requests_in_flight(
    tmp_path: Path, server: Server, database_url: URL
) -> None:
    clients = 8
    stop = threading.Event()
    outcomes: list[Outcome] = []
    with running_service(tmp_path, DATABASE_URL=as_setting(database_url)) as base_url:
        api = f"{base_url}/api/v1"
        recipe, _ = _new_recipe(api, "Survivor")

        def browse(_: int) -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    for url in (recipe, f"{api}/recipes"):
                        started = time.monotonic()
                        response = http.get(url, timeout=30)
                        outcomes.append(Outcome(started, response.status_code, response.text))

        with ThreadPoolExecutor(clients) as pool:
            running = [pool.submit(browse, n) for n in range(clients)]
            time.sleep(1)
            killed = _kill_connections(server, database_url.database or "")
            after_kill = time.monotonic()
            time.sleep(2)
            stop.set()
            for future in running:
                future.result()
        log = (tmp_path / "server.log").read_text()

    statuses = Counter(o.status for o in outcomes)
    print(f"killed {killed} connection(s); {len(outcomes)} requests: {dict(statuses)}")
    assert killed >= 1, "the service held no connections to kill"
    failures = [o for o in outcomes if o.status != 200]
    assert len(failures) <= clients, f"{len(failures)} failures from {clients} clients"
    for failure in failures:
        assert failure.status == 503, failure.body
        problem = json.loads(failure.body)
        assert problem["status"] == 503
        assert problem["detail"] == "the database is unavailable; retry shortly"
    later = [o for o in outcomes if o.started > after_kill]
    assert len(later) > 50, "too few requests after the kill to show recovery"
    assert {o.status for o in later} == {200}
    # No request failed unhandled, and a connection that died between a request's
    # rollback and its return to the pool is one warning line, not a traceback.
    assert "Exception in ASGI application" not in log
    assert "Traceback" not in log
