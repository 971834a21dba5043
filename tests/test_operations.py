"""What an operator relies on: health checks, request ids and logs without secrets, the
body limit before the body, 503 while the database is away, and a graceful shutdown."""

import json
import logging
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from app.api.deps import get_db
from app.core.config import settings
from app.core.logs import TEXT_FORMAT, JsonFormatter, PoolResetFilter
from app.db.session import make_engine
from app.main import app
from tests.utils.auth import TEST_PASSWORD, sign_up_over_http
from tests.utils.databases import Server, as_setting
from tests.utils.errors import error_detail
from tests.utils.factories import make_user, recipe_body
from tests.utils.migrations import alembic_config
from tests.utils.processes import running_service, service_process

# Health


def test_live_needs_nothing(client: TestClient) -> None:
    def no_database() -> Iterator[Session]:
        raise AssertionError("live must not touch the database")
        yield

    app.dependency_overrides[get_db] = no_database

    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_is_at_head(client: TestClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok" and response.json()["revision"]


@pytest.fixture
def unmigrated(database_url: URL) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_not_ready_until_migrated(client: TestClient, unmigrated: Engine) -> None:
    def session() -> Iterator[Session]:
        with Session(unmigrated) as db:
            yield db

    app.dependency_overrides[get_db] = session

    before = client.get("/health/ready")
    with unmigrated.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
    after = client.get("/health/ready")

    assert before.status_code == 503
    assert before.headers["content-type"] == "application/problem+json"
    assert "migration None" in error_detail(before)
    assert after.status_code == 200


# Request ids and logs


def test_request_id_is_taken_from_a_sane_header_or_made(client: TestClient) -> None:
    sane = client.get("/health/live", headers={"X-Request-ID": "abc-123.x_Y:z"})
    too_long = client.get("/health/live", headers={"X-Request-ID": "a" * 65})
    unsafe = client.get("/health/live", headers={"X-Request-ID": 'a b"<script>'})
    none = client.get("/health/live")

    assert sane.headers["x-request-id"] == "abc-123.x_Y:z"
    made = [r.headers["x-request-id"] for r in (too_long, unsafe, none)]
    assert all(len(m) == 32 and m.isalnum() for m in made)
    assert len(set(made)) == 3


def test_one_log_line_per_request_with_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/api/v1/recipes/424242", headers={"X-Request-ID": "req-1"})

    access = [r for r in caplog.records if r.name == "app.requests"]
    assert len(access) == 1
    record = access[0]
    assert (record.method, record.path, record.status) == ("GET", "/api/v1/recipes/424242", 404)  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert record.request_id == "req-1"  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-1" and line["status"] == 404 and line["level"] == "INFO"


def test_logs_never_carry_passwords_tokens_or_hashes(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    wrong = TEST_PASSWORD + " but wrong"

    with caplog.at_level(logging.DEBUG):
        ok = client.post(
            "/api/v1/login/access-token",
            data={"username": "cook@example.com", "password": TEST_PASSWORD},
        )
        token = ok.json()["access_token"]
        client.post(
            "/api/v1/login/access-token", data={"username": "cook@example.com", "password": wrong}
        )
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        client.post("/api/v1/users/signup", json={"email": "x@example.com", "password": "short"})

    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert ok.status_code == 200
    assert TEST_PASSWORD not in logged and wrong not in logged and "short" not in logged
    assert token not in logged
    assert user.hashed_password and user.hashed_password not in logged
    assert "$argon2" not in logged and "Bearer" not in logged


# Against a real server


def _raw_request(port: int, head: bytes, body: bytes) -> tuple[bytes, float]:
    """Send `head` and `body` without closing; the answer's first bytes and how long
    they took."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head + body)
        answer = sock.recv(65536)
        return answer, time.monotonic() - started


def test_a_huge_body_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with running_service(tmp_path, DATABASE_URL=f"sqlite:///{db}") as url:
        port = int(url.rsplit(":", 1)[1])
        declared = 100 * settings.MAX_REQUEST_BODY_BYTES
        head = (
            f"POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        ).encode()

        answer, seconds = _raw_request(port, head, b'{"label": ')

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer
    assert b"application/problem+json" in rest
    assert seconds < 2  # answered with 10 of 100 MiB sent: nothing waited for the rest


def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with service_process(tmp_path, DATABASE_URL=f"sqlite:///{db}") as (url, process):
        headers = sign_up_over_http(f"{url}/api/v1", "slow@example.com")
        # Hold SQLite's write lock: the POST below waits on the busy timeout.
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        results: list[requests.Response] = []
        post = threading.Thread(
            target=lambda: results.append(
                requests.post(
                    f"{url}/api/v1/recipes", json=recipe_body(), headers=headers, timeout=30
                )
            )
        )
        post.start()
        time.sleep(1)
        assert not results, "the POST did not wait for the lock"

        os.kill(process.pid, signal.SIGTERM)
        time.sleep(1)
        assert process.poll() is None, "uvicorn exited with a request in flight"
        blocker.execute("ROLLBACK")
        blocker.close()
        post.join(timeout=20)
        code = process.wait(timeout=20)

    log = (tmp_path / "server.log").read_text()
    assert results and results[0].status_code == 201, results
    # uvicorn finishes its shutdown, then re-raises the signal it caught, so a
    # supervisor sees the process end by SIGTERM, as it asked.
    assert code in (0, -signal.SIGTERM), log
    assert "Finished server process" in log
    assert "shut down: database connections closed" in log
    assert "Traceback" not in log


@pytest.mark.engines("postgresql")
def test_database_away_is_503_at_once_and_recovers(
    tmp_path: Path, server: Server, database_url: URL
) -> None:
    assert server.admin_url is not None
    name = database_url.database
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    settings_ = {"DATABASE_URL": as_setting(database_url), "DB_POOL_TIMEOUT": "2"}
    try:
        with running_service(tmp_path, **settings_, DB_CONNECT_TIMEOUT="2") as url:
            assert requests.get(f"{url}/api/v1/recipes", timeout=10).status_code == 200
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"
                    ),
                    {"db": name},
                )

            started = time.monotonic()
            down = requests.get(f"{url}/api/v1/recipes", timeout=30)
            down_seconds = time.monotonic() - started
            not_ready = requests.get(f"{url}/health/ready", timeout=30)

            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            deadline = time.monotonic() + 10
            while (back := requests.get(f"{url}/api/v1/recipes", timeout=30)).status_code != 200:
                assert time.monotonic() < deadline, back.text
                time.sleep(0.2)
            ready = requests.get(f"{url}/health/ready", timeout=30)
        log = (tmp_path / "server.log").read_text()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    assert down.status_code == 503, down.text
    assert down.headers["content-type"] == "application/problem+json"
    assert down.headers["retry-after"] == "1"
    assert "Traceback" not in down.text and "psycopg" not in down.text
    assert down_seconds < 2 + 2 + 1  # pool timeout + connect timeout, with room
    assert not_ready.status_code == 503
    assert ready.status_code == 200
    assert "Traceback" not in log


def test_a_connection_lost_on_return_to_the_pool_is_one_warning_line() -> None:
    try:
        raise ConnectionError("server closed the connection unexpectedly\nextra line")
    except ConnectionError:
        record = logging.getLogger("sqlalchemy.pool.impl.QueuePool").makeRecord(
            "sqlalchemy.pool.impl.QueuePool",
            logging.ERROR,
            __file__,
            1,
            "Exception during reset or similar",
            (),
            sys.exc_info(),
        )

    assert PoolResetFilter().filter(record)
    line = logging.Formatter(TEXT_FORMAT).format(record)

    assert record.levelname == "WARNING"
    assert "\n" not in line and "Traceback" not in line
    assert "Exception during reset or similar: ConnectionError: server closed" in line
