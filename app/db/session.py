"""The engine and the session factory."""

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from app.core.config import settings

# Execution option naming the SQLite BEGIN mode; see _sqlite_begin.
SQLITE_BEGIN = "sqlite_begin"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module opens transactions behind SQLAlchemy's back and never around
    # SELECTs; switch that off and let the "begin" hook below issue BEGIN itself, so
    # transactions and SAVEPOINTs mean what they say (SQLAlchemy's pysqlite notes).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless each connection asks: without this,
    # ON DELETE CASCADE does nothing and orphan rows are accepted.
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers carry on while one writer commits; NORMAL sync is durable in
    # WAL mode against a crash of the process (not of the machine's power).
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
    # SQLite's own lower() only folds ASCII, so "CRÈME" would not find "crème"; ILIKE
    # compiles to lower() on SQLite, and this makes it fold every script, as
    # PostgreSQL and MySQL do.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin(connection: Connection) -> None:
    # A transaction that reads and then writes must upgrade its lock, and in WAL mode
    # that fails at once with "database is locked" if another writer committed in the
    # meantime. Sessions that are going to write ask for the write lock up front
    # (BEGIN IMMEDIATE), so writers queue on the busy timeout instead.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | URL, *, pooled: bool = True) -> Engine:
    """An engine for `url` with the per-dialect settings this service relies on.

    One-shot tools (Alembic, prestart) ask for `pooled=False`: nothing to keep open.
    """
    url = make_url(url)
    is_sqlite = url.get_backend_name() == "sqlite"
    # hide_parameters: errors and logs show the SQL, never the values (a password hash).
    options: dict[str, Any] = {"hide_parameters": True}
    if pooled:
        options.update(
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_MAX_OVERFLOW,
            pool_timeout=settings.DB_POOL_TIMEOUT,
        )
    else:
        options["poolclass"] = NullPool
    if is_sqlite:
        # check_same_thread: pooled connections pass from one worker thread to the next.
        options["connect_args"] = {
            "timeout": settings.SQLITE_BUSY_TIMEOUT,
            "check_same_thread": False,
        }
    else:
        # Both drivers take connect_timeout in seconds.
        options["connect_args"] = {"connect_timeout": settings.DB_CONNECT_TIMEOUT}
        options["pool_pre_ping"] = settings.DB_POOL_PRE_PING
        options["pool_recycle"] = settings.DB_POOL_RECYCLE
    engine = create_engine(url, **options)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


engine = make_engine(settings.database_url)
# expire_on_commit=False: a committed object can still be turned into a response
# without another round trip to the database.
SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
# For work that writes: on SQLite every transaction begins with the write lock.
WriteSessionLocal = sessionmaker(
    **{**SessionLocal.kw, "bind": engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})}
)
