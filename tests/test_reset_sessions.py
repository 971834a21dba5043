"""A password reset hashes before its session opens: served by the real get_db, on a
database of the test's own that each request commits to for real."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from app.core import security
from app.core.config import settings
from app.core.security import create_reset_token, hash_password
from app.db.session import Database
from tests.test_request_sessions import PATIENCE, database, served
from tests.utils.auth import auth_headers
from tests.utils.factories import make_user, recipe_body

# Fixtures this module's tests take by name.
__all__ = ["database", "served"]


def test_a_write_does_not_wait_for_a_reset_hashing_its_password(
    database: Database, served: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a reset hashes the new password, it holds no connection and no writer's
    turn, so writes go on; the reset stores the hash after."""
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "EMAILS_FROM", "recipes@example.com")
    with database.writing() as db:
        cook = make_user(db, email="cook@example.com")
        writer_headers = auth_headers(make_user(db, email="writer@example.com"))
    connections = database.engine.pool
    assert isinstance(connections, QueuePool)
    hashing, written = threading.Event(), threading.Event()
    released_by_the_write: list[bool] = []
    connections_in_use: list[int] = []

    def hash_held_until_written(password: str) -> str:
        connections_in_use.append(connections.checkedout())
        hashing.set()
        released_by_the_write.append(written.wait(PATIENCE))
        return hash_password(password)

    monkeypatch.setattr(security, "hash_password", hash_held_until_written)
    body = {
        "token": create_reset_token(cook.id, cook.token_generation),
        "new_password": "a password from the mail",
    }
    with ThreadPoolExecutor(1) as pool:
        reset = pool.submit(served.post, "/api/v1/reset-password", json=body)
        assert hashing.wait(PATIENCE), "the reset never reached its hash"
        created = served.post("/api/v1/recipes", json=recipe_body(), headers=writer_headers)
        written.set()
        done = reset.result(PATIENCE)

    assert created.status_code == 201, created.text
    assert done.status_code == 204, done.text
    assert released_by_the_write == [True], "the write waited for the reset's hash"
    assert connections_in_use == [0], "the reset held a connection while hashing"
