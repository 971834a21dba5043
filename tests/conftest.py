from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.api.deps import get_db
from app.db.session import make_engine
from app.main import app
from app.models import User
from tests.utils.auth import sign_in
from tests.utils.factories import make_superuser, make_user
from tests.utils.migrations import alembic_config


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The test database, built once per run by the migrations (not by create_all)."""
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    The code under test may commit: each commit only releases a SAVEPOINT.
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection,
            join_transaction_mode="create_savepoint",
            autoflush=False,
            expire_on_commit=False,
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The app, its requests served by the test's session."""
    app.dependency_overrides[get_db] = lambda: db
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        app.dependency_overrides.clear()


# Accounts. Requests are anonymous unless a test signs in (tests/utils/auth.py).


@pytest.fixture
def normal_user(db: Session) -> User:
    return make_user(db)


@pytest.fixture
def superuser(db: Session) -> User:
    return make_superuser(db)


@pytest.fixture
def user_client(client: TestClient, normal_user: User) -> TestClient:
    """`client`, signed in as `normal_user`."""
    return sign_in(client, normal_user)


@pytest.fixture
def superuser_client(client: TestClient, superuser: User) -> TestClient:
    """`client`, signed in as `superuser`."""
    return sign_in(client, superuser)
