"""Who waits for whom: requests served by the real get_db, on a database of the test's
own that each request commits to for real."""

import gc
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

import anyio
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.api.deps import get_database, get_db, session_dependency
from app.core import security
from app.db.session import Database, make_engine
from app.main import app
from app.models.recipe import Recipe
from tests.utils.auth import TEST_PASSWORD, auth_headers
from tests.utils.databases import Server
from tests.utils.factories import make_recipe, make_user, recipe_body
from tests.utils.migrations import alembic_config

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
    app.dependency_overrides[get_database] = lambda: database
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.dependency_overrides.clear()


EMAIL = "cook@example.com"
CHECKS_PASSWORD: dict[str, Callable[[TestClient, dict[str, str]], Any]] = {
    "login": lambda client, _headers: client.post(
        "/api/v1/login/access-token", data={"username": EMAIL, "password": TEST_PASSWORD}
    ),
    "password change": lambda client, headers: client.patch(
        "/api/v1/users/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": "a new password"},
        headers=headers,
    ),
    "email change": lambda client, headers: client.patch(
        "/api/v1/users/me",
        json={"email": "moved@example.com", "current_password": TEST_PASSWORD},
        headers=headers,
    ),
}


@pytest.mark.parametrize("request_kind", CHECKS_PASSWORD)
def test_a_write_does_not_wait_for_a_password_check(
    database: Database, served: TestClient, monkeypatch: pytest.MonkeyPatch, request_kind: str
) -> None:
    """While a request checks a password (a third of a second of Argon2), it holds no
    database connection and no writer's turn, so writes go on."""
    with database.writing() as db:
        cook = make_user(db, email=EMAIL, password=TEST_PASSWORD)
        headers = auth_headers(cook)
        writer_headers = auth_headers(make_user(db))
    checking, written = threading.Event(), threading.Event()
    released_by_the_write: list[bool] = []
    connections_while_checking: list[int] = []
    verify = security.verify_and_update_password

    def check_held_until_written(password: str, hashed: str | None) -> tuple[bool, str | None]:
        connections_while_checking.append(database.engine.pool.checkedout())  # type: ignore[attr-defined]
        checking.set()
        released_by_the_write.append(written.wait(PATIENCE))
        return verify(password, hashed)

    monkeypatch.setattr(security, "verify_and_update_password", check_held_until_written)
    with ThreadPoolExecutor(1) as pool:
        checked = pool.submit(CHECKS_PASSWORD[request_kind], served, headers)
        assert checking.wait(PATIENCE), "the request never reached its password check"
        created = served.post("/api/v1/recipes", json=recipe_body(), headers=writer_headers)
        written.set()
        answered = checked.result(PATIENCE)

    assert created.status_code == 201, created.text
    assert answered.status_code in (200, 204), answered.text
    assert released_by_the_write == [True], "the write waited for the password check"
    assert connections_while_checking == [0], "a connection was held while hashing"


KILL_OWN_CONNECTION = {
    "postgresql": "SELECT pg_terminate_backend(pg_backend_pid())",
    "mysql": "KILL CONNECTION_ID()",
}


@pytest.mark.engines("postgresql", "mysql")
def test_a_read_that_lost_its_connection_ends_with_that_error(
    database: Database, server: Server
) -> None:
    """A read whose connection dies under it ends with the lost connection's error, which
    the service answers with a 503: ending the session on the dead connection must not
    raise an error of its own in its place."""

    async def read_on_a_killed_connection() -> None:
        async with database.session(may_write=False) as db:
            db.execute(text(KILL_OWN_CONNECTION[server.engine]))

    with pytest.raises(DBAPIError) as raised:
        anyio.run(read_on_a_killed_connection)
    assert raised.value.connection_invalidated


@pytest.mark.engines("postgresql")
def test_reads_reuse_the_statements_psycopg_prepared(
    database: Database, served: TestClient
) -> None:
    """psycopg prepares a statement once it has run it five times on a connection, and
    forgets every one it prepared when the connection rolls back. A read that ends with
    a rollback would have each get parsed and planned anew."""
    with database.writing() as db:
        recipe_id = make_recipe(db, ingredients=[{"food": "rye flour"}], tags=["bread"]).id
    path = f"/api/v1/recipes/{recipe_id}"
    for _ in range(6):
        assert served.get(path).status_code == 200
    assert_get_statements_prepared(database)


@pytest.mark.engines("postgresql")
def test_reads_answered_with_an_error_keep_the_prepared_statements(
    database: Database, served: TestClient
) -> None:
    """A read that ends in an answer the route raised (a 304 here, a 404 alike) did its
    reads as any other: only a database error rolls its transaction back."""
    with database.writing() as db:
        recipe_id = make_recipe(db, ingredients=[{"food": "rye flour"}], tags=["bread"]).id
    path = f"/api/v1/recipes/{recipe_id}"
    tag = served.get(path).headers["ETag"]
    for _ in range(6):
        assert served.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert_get_statements_prepared(database)


def assert_get_statements_prepared(database: Database) -> None:
    # Each request, run one after another, took the pool's one connection, which the
    # check below takes in turn.
    assert database.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    with database.reading() as db:
        prepared = db.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    read = {" ".join(statement.split()[:2]) for statement in prepared}
    assert {
        "SELECT recipes.id,",
        "SELECT recipe_ingredients.id,",
        "SELECT recipe_steps.id,",
        "SELECT tags.id,",
    } <= read


def test_a_read_session_writes_nothing_it_holds(database: Database) -> None:
    """A session for a request that may not write ends its transaction with COMMIT, but a
    change it holds unflushed is dropped, not committed."""
    with database.writing() as db:
        recipe_id = make_recipe(db, label="As stored").id

    async def change_in_a_read() -> None:
        async with database.session(may_write=False) as db:
            recipe = db.get(Recipe, recipe_id)
            assert recipe is not None
            recipe.label = "Changed in a read"
            db.add(Recipe(label="Added in a read", submitter_id=recipe.submitter_id))

    anyio.run(change_in_a_read)
    with database.reading() as db:
        labels = db.scalars(select(Recipe.label).order_by(Recipe.id)).all()
    assert labels == ["As stored"]


def test_a_request_ends_its_sessions_in_the_worker_thread_call_that_used_them(
    database: Database, served: TestClient
) -> None:
    """Every session a route used is ended (its connection back in the pool) by the
    worker-thread call that used it, before that call returns: ending it in a call of
    its own cost every request on PostgreSQL a second hop to a worker thread. A context
    variable set when the connection was taken is seen when it is given back only
    within one call: each worker-thread call runs in a fresh copy of the request's
    context."""
    with database.writing() as db:
        make_user(db, email=EMAIL, password=TEST_PASSWORD)
        recipe_id = make_recipe(db, ingredients=[{"food": "rye flour"}], tags=["bread"]).id
    took: ContextVar[bool] = ContextVar("took", default=False)
    given_back_by_the_same_call: list[bool] = []

    def on_checkout(*_: Any) -> None:
        took.set(True)

    def on_checkin(*_: Any) -> None:
        given_back_by_the_same_call.append(took.get())

    event.listen(database.engine, "checkout", on_checkout)
    event.listen(database.engine, "checkin", on_checkin)
    try:
        # Sign-in opens short sessions of its own (in_session); the reads use get_db.
        signed_in = served.post(
            "/api/v1/login/access-token", data={"username": EMAIL, "password": TEST_PASSWORD}
        )
        read = served.get(f"/api/v1/recipes/{recipe_id}")
        listed = served.get("/api/v1/recipes")
        # A route that answers with an error leaves its session to get_db, which ends it.
        missing = served.get("/api/v1/recipes/999999")
    finally:
        event.remove(database.engine, "checkout", on_checkout)
        event.remove(database.engine, "checkin", on_checkin)

    assert [r.status_code for r in (signed_in, read, listed, missing)] == [200, 200, 200, 404]
    *answered, refused = given_back_by_the_same_call
    assert len(answered) >= 3
    assert all(answered), given_back_by_the_same_call
    assert refused is False
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_session_ended_is_let_go_even_if_its_task_goes_on(database: Database) -> None:
    """A task that opens sessions one after another (a script, a long-lived task) keeps
    none of them once each is done: nothing about a request's open sessions outlives
    them."""

    async def sessions_kept_while_the_task_goes_on() -> list[Session | None]:
        let_go = []
        for _ in range(3):
            async with database.session(may_write=False) as db:
                db.execute(text("SELECT 1"))
                let_go.append(weakref.ref(db))
        del db
        gc.collect()
        return [session() for session in let_go]

    assert anyio.run(sessions_kept_while_the_task_goes_on) == [None, None, None]
