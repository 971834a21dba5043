"""The engines the suite runs on, and throwaway databases on each.

SQLite always runs. PostgreSQL and MySQL/MariaDB run when a server URL is configured
(TEST_POSTGRESQL_URL, TEST_MYSQL_URL); the database named in it is only used to
connect, and every database the suite works in is created for the run and dropped
after it. A configured server that cannot be reached fails the run: it is never
skipped.
"""

import hashlib
import os
import re
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

ENGINES = ("sqlite", "postgresql", "mysql")
URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# Databases this suite creates are named PREFIX<host>_<pid>_<random>, so a later run on
# the same host can tell which ones a run that died left behind.
PREFIX = "recipes_test_"
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_NAME = re.compile(rf"^{PREFIX}{_HOST}_(\d+)_[0-9a-f]+$")


class EngineUnavailable(Exception):
    """A configured engine is not reachable, or was asked for and not configured."""


def configured_engines(env: dict[str, str] | None = None) -> tuple[str, ...]:
    env = dict(os.environ) if env is None else env
    return ("sqlite", *(name for name, var in URL_VARIABLES.items() if env.get(var)))


@dataclass
class Server:
    """One engine: where its server is, and the databases this run made on it."""

    engine: str
    directory: Path  # SQLite's databases are files in here
    admin_url: URL | None = None  # None for SQLite

    @classmethod
    def configured(cls, engine: str, directory: Path) -> "Server":
        if engine == "sqlite":
            return cls("sqlite", directory)
        variable = URL_VARIABLES[engine]
        value = os.environ.get(variable)
        if not value:
            raise EngineUnavailable(f"{engine} was asked for, but {variable} is not set")
        return cls(engine, directory, make_url(value))

    def check_reachable(self) -> None:
        if self.admin_url is None:
            return
        try:
            self._admin(["SELECT 1"])
        except DBAPIError as exc:
            where = self.admin_url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise EngineUnavailable(f"{self.engine} at {where} is not reachable: {reason}") from exc

    def create_database(self, mysql_charset: str = "utf8mb4") -> URL:
        """A new, empty database; its URL."""
        name = f"{PREFIX}{_HOST}_{os.getpid()}_{secrets.token_hex(4)}"
        if self.admin_url is None:
            return make_url(f"sqlite:///{self.directory / name}.db")
        if self.engine == "postgresql":
            self._admin([f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"])
        else:
            self._admin([f"CREATE DATABASE `{name}` CHARACTER SET {mysql_charset}"])
        return self.admin_url.set(database=name)

    def drop_database(self, url: URL) -> None:
        if self.admin_url is None:
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(f"{url.database}{suffix}").unlink(missing_ok=True)
            return
        self._admin([self._drop_statement(url.database or "")])

    def drop_leftovers(self) -> list[str]:
        """Drop the databases of earlier runs whose process is gone; their names."""
        if self.admin_url is None:
            return []
        if self.engine == "postgresql":
            query = "SELECT datname FROM pg_database"
        else:
            query = "SELECT schema_name FROM information_schema.schemata"
        stale = [name for name in self._admin([query]) if _is_stale(name)]
        self._admin([self._drop_statement(name) for name in stale])
        return stale

    def _drop_statement(self, name: str) -> str:
        if self.engine == "postgresql":
            # FORCE: a server the test started may not have closed its connections yet.
            return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        return f"DROP DATABASE IF EXISTS `{name}`"

    def _admin(self, statements: Sequence[str]) -> list[str]:
        """Run `statements` on the server, outside any transaction; the first column of
        the last one's rows."""
        assert self.admin_url is not None
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        rows: list[str] = []
        try:
            with admin.connect() as connection:
                for statement in statements:
                    result = connection.execute(text(statement))
                    rows = [str(row[0]) for row in result] if result.returns_rows else []
        finally:
            admin.dispose()
        return rows


def _is_stale(name: str) -> bool:
    match = _NAME.match(name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def as_setting(url: URL) -> str:
    """The URL as DATABASE_URL must spell it (str() would hide the password)."""
    return url.render_as_string(hide_password=False)
