"""Password hashing for requests: `await hashing.hash(password)`,
`await hashing.verify(password, hashed)` and `await hashing.verify_and_update(...)`.

Argon2id costs 64 MiB and a good part of a second of a core per hash, by design. Here
at most HASH_CONCURRENCY hashes run at once, in threads of their own that yield the CPU
to the rest of the service (a lower priority, where the OS allows). Further requests
wait for a turn in the event loop, holding no thread, no database connection and no
writer's turn; while HASH_QUEUE_LIMIT of them wait, the next one is refused at once
with Overloaded (503, Retry-After). A storm of logins thus costs bounded memory and
time, and every other request goes on being served.

Callers hold no database session while they await these: read what the hash needs in
one short session, hash, then write in another.
"""

import asyncio
import functools
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from app import metrics
from app.core import security
from app.core.config import settings
from app.exceptions import Overloaded

T = TypeVar("T")

# Added to the hashing threads' nice value: while the CPU is short, requests that wait
# for the database or the network go first, and sign-ins wait a little longer.
NICENESS = 10


def _lower_priority() -> None:
    # On Linux the nice value is per thread, and the threads Argon2 starts for its lanes
    # inherit it. Elsewhere, or where it is not allowed, hashes run at normal priority.
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except OSError:
        pass


@dataclass
class _Turns:
    running: asyncio.Semaphore
    waiting: int = field(default=0)


class HashLimiter:
    """At most `concurrency` hashes at once, and at most `queue_limit` waiting."""

    def __init__(self, concurrency: int, queue_limit: int) -> None:
        self.concurrency = concurrency
        self.queue_limit = queue_limit
        self._threads = ThreadPoolExecutor(
            concurrency, thread_name_prefix="hashing", initializer=_lower_priority
        )
        # Per event loop: the server has one; each test client has its own.
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` in a hashing thread, once a turn is free."""
        turns = self._here()
        if turns.running.locked() and turns.waiting >= self.queue_limit:
            raise Overloaded("too many sign-ins at once; retry in a moment")
        turns.waiting += 1
        metrics.HASHES_WAITING.inc()
        try:
            await turns.running.acquire()
        finally:
            turns.waiting -= 1
            metrics.HASHES_WAITING.dec()
        metrics.HASHES_RUNNING.inc()
        try:
            running = asyncio.get_running_loop().run_in_executor(
                self._threads, functools.partial(work, *args)
            )
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                # The request is gone, but its hash goes on: the turn is given back once
                # the hash's memory is.
                await asyncio.wait([running])
                raise
        finally:
            metrics.HASHES_RUNNING.dec()
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
