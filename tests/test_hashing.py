"""The hash limiter: at most `concurrency` hashes at once, `queue_limit` waiting, and
the rest refused at once."""

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from app.core import hashing
from app.core.hashing import HashLimiter
from app.exceptions import Overloaded

PATIENCE = 10.0
T = TypeVar("T")


def test_at_most_k_run_at_once_and_those_beyond_the_queue_are_refused() -> None:
    limiter = HashLimiter(concurrency=2, queue_limit=3)
    release = threading.Event()
    lock = threading.Lock()
    running: list[int] = [0]
    most: list[int] = [0]

    def slow_hash(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(PATIENCE)
        with lock:
            running[0] -= 1
        return n

    async def storm() -> tuple[list[int], int]:
        admitted = [asyncio.create_task(limiter.run(slow_hash, n)) for n in range(5)]
        # Let the two run and the three queue up.
        while running[0] < 2:
            await asyncio.sleep(0.01)
        refused = 0
        for n in range(4):
            with pytest.raises(Overloaded) as caught:
                await limiter.run(slow_hash, 100 + n)
            assert caught.value.headers["Retry-After"] == "1"
            refused += 1
        release.set()
        return list(await asyncio.gather(*admitted)), refused

    results, refused = asyncio.run(storm())

    assert results == [0, 1, 2, 3, 4]
    assert refused == 4
    assert most[0] == 2


def test_a_freed_turn_admits_the_next() -> None:
    limiter = HashLimiter(concurrency=1, queue_limit=0)

    async def one_after_another() -> list[str]:
        return [await limiter.run(str, n) for n in range(3)]

    assert asyncio.run(one_after_another()) == ["0", "1", "2"]


def test_hash_and_verify_go_through_the_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []

    class Counting(HashLimiter):
        async def run(self, work: Callable[..., T], *args: object) -> T:
            used.append(work.__name__)
            return await super().run(work, *args)

    monkeypatch.setattr(hashing, "limiter", Counting(1, 0))

    async def hash_then_verify() -> tuple[bool, bool, tuple[bool, str | None]]:
        hashed = await hashing.hash("a password")
        return (
            await hashing.verify("a password", hashed),
            await hashing.verify("a password", None),
            await hashing.verify_and_update("a password", hashed),
        )

    assert asyncio.run(hash_then_verify()) == (True, False, (True, None))
    assert used == [
        "hash_password",
        "verify_password",
        "verify_password",
        "verify_and_update_password",
    ]


def test_a_cancelled_request_gives_its_turn_back_only_when_its_hash_ends() -> None:
    limiter = HashLimiter(concurrency=1, queue_limit=0)
    release = threading.Event()

    async def cancel_while_hashing() -> tuple[bool, bool]:
        hashing_task = asyncio.create_task(limiter.run(release.wait, PATIENCE))
        await asyncio.sleep(0.1)
        hashing_task.cancel()
        await asyncio.sleep(0.1)
        # The hash still runs: no turn is free.
        with pytest.raises(Overloaded):
            await limiter.run(str, 1)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await hashing_task
        return hashing_task.cancelled(), await limiter.run(bool, 1)

    assert asyncio.run(cancel_while_hashing()) == (True, True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_hashes_run_at_a_lower_priority() -> None:
    limiter = HashLimiter(concurrency=1, queue_limit=0)

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert asyncio.run(limiter.run(niceness)) == niceness() + hashing.NICENESS
