"""What SQLite needs that the server engines do not: pragmas, BEGIN modes and writer turns.

SQLite has one writer at a time per database file. A transaction that may write begins
with BEGIN IMMEDIATE, which takes the write lock up front: a transaction that reads and
then writes must otherwise upgrade its lock, and in WAL mode that fails at once with
"database is locked" if another writer committed in the meantime. Writers take turns
three ways: requests in the event loop, first come first served (`WriterTurns`); threads
of this process on a lock held from BEGIN to COMMIT or ROLLBACK; other processes on
SQLite's own lock, retried every millisecond or two.

Only app/db/session.py uses this module, and the rest of the code asks it nothing of
SQLite.
"""

import asyncio
import sqlite3
import threading
import time
import weakref
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from app.core.config import settings

# Up to this much of the database file is memory-mapped (address space, not memory).
MMAP_BYTES = 1 << 30

# Execution option naming the BEGIN mode; see _begin.
_BEGIN_MODE = "sqlite_begin"
# connection.info key: this connection holds its engine's writer lock.
_HOLDS_WRITER_LOCK = "holds_sqlite_writer_lock"


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def connect_args() -> dict[str, Any]:
    # check_same_thread: pooled connections pass from one worker thread to the next.
    return {"timeout": settings.SQLITE_BUSY_TIMEOUT, "check_same_thread": False}


def install(engine: Engine) -> None:
    """Set up every connection `engine` opens, and its writers' turns."""
    writers = threading.Lock()
    sa_event.listen(engine, "connect", _connect)
    sa_event.listen(engine, "begin", partial(_begin, writers))
    # "commit" and "rollback" fire as the transaction ends (just before the COMMIT or
    # ROLLBACK itself, which in WAL mode takes microseconds).
    sa_event.listen(engine, "commit", partial(_release_writer, writers))
    sa_event.listen(engine, "rollback", partial(_release_writer, writers))
    sa_event.listen(engine, "checkin", partial(_release_writer_of_record, writers))


def for_writing(engine: Engine) -> Engine:
    """`engine`, its transactions begun with the write lock (on any other engine, a
    harmless execution option)."""
    return engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})


class WriterTurns:
    """Requests that may write take turns in the event loop, first come first served,
    one lock per loop (the server has one; each test client has its own).

    Left to queue on the writer lock in worker threads, they were served in no
    particular order, and the slowest waited several times as long as the median.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def here(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


def _connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module opens transactions behind SQLAlchemy's back and never around
    # SELECTs; switch that off and let _begin issue BEGIN itself, so transactions and
    # SAVEPOINTs mean what they say (SQLAlchemy's pysqlite notes).
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
    cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    cursor.close()


def _begin(writers: threading.Lock, connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
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
