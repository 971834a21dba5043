"""Settings, read once from the environment and an optional `.env` file."""

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import (
    EmailStr,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_DIR / "data"

PositiveInt = Annotated[int, Field(ge=1)]

# Bounds of every password the service accepts (signup, admin, seed). The upper one
# keeps a single login from hashing megabytes; it counts characters, at most 4 bytes each.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# The superuser's password when none is given; accepted only with ENVIRONMENT=local.
DEFAULT_PASSWORD = "changethis"


# What one Argon2id hash takes (app/core/security.py); hashing may use an eighth of RAM.
HASH_MEMORY_BYTES = 64 * 1024 * 1024
HASH_MEMORY_SHARE = 8


def default_hash_concurrency() -> int:
    """One hash per core, as long as an eighth of the memory holds them all."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return max(1, min(cores, 64))
    return max(1, min(cores, memory // HASH_MEMORY_SHARE // HASH_MEMORY_BYTES, 64))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_DIR / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    PROJECT_NAME: str = "Recipe service"
    # Anything but "local" refuses to start with a default secret or password.
    ENVIRONMENT: Literal["local", "staging", "production"] = "production"
    # The default is a file inside the project, so it is the same database whichever
    # directory the service, Alembic or the seed script is started from.
    DATABASE_URL: str = f"sqlite:///{DATA_DIR / 'app.db'}"
    FIRST_SUPERUSER: EmailStr = "admin@example.com"
    FIRST_SUPERUSER_PASSWORD: Annotated[
        str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    ] = DEFAULT_PASSWORD

    # Signs the access tokens (HS256). Unset, a random key is made per process, which
    # only ENVIRONMENT=local accepts: tokens would stop working at every restart and
    # differ between processes.
    SECRET_KEY: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    # Access tokens are short-lived; a refresh token (POST /login/refresh) gets a new one.
    # A session (one sign-in and its refreshes) ends REFRESH_TOKEN_EXPIRE_DAYS after the
    # sign-in, however often it is refreshed.
    ACCESS_TOKEN_EXPIRE_MINUTES: Annotated[int, Field(ge=1, le=60 * 24 * 30)] = 15
    REFRESH_TOKEN_EXPIRE_DAYS: Annotated[int, Field(ge=1, le=365)] = 30

    # Password hashes (Argon2id, 64 MiB each) computed at once; further ones wait, up to
    # HASH_QUEUE_LIMIT of them, and any beyond that are answered 503 at once.
    HASH_CONCURRENCY: Annotated[int, Field(ge=1, le=64)] = Field(
        default_factory=default_hash_concurrency
    )
    HASH_QUEUE_LIMIT: Annotated[int, Field(ge=0, le=10_000)] = 32

    DEFAULT_PAGE_SIZE: PositiveInt = 20
    MAX_PAGE_SIZE: Annotated[int, Field(ge=1, le=1000)] = 100
    DEFAULT_SEARCH_RESULTS: PositiveInt = 10
    MAX_SEARCH_RESULTS: Annotated[int, Field(ge=1, le=1000)] = 100
    MAX_REQUEST_BODY_BYTES: PositiveInt = 1024 * 1024

    # Requests that need a database session wait (without holding a worker thread) for
    # one of DB_POOL_SIZE + DB_MAX_OVERFLOW connections; see app/api/deps.py.
    DB_POOL_SIZE: PositiveInt = 15
    DB_MAX_OVERFLOW: Annotated[int, Field(ge=0)] = 0
    DB_POOL_TIMEOUT: Annotated[float, Field(gt=0)] = 30.0
    # Replace connections older than this (seconds): MySQL closes idle ones after
    # wait_timeout (8 h by default), and proxies and firewalls often sooner.
    DB_POOL_RECYCLE: PositiveInt = 1800
    # Test each connection as it leaves the pool, so one the server has closed (restart,
    # failover, killed session) is replaced instead of failing a request.
    DB_POOL_PRE_PING: bool = True
    # PgBouncer in transaction mode (before 1.21, or without max_prepared_statements)
    # hands each transaction to whichever server connection is free, where a statement
    # psycopg prepared on another one does not exist: false turns preparing off.
    DB_PREPARED_STATEMENTS: bool = True
    # Server processes run.sh starts (uvicorn's own supervisor), each with its own pool.
    WORKERS: Annotated[int, Field(ge=1, le=64)] = 1
    # The most connections one instance may open, all workers together: the database's
    # max_connections shared among the instances. Unset: not checked.
    DB_CONNECTION_BUDGET: PositiveInt | None = None
    # Threads that run the synchronous routes and dependencies (anyio's default is 40).
    # More pooled connections than threads could never all be used.
    WORKER_THREADS: PositiveInt = 40
    # How long a SQLite connection waits for another writer before giving up.
    SQLITE_BUSY_TIMEOUT: Annotated[float, Field(gt=0)] = 30.0
    # How long prestart waits for the database to answer before it gives up.
    DB_WAIT_SECONDS: Annotated[float, Field(gt=0)] = 60.0
    # How long a prestart waits while another one migrates or seeds the same database.
    PRESTART_LOCK_TIMEOUT: Annotated[float, Field(gt=0)] = 600.0

    # How long opening a connection to PostgreSQL or MySQL may take (whole seconds), so
    # a server that does not answer costs a request this long, not the OS's minutes.
    DB_CONNECT_TIMEOUT: Annotated[int, Field(ge=1, le=600)] = 5

    # Attempts allowed per account (the email given) and per client address, in the
    # `limits` syntax ("5/minute", "10 per 2 hours"); see app/api/ratelimit.py.
    RATE_LIMIT_LOGIN_ACCOUNT: str = "5/minute"
    RATE_LIMIT_LOGIN_ADDRESS: str = "20/minute"
    RATE_LIMIT_SIGNUP_ACCOUNT: str = "5/minute"
    RATE_LIMIT_SIGNUP_ADDRESS: str = "20/minute"
    # Each recovery sends a mail to the account's owner: few per account, so nobody
    # can flood an inbox through the service.
    RATE_LIMIT_RECOVERY_ACCOUNT: str = "5/hour"
    RATE_LIMIT_RECOVERY_ADDRESS: str = "20/minute"
    # Where the counts live: unset, in each process's memory (one process, or limits
    # per process); set, in Redis, shared by every process that uses it.
    REDIS_URL: str | None = None
    # Starts every Redis key of the rate limits, so services can share one Redis.
    RATE_LIMIT_KEY_PREFIX: Annotated[str, Field(min_length=1, max_length=64)] = "recipes"
    # Proxies whose X-Forwarded-For names the client (addresses or networks, separated
    # by commas). Empty: the client is the peer of the connection, whatever it sends.
    TRUSTED_PROXIES: Annotated[list[IPvAnyNetwork], NoDecode] = []

    # Password recovery mails a reset token through this SMTP server; without SMTP_HOST
    # the feature is off (its routes answer 501).
    SMTP_HOST: str | None = None
    SMTP_PORT: Annotated[int, Field(ge=1, le=65535)] = 587
    # STARTTLS on a plain connection (usually port 587), or TLS from the first byte
    # (SMTP_SSL, usually port 465): one of them at most.
    SMTP_TLS: bool = True
    SMTP_SSL: bool = False
    SMTP_USER: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    # How long connecting to the SMTP server, and each reply of it, may take (seconds).
    SMTP_TIMEOUT: Annotated[float, Field(gt=0, le=300)] = 10.0
    # The sender of the service's mail; needed with SMTP_HOST.
    EMAILS_FROM: EmailStr | None = None
    PASSWORD_RESET_TOKEN_EXPIRE_MINUTES: Annotated[int, Field(ge=1, le=24 * 60)] = 30

    # Where clients reach the service (scheme and host, e.g. https://recipes.example.com):
    # every absolute URL it writes (Location, redirects) starts with it. Unset: with the
    # address the server listens on; never with the Host a client sent (app/middleware.py).
    PUBLIC_BASE_URL: str | None = None

    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # json: one JSON object per line, for log collectors; text: for people.
    LOG_FORMAT: Literal["json", "text"] = "text"

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "RATE_LIMIT_LOGIN_ACCOUNT",
        "RATE_LIMIT_LOGIN_ADDRESS",
        "RATE_LIMIT_SIGNUP_ACCOUNT",
        "RATE_LIMIT_SIGNUP_ADDRESS",
        "RATE_LIMIT_RECOVERY_ACCOUNT",
        "RATE_LIMIT_RECOVERY_ADDRESS",
    )
    @classmethod
    def _one_rate_limit(cls, value: str) -> str:
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate limit: write a count per period, e.g. 5/minute"
            ) from None
        # `limits` would quietly apply only the first of several.
        if len(items) != 1:
            raise ValueError(f"{value!r}: give one limit, e.g. 5/minute")
        if items[0].amount < 1:
            raise ValueError(f"{value!r}: allow at least one attempt per period")
        return value

    @field_validator("TRUSTED_PROXIES", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("PUBLIC_BASE_URL")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        example = "e.g. https://recipes.example.com"
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 -- raises for a port that is no port
        except ValueError:
            raise ValueError(f"{value!r} has an invalid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http:// or https:// URL ({example})")
        if parts.username is not None or parts.password is not None:
            raise ValueError(f"{value!r}: no user name or password in it ({example})")
        # It becomes the Host header, which is ASCII.
        if not parts.netloc.isascii():
            raise ValueError(f"{value!r}: write an international host name in its xn-- form")
        # The app's routes, pages and links are all at the root: a prefix would need
        # every one of them to carry it.
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"{value!r}: give the scheme and host only ({example}); "
                "serving under a path prefix is not supported"
            )
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @field_validator("DATABASE_URL")
    @classmethod
    def _parseable_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        return value

    @field_validator("SECRET_KEY")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        # HS256 wants a key at least as long as its 32-byte hash (RFC 7518, 3.2).
        if len(value.encode()) < 32:
            raise ValueError("must be at least 32 bytes; make one with `openssl rand -hex 32`")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_outside_local(self) -> Self:
        if self.ENVIRONMENT == "local":
            return self
        if "SECRET_KEY" not in self.model_fields_set:
            raise ValueError(f"SECRET_KEY must be set when ENVIRONMENT={self.ENVIRONMENT}")
        if self.FIRST_SUPERUSER_PASSWORD == DEFAULT_PASSWORD:
            raise ValueError(
                f"FIRST_SUPERUSER_PASSWORD must be changed from its default "
                f"when ENVIRONMENT={self.ENVIRONMENT}"
            )
        return self

    @model_validator(mode="after")
    def _defaults_within_limits(self) -> Self:
        if self.DEFAULT_PAGE_SIZE > self.MAX_PAGE_SIZE:
            raise ValueError("DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE")
        if self.DEFAULT_SEARCH_RESULTS > self.MAX_SEARCH_RESULTS:
            raise ValueError("DEFAULT_SEARCH_RESULTS must not exceed MAX_SEARCH_RESULTS")
        if self.db_connection_limit > self.WORKER_THREADS:
            raise ValueError("DB_POOL_SIZE + DB_MAX_OVERFLOW must not exceed WORKER_THREADS")
        return self

    @model_validator(mode="after")
    def _within_connection_budget(self) -> Self:
        budget = self.DB_CONNECTION_BUDGET
        if budget is not None and self.instance_connection_limit > budget:
            raise ValueError(
                f"WORKERS={self.WORKERS} × (DB_POOL_SIZE={self.DB_POOL_SIZE} + "
                f"DB_MAX_OVERFLOW={self.DB_MAX_OVERFLOW}) = {self.instance_connection_limit} "
                f"connections, over DB_CONNECTION_BUDGET={budget}"
            )
        return self

    @field_validator(
        "SMTP_HOST", "SMTP_USER", "PUBLIC_BASE_URL", "DB_CONNECTION_BUDGET", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `SMTP_HOST=` in a .env file means "no SMTP server", not a host named "".
        return None if value == "" else value

    @model_validator(mode="after")
    def _smtp_complete(self) -> Self:
        if self.SMTP_HOST is None:
            return self
        if self.EMAILS_FROM is None:
            raise ValueError("EMAILS_FROM must be set when SMTP_HOST is")
        if self.SMTP_TLS and self.SMTP_SSL:
            raise ValueError("set SMTP_TLS (STARTTLS) or SMTP_SSL, not both")
        if self.SMTP_USER is not None and not (self.SMTP_TLS or self.SMTP_SSL):
            raise ValueError("SMTP_USER needs SMTP_TLS or SMTP_SSL: never send it in clear")
        if self.SMTP_PASSWORD is not None and self.SMTP_USER is None:
            raise ValueError("SMTP_PASSWORD needs SMTP_USER")
        return self

    @property
    def database_url(self) -> URL:
        return make_url(self.DATABASE_URL)

    @property
    def db_connection_limit(self) -> int:
        return self.DB_POOL_SIZE + self.DB_MAX_OVERFLOW

    @property
    def instance_connection_limit(self) -> int:
        """The connections all of one instance's workers may open at once."""
        return self.WORKERS * self.db_connection_limit

    @property
    def emails_enabled(self) -> bool:
        return self.SMTP_HOST is not None


def describe_url(url: URL) -> str:
    """The URL as it is safe to print: the password hidden."""
    return url.render_as_string(hide_password=True)


def load_settings() -> Settings:
    """Read the settings, or stop the process with one line that says which one is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SystemExit(f"Invalid configuration: {problems}") from None


settings = load_settings()
logging.getLogger("app").setLevel(settings.LOG_LEVEL)

if __name__ == "__main__":
    # run.sh's check before anything starts: load_settings has stopped the process with
    # one line if a setting is wrong (uvicorn would restart a worker that failed on one,
    # again and again). It starts as many workers as the settings say, .env included.
    print(settings.WORKERS)
