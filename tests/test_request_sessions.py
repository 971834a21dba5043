"""Who waits for whom: requests served by the real get_db, on a database of the test's
own that each request commits to for real."""

import importlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from app.api.deps import get_db, session_dependency
from app.core.security import verify_password
from app.db.session import Database, make_engine
from app.main import app
from tests.utils.auth import TEST_PASSWORD, auth_headers
from tests.utils.factories import make_user, recipe_body
from tests.utils.migrations import alembic_config

# app.crud.user is also the name of its CRUD object, which app.crud exports.
CRUD_USER_MODULE = importlib.import_module("app.crud.user")
# Far longer than a create takes; a request that waited this long was blocked.
PATIENCE = 10.0


@pytest.fixture
def database(database_url: URL) -> Iterator[Database]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
    try:
        yield Database(engine)
    finally:
        engine.dispose()


@pytest.fixture
def served(database: Database) -> Iterator[TestClient]:
    """The app, each request with a session of its own on `database`."""
    app.dependency_overrides[get_db] = session_dependency(database)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.dependency_overrides.clear()


def test_a_write_does_not_wait_for_a_login_checking_its_password(
    database: Database, served: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login only reads: while it checks a password (a third of a second of Argon2),
    it holds no writer's turn and no write lock, so writes go on."""
    with database.writing() as db:
        cook = make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    checking, written = threading.Event(), threading.Event()
    released_by_the_write: list[bool] = []

    def check_held_until_written(password: str, hashed: str | None) -> bool:
        checking.set()
        released_by_the_write.append(written.wait(PATIENCE))
        return verify_password(password, hashed)

    monkeypatch.setattr(CRUD_USER_MODULE, "verify_password", check_held_until_written)
    with ThreadPoolExecutor(1) as pool:
        login = pool.submit(
            served.post,
            "/api/v1/login/access-token",
            data={"username": "cook@example.com", "password": TEST_PASSWORD},
        )
        assert checking.wait(PATIENCE), "the login never reached its password check"
        created = served.post("/api/v1/recipes", json=recipe_body(), headers=auth_headers(cook))
        written.set()
        signed_in = login.result(PATIENCE)

    assert created.status_code == 201, created.text
    assert signed_in.status_code == 200, signed_in.text
    assert released_by_the_write == [True], "the write waited for the login's check"
