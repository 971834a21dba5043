"""The engine, and sessions on it: for a request, or for a script.

Everything particular to SQLite is in app/db/sqlite.py; what is here means the same on
every engine.
"""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from anyio import to_thread
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app import metrics
from app.core.config import settings
from app.db import sqlite

logger = logging.getLogger(__name__)


def make_engine(
    url: str | URL,
    *,
    pooled: bool = True,
    prepared_statements: bool = settings.DB_PREPARED_STATEMENTS,
) -> Engine:
    """An engine for `url` with the per-dialect settings this service relies on.

    One-shot tools (Alembic, prestart) ask for `pooled=False`: nothing to keep open.
    `prepared_statements=False` keeps psycopg from preparing any (PgBouncer in
    transaction mode; see DB_PREPARED_STATEMENTS).
    """
    url = make_url(url)
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
    if sqlite.is_sqlite(url):
        options["connect_args"] = sqlite.connect_args()
    else:
        # Both drivers take connect_timeout in seconds.
        options["connect_args"] = {"connect_timeout": settings.DB_CONNECT_TIMEOUT}
        if url.get_driver_name() == "psycopg" and not prepared_statements:
            options["connect_args"]["prepare_threshold"] = None
        options["pool_pre_ping"] = settings.DB_POOL_PRE_PING
        options["pool_recycle"] = settings.DB_POOL_RECYCLE
    engine = create_engine(url, **options)
    if sqlite.is_sqlite(url):
        sqlite.install(engine)
    if pooled:
        _count_connections_in_use(engine)
    return engine


def _count_connections_in_use(engine: Engine) -> None:
    # Every checkout is matched by one checkin, an invalidated connection's included.
    event.listen(engine, "checkout", lambda *_: metrics.DB_CONNECTIONS_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: metrics.DB_CONNECTIONS_IN_USE.dec())


class Database:
    """An engine and the sessions made on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # expire_on_commit=False: a committed object can still be turned into a
        # response without another round trip to the database.
        self.reading = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
        # For work that may write: on SQLite every transaction begins with the write lock.
        self.writing = sessionmaker(
            bind=sqlite.for_writing(engine), autoflush=False, expire_on_commit=False
        )
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        # SQLite has one writer at a time, and is a library in this process.
        on_sqlite = sqlite.is_sqlite(engine.url)
        self._writer_turns = sqlite.WriterTurns() if on_sqlite else None
        # Closing rolls back and gives the connection back to the pool: in SQLite that
        # takes microseconds, done in the event loop; any other database is a round trip
        # away, so the close waits in a worker thread.
        self._close_in_loop = on_sqlite

    @asynccontextmanager
    async def session(self, *, may_write: bool) -> AsyncIterator[Session]:
        """A session for one request, ended when it is done with: anything uncommitted is
        rolled back, except that a read which met no database error commits (see
        _end_read).

        It first waits, here in the event loop, for one of as many slots as the pool
        has connections. The textbook sync session dependency lets every worker thread
        block on an empty pool while the sessions holding the connections wait for a
        thread to close them: a deadlock that lasts until the pool timeout. With a slot
        per connection, no thread ever waits for one. A session that may write first
        waits for its turn among writers where the engine has one writer at a time,
        before it takes a slot, so readers never wait behind writers.

        The session connects on first use, in the route's worker thread. Whoever used
        it there ends it there (end_session, end_open_sessions) when the work went
        well; otherwise it is ended here. Ending takes a round trip to any database but
        SQLite, so here it waits in a worker thread: one more hop.
        """
        writer_turn = self._writer_turns.here() if may_write and self._writer_turns else None
        async with writer_turn or nullcontext(), self._slot():
            session = (self.writing if may_write else self.reading)()
            session.info[_END] = _close if may_write else _end_read
            opened = _opened_here()
            opened.append(session)
            try:
                yield session
            except SQLAlchemyError:
                # A read that met a database error may have no transaction, or no
                # connection, left to commit on.
                if _END in session.info:
                    session.info[_END] = _close
                raise
            finally:
                opened.remove(session)
                end = session.info.pop(_END, None)
                if end is None:
                    pass  # ended in the thread that used it
                elif self._close_in_loop:
                    end(session)
                else:
                    await to_thread.run_sync(end, session)

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """One of the connection slots, counted in the metrics while it is waited for."""
        slots = self._slots_here()
        metrics.DB_REQUESTS_WAITING.inc()
        try:
            await slots.acquire()
        finally:
            metrics.DB_REQUESTS_WAITING.dec()
        try:
            yield
        finally:
            slots.release()

    def _slots_here(self) -> asyncio.Semaphore:
        """The connection slots of the running event loop (the server has one loop;
        each test client has its own)."""
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(settings.db_connection_limit)
        return slots


# How a session from Database.session is to be ended, kept in its `info` until it is.
_END = "end"
# The sessions the current request has open (the list is shared with the worker threads
# it runs work in, which get a copy of its context).
_opened: ContextVar[list[Session] | None] = ContextVar("opened", default=None)


def _opened_here() -> list[Session]:
    opened = _opened.get()
    if opened is None:
        opened = []
        _opened.set(opened)
    return opened


def end_session(session: Session) -> None:
    """End a session from Database.session now, in the worker thread that used it, as
    Database.session would have: one hop fewer. Ending it again does nothing."""
    end = session.info.pop(_END, None)
    if end is not None:
        end(session)


def end_open_sessions() -> None:
    """End every session the current request has open (see end_session)."""
    for session in _opened.get() or ():
        end_session(session)


def _end_read(session: Session) -> None:
    """Close a read request's session, ending its transaction with COMMIT.

    For a transaction that wrote nothing, COMMIT and ROLLBACK end it alike. But psycopg
    forgets every statement it has prepared on a connection whenever that connection
    rolls back, and has PostgreSQL deallocate them: reads ending with the close's
    ROLLBACK would never reuse a prepared statement. A read whose route raised an
    answer (a 404, a 304) ends here too; one that met a database error is rolled back.
    A change a read holds unflushed is dropped, not committed.
    """
    _close(session, commit=not (session.new or session.dirty or session.deleted))


def _close(session: Session, *, commit: bool = False) -> None:
    try:
        try:
            if commit and session.in_transaction():
                session.commit()
        finally:
            session.close()
    except DBAPIError as exc:
        # The connection died after the request's work was done (a database restart or
        # a killed session): the server has already ended its transaction and the pool
        # has discarded the connection. The answer stands; raising here would drop it.
        if not exc.connection_invalidated:
            raise
        logger.warning("database connection lost while closing a session: %s", exc.orig)


database = Database(make_engine(settings.database_url))
engine = database.engine
# What scripts (prestart's seed, the CLI) write with.
WriteSessionLocal = database.writing
