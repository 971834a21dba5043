"""A real server under many concurrent clients: no stall, no "database is locked"."""

import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import URL

from tests.utils.auth import sign_up_over_http
from tests.utils.databases import as_setting
from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e

CLIENTS = 64


@pytest.fixture
def small_pool_url(tmp_path: Path, database_url: URL) -> Iterator[str]:
    """A server whose pool has a single connection, given up on after 2 s."""
    with running_service(
        tmp_path,
        DATABASE_URL=as_setting(database_url),
        DB_POOL_SIZE="1",
        DB_MAX_OVERFLOW="0",
        DB_POOL_TIMEOUT="2",
    ) as url:
        yield url


def test_more_clients_than_connections_all_get_answers(small_pool_url: str) -> None:
    # With the textbook get_db, worker threads block on the one connection while its
    # holder waits for a thread to close its session: requests then fail with 503
    # (pool timeout) after 2 s. Here they queue for the connection without a thread.
    def fetch(_: int) -> int:
        with requests.Session() as http:
            return http.get(f"{small_pool_url}/api/v1/recipes", timeout=30).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = Counter(pool.map(fetch, range(CLIENTS * 5)))

    assert statuses == {200: CLIENTS * 5}


WRITER_THREADS = 50
CREATES_PER_THREAD = 200


def test_concurrent_writers_on_sqlite_all_succeed(tmp_path: Path) -> None:
    # Each create reads (the submitter) and then writes; begun as deferred transactions,
    # SQLite would refuse some upgrades to a write lock with "database is locked".
    database = tmp_path / "writers.db"
    with running_service(tmp_path, DATABASE_URL=f"sqlite:///{database}") as base_url:
        api = f"{base_url}/api/v1"
        headers = sign_up_over_http(api, "writer@example.com")

        def create_many(thread: int) -> Counter[int]:
            statuses: Counter[int] = Counter()
            with requests.Session() as http:
                http.headers.update(headers)
                for n in range(CREATES_PER_THREAD):
                    body = {
                        "label": f"Concurrent loaf {thread}-{n}",
                        "source": "Load test",
                        "url": f"https://example.com/loaf/{thread}/{n}",
                    }
                    statuses[http.post(f"{api}/recipes", json=body, timeout=60).status_code] += 1
            return statuses

        with ThreadPoolExecutor(WRITER_THREADS) as pool:
            statuses = sum(pool.map(create_many, range(WRITER_THREADS)), Counter[int]())

    writes = WRITER_THREADS * CREATES_PER_THREAD
    assert statuses == {201: writes}
    with closing(sqlite3.connect(database)) as connection:
        labels = {
            label
            for (label,) in connection.execute(
                "SELECT label FROM recipes WHERE source = ?", ("Load test",)
            )
        }
    assert labels == {
        f"Concurrent loaf {t}-{n}" for t in range(WRITER_THREADS) for n in range(CREATES_PER_THREAD)
    }
    log = (tmp_path / "server.log").read_text()
    assert "database is locked" not in log
    assert "Traceback" not in log
