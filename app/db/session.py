"""The engine and the session factory."""

import sqlite3
import threading
import time
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from app.core.config import settings

# Up to this much of the database file is memory-mapped (address space, not memory).
SQLITE_MMAP_BYTES = 1 << 30

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
    # Read pages straight from the OS's page cache through a memory map, instead of
    # with a read() system call per page that misses this connection's own cache.
    cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    cursor.close()


# connection.info key: this connection holds its engine's writer lock.
_HOLDS_WRITER_LOCK = "holds_sqlite_writer_lock"


def _sqlite_begin(writers: threading.Lock, connection: Connection) -> None:
    # A transaction that reads and then writes must upgrade its lock, and in WAL mode
    # that fails at once with "database is locked" if another writer committed in the
    # meantime. Sessions that are going to write ask for the write lock up front
    # (BEGIN IMMEDIATE), so writers queue on the busy timeout instead.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    if mode == "IMMEDIATE":
        # This process's writers first queue here, in turn. Left to SQLite, they would
        # poll: its busy handler sleeps up to 100 ms between tries, which gave writes
        # a p99 of a second under load. Other processes still meet SQLite's own lock.
        if not writers.acquire(timeout=settings.SQLITE_BUSY_TIMEOUT):
            raise OperationalError(
                f"BEGIN {mode}",
                None,
                sqlite3.OperationalError(
                    "database is locked: other writers of this process held it for "
                    f"{settings.SQLITE_BUSY_TIMEOUT:g} s"
                ),
            )
        connection.info[_HOLDS_WRITER_LOCK] = True
        try:
            _begin_immediate(connection)
        except BaseException:
            _release_writer(writers, connection)
            raise
    else:
        # Straight to the driver: SQLAlchemy's statement machinery cost more than the
        # BEGIN itself, on every request.
        _driver(connection).execute(f"BEGIN {mode}")


def _driver(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under `connection`."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE, retried every millisecond or two while another process writes.

    SQLite's own busy handler backs off to 100 ms between tries, so a writer that
    meets another process's transaction can wait far longer than it lasts.
    """
    driver = _driver(connection)
    deadline = time.monotonic() + settings.SQLITE_BUSY_TIMEOUT
    pause = 0.0005
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        driver.execute(f"PRAGMA busy_timeout = {settings.SQLITE_BUSY_TIMEOUT * 1000:.0f}")


def _release_writer(writers: threading.Lock, connection: Connection) -> None:
    # An invalidated connection has gone back to the pool already (see below).
    if not connection.invalidated and connection.info.pop(_HOLDS_WRITER_LOCK, False):
        writers.release()


def _release_writer_of_record(writers: threading.Lock, _dbapi: Any, record: Any) -> None:
    # When the pool takes a connection back, closed or invalidated in the middle of a
    # transaction: it never keeps the lock.
    if record.info.pop(_HOLDS_WRITER_LOCK, False):
        writers.release()


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
        writers = threading.Lock()
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", partial(_sqlite_begin, writers))
        # "commit" and "rollback" fire as the transaction ends (just before the COMMIT
        # or ROLLBACK itself, which in WAL mode takes microseconds).
        event.listen(engine, "commit", partial(_release_writer, writers))
        event.listen(engine, "rollback", partial(_release_writer, writers))
        event.listen(engine, "checkin", partial(_release_writer_of_record, writers))
    return engine


engine = make_engine(settings.database_url)
# expire_on_commit=False: a committed object can still be turned into a response
# without another round trip to the database.
SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
# For work that writes: on SQLite every transaction begins with the write lock.
WriteSessionLocal = sessionmaker(
    **{**SessionLocal.kw, "bind": engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})}
)
