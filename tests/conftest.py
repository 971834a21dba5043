"""Fixtures shared by the whole suite.

Every test that touches the database runs once per engine (see tests/utils/databases.py):
`server` is parametrised with the configured engines, and the fixtures built on it
(`engine`, `db`, `client`, `database_url`) follow.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from app.api import ratelimit
from app.api.deps import get_database, get_db
from app.db.session import make_engine
from app.main import app
from app.models import Recipe, Tag, User
from tests.utils.auth import sign_in
from tests.utils.databases import (
    ENGINES,
    URL_VARIABLES,
    EngineUnavailable,
    Server,
    configured_engines,
)
from tests.utils.factories import make_superuser, make_user
from tests.utils.migrations import alembic_config
from tests.utils.redis import RedisUnavailable, clear, configured_redis, new_prefix

_ENGINES = pytest.StashKey[tuple[str, ...]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        action="append",
        choices=ENGINES,
        help="run the database tests on this engine only (repeatable); "
        "default: SQLite plus every engine whose TEST_<ENGINE>_URL is set",
    )


def pytest_configure(config: pytest.Config) -> None:
    chosen: list[str] | None = config.getoption("engine")
    engines = tuple(chosen or configured_engines())
    if os.environ.get("CI") == "true" and not chosen and engines != ENGINES:
        missing = ", ".join(URL_VARIABLES[name] for name in ENGINES if name not in engines)
        raise pytest.UsageError(f"CI runs the suite on every engine: set {missing}")
    config.stash[_ENGINES] = engines


def pytest_report_header(config: pytest.Config) -> str:
    engines = config.stash[_ENGINES]
    return f"database engines: {', '.join(engines)}"


def pytest_sessionstart(session: pytest.Session) -> None:
    # Fail the whole run at once if an engine it must cover cannot be reached.
    tmp = session.config.rootpath
    for name in session.config.stash[_ENGINES]:
        try:
            Server.configured(name, tmp).check_reachable()
        except EngineUnavailable as exc:
            pytest.exit(f"cannot run the suite: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server" in metafunc.fixturenames:
        engines = metafunc.config.stash[_ENGINES]
        marker = metafunc.definition.get_closest_marker("engines")
        if marker is not None:
            engines = tuple(name for name in engines if name in marker.args)
            if not engines:
                only = " and ".join(marker.args)
                skip = pytest.mark.skip(reason=f"only for {only}; this run does not cover it")
                metafunc.parametrize(
                    "server", [pytest.param(None, marks=skip, id="not-covered")], indirect=True
                )
                return
        metafunc.parametrize("server", engines, indirect=True, scope="session", ids=engines)


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """One of the engines this run covers."""
    server = Server.configured(request.param, tmp_path_factory.mktemp(request.param))
    server.drop_leftovers()
    return server


@pytest.fixture
def database_url(server: Server) -> Iterator[URL]:
    """A new, empty database on the test's engine, dropped after the test."""
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(scope="session")
def engine(server: Server) -> Iterator[Engine]:
    """The run's test database on one engine, built once by the migrations (not by
    create_all) and dropped at the end."""
    url = server.create_database()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        yield engine
    finally:
        engine.dispose()
        server.drop_database(url)


@pytest.fixture
def db(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    The code under test may commit: each commit only releases a SAVEPOINT. Tests marked
    `committed` get a session whose commits are real, and every row is deleted after
    them: MariaDB's FULLTEXT index only sees committed rows, even in its own transaction.
    """
    if request.node.get_closest_marker("committed") is not None:
        yield from _committed_session(engine)
        return
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


def _committed_session(engine: Engine) -> Iterator[Session]:
    session = Session(bind=engine, autoflush=False, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.execute(delete(Recipe))
        session.execute(delete(Tag))
        session.execute(delete(User))
        session.commit()
        session.close()


class OneSession:
    """A Database whose every session is `db`: for the routes that open sessions of
    their own (app.api.deps.get_database)."""

    def __init__(self, db: Session) -> None:
        self.db = db

    @asynccontextmanager
    async def session(self, *, may_write: bool) -> AsyncIterator[Session]:
        yield self.db


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The app, its requests served by the test's session."""
    app.dependency_overrides[get_db] = lambda: db
    app.dependency_overrides[get_database] = lambda: OneSession(db)
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        app.dependency_overrides.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Every test starts with no attempts counted (the in-process app's limits)."""
    ratelimit.storage.reset()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the run uses (TEST_REDIS_URL); the test is skipped without one, unless
    under CI, where that fails it, as does a configured Redis that does not answer."""
    problem = None
    try:
        url = configured_redis()
    except RedisUnavailable as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    if url is None:
        pytest.skip("needs Redis: set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of the test's own in `redis_url`; its keys are deleted after it."""
    prefix = new_prefix()
    try:
        yield prefix
    finally:
        clear(ratelimit.make_storage(redis_url, prefix))


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
