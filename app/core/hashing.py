"""Password hashing for requests: `await hashing.hash(password)`,
`await hashing.verify(password, hashed)` and `await hashing.verify_and_update(...)`.

Argon2id costs 64 MiB and a good part of a second of a core per hash, by design. Here
at most HASH_CONCURRENCY hashes run at once, each in a worker thread. Further requests
wait for a turn in the event loop, holding no thread, no database connection and no
writer's turn; while HASH_QUEUE_LIMIT of them wait, the next one is refused at once
with Overloaded (503, Retry-After). A storm of logins thus costs bounded memory and
time, and every other request goes on being served.

Callers hold no database session while they await these: read what the hash needs in
one short session, hash, then write in another.
"""

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from anyio import to_thread

from app.core import security
from app.core.config import settings
from app.exceptions import Overloaded

T = TypeVar("T")


@dataclass
class _Turns:
    running: asyncio.Semaphore
    waiting: int = field(default=0)


class HashLimiter:
    """At most `concurrency` hashes at once, and at most `queue_limit` waiting."""

    def __init__(self, concurrency: int, queue_limit: int) -> None:
        self.concurrency = concurrency
        self.queue_limit = queue_limit
        # Per event loop: the server has one; each test client has its own.
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` in a worker thread, once a turn is free."""
        turns = self._here()
        if turns.running.locked() and turns.waiting >= self.queue_limit:
            raise Overloaded("too many sign-ins at once; retry in a moment")
        turns.waiting += 1
        try:
            await turns.running.acquire()
        finally:
            turns.waiting -= 1
        try:
            # A cancelled request still waits for its thread (anyio's default), so the
            # turn is given back only once the hash's memory is.
            return await to_thread.run_sync(work, *args)
        finally:
            turns.running.release()

    def _here(self) -> _Turns:
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            turns = self._turns[loop] = _Turns(asyncio.Semaphore(self.concurrency))
        return turns


limiter = HashLimiter(settings.HASH_CONCURRENCY, settings.HASH_QUEUE_LIMIT)


async def hash(password: str) -> str:
    """`password`'s Argon2id hash, to store."""
    return await limiter.run(security.hash_password, password)


async def verify(password: str, hashed_password: str | None) -> bool:
    """Whether `password` matches `hashed_password`; None (no password) never matches,
    after as long as a wrong password takes."""
    return await limiter.run(security.verify_password, password, hashed_password)


async def verify_and_update(password: str, hashed_password: str | None) -> tuple[bool, str | None]:
    """`verify`, and for a match made with older Argon2 parameters the new hash to store."""
    return await limiter.run(security.verify_and_update_password, password, hashed_password)
