"""A real server under many concurrent clients: no stall, no "database is locked"."""

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e

CLIENTS = 64


@pytest.fixture
def small_pool_url(tmp_path: Path) -> Iterator[str]:
    """A server whose pool has a single connection, given up on after 2 s."""
    with running_service(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'load.db'}",
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


@pytest.fixture
def default_url(tmp_path: Path) -> Iterator[str]:
    with running_service(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'load.db'}") as url:
        yield url


def test_concurrent_writers_on_sqlite_all_succeed(default_url: str) -> None:
    # Each create reads (the submitter) and then writes; begun as deferred transactions,
    # SQLite would refuse some upgrades to a write lock with "database is locked".
    api = f"{default_url}/api/v1"
    account = {"email": "writer@example.com", "password": "writer password"}
    assert requests.post(f"{api}/users/signup", json=account, timeout=10).status_code == 201
    login = {"username": account["email"], "password": account["password"]}
    token = requests.post(f"{api}/login/access-token", data=login, timeout=10).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    before = requests.get(f"{api}/recipes", params={"limit": 1}, timeout=10).json()["total"]
    writes = 200

    def create(n: int) -> int:
        body = {
            "label": f"Concurrent loaf {n}",
            "source": "Load test",
            "url": f"https://example.com/loaf/{n}",
        }
        return requests.post(f"{api}/recipes", json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(create, range(writes)))

    assert statuses == {201: writes}
    after = requests.get(f"{api}/recipes", params={"limit": 1}, timeout=10).json()["total"]
    assert after == before + writes
