"""Redis for the tests of shared rate limits.

They run when TEST_REDIS_URL is set (e.g. redis://127.0.0.1:6379/0). Like a database
engine (tests/utils/databases.py), a configured Redis that cannot be reached fails the
run, and CI must configure one: no test is skipped there for want of it.
"""

import os
import secrets

from limits.errors import StorageError
from limits.storage import Storage

from app.api.ratelimit import make_storage

REDIS_VARIABLE = "TEST_REDIS_URL"


class RedisUnavailable(Exception):
    """Redis is configured but does not answer, or CI has none configured."""


def configured_redis() -> str | None:
    """The URL of the Redis the tests use; None if they may skip."""
    url = os.environ.get(REDIS_VARIABLE) or None
    if url is None and os.environ.get("CI") == "true":
        raise RedisUnavailable(f"CI runs every test: set {REDIS_VARIABLE}")
    if url is not None and not make_storage(url, "check").check():
        raise RedisUnavailable(f"Redis at {REDIS_VARIABLE}={url} does not answer")
    return url


def new_prefix() -> str:
    """A key prefix no other test run uses, so tests never count each other's attempts."""
    return f"recipes_test_{os.getpid()}_{secrets.token_hex(4)}"


def clear(storage: Storage) -> None:
    """Delete every key under the storage's prefix."""
    try:
        storage.reset()
    except StorageError as exc:
        raise RedisUnavailable(f"could not clean up Redis: {exc.storage_error}") from exc
