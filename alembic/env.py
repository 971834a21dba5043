"""Alembic's entry point: the URL comes from settings, the metadata from app.db.base.

Tests hand in an open connection as `config.attributes["connection"]`; otherwise a
connection is made from DATABASE_URL.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.util import CommandError
from sqlalchemy import Connection, text

from app.core.config import settings
from app.db.base import Base, include_name
from app.db.locks import LockTimeout, exclusive
from app.db.session import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes the project's own column types (app.db.types) by their class
    name and imports it, so a new migration runs and passes ruff as written."""
    cls = type(obj)
    if type_ != "type" or not cls.__module__.startswith("app."):
        return False  # Alembic's own rendering
    autogen_context.imports.add(f"from {cls.__module__} import {cls.__name__}")
    return repr(obj)


def run_migrations_offline() -> None:
    """Write the SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=settings.database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Batch migrations on SQLite copy a table and drop the old one; with foreign keys
    on, that drop would cascade-delete every row pointing at it. The pragma only takes
    effect outside a transaction, so it is set on the driver connection directly, and
    the keys are checked once the migration is done."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        violations = connection.execute(text("PRAGMA foreign_key_check")).all()
        connection.commit()
        if violations:
            raise RuntimeError(f"migration left rows with broken foreign keys: {violations}")
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        render_item=render_item,
    )
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Processes that migrate the same database at once take turns; the ones that come
    # later find it at head and have nothing to do.
    url = settings.database_url
    engine = make_engine(url, pooled=False)
    try:
        with exclusive(url, settings.PRESTART_LOCK_TIMEOUT), engine.connect() as connection:
            _run(connection)
    except LockTimeout as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
