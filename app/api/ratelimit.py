"""Rate limits on the operations an attacker repeats: sign-in, sign-up, password recovery.

Each has two limits, counted apart: one per account (the email the request names) and
one per client address (app/api/client.py). A route takes one as `dependencies=[LOGIN]`,
and documents it with RATE_LIMITED (app/api/responses.py). The address is counted
first: a request refused by it counts against no account, so nobody can spend someone
else's attempts from an address that is already over its limit.

Every attempt counts, a successful one too. Counting only failures would need the
verdict first: a burst sent at once would be judged before any of it was counted. And
once over the limit, even the right password waits for the window to pass. Attempts
are counted before the endpoint runs, so one over the limit costs no password hash
and no database session.

The window moves: at most N attempts in any period, measured back from each attempt.
A fixed window would let 2N through around its boundary (N at its end, N at the start
of the next); the moving one keeps one timestamp per attempt, which is little at the
counts these limits allow.

Counts live in the process's memory unless REDIS_URL is set; in Redis they are shared
by every process using it. The limiter is the synchronous API of `limits`, called in a
worker thread, so a slow Redis never holds the event loop. (`limits.aio` ties its
storage to one event loop, and every TestClient runs its own.)
"""

import hashlib
import math
import time
from ipaddress import ip_network

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from starlette.concurrency import run_in_threadpool

from app.api.client import client_address
from app.core.config import settings
from app.exceptions import RateLimitUnavailable, TooManyRequests

# Longest a request waits for Redis before it is answered 503 instead.
REDIS_TIMEOUT_SECONDS = 2.0
# One IPv6 client usually holds a whole /64; counted per address, it would have 2**64.
IPV6_CLIENT_PREFIX = 64


def make_storage(redis_url: str | None, key_prefix: str) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(
        redis_url,
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


storage = make_storage(settings.REDIS_URL, settings.RATE_LIMIT_KEY_PREFIX)
limiter = MovingWindowRateLimiter(storage)


class RateLimit:
    """The dependency refusing an `operation` over its limits with 429 and Retry-After.

    `account_field` names the field of the body (form or JSON) that names the account.
    """

    def __init__(
        self,
        operation: str,
        *,
        account_field: str,
        per_account: str,
        per_address: str,
        limiter: RateLimiter = limiter,
    ) -> None:
        self.limiter = limiter
        self.operation = operation
        self.account_field = account_field
        self.per_account = parse(per_account)
        self.per_address = parse(per_address)

    async def __call__(self, request: Request) -> None:
        account = await _body_field(request, self.account_field)
        await run_in_threadpool(self.count, client_address(request.scope), account)

    def count(self, address: str, account: str | None) -> None:
        """Count an attempt from `address` on `account` (None: no account named)."""
        self._hit(self.per_address, "address", _address_key(address), "from your address")
        if account is not None:
            # A digest: the store holds no email addresses, and keys stay short.
            key = hashlib.sha256(account.lower().encode()).hexdigest()
            self._hit(self.per_account, "account", key, "for this account")

    def _hit(self, limit: RateLimitItem, kind: str, key: str, whose: str) -> None:
        try:
            if self.limiter.hit(limit, self.operation, kind, key):
                return
            reset = self.limiter.get_window_stats(limit, self.operation, kind, key).reset_time
        except StorageError as exc:
            raise RateLimitUnavailable(
                "the rate limit store is unavailable; retry shortly"
            ) from exc
        retry_after = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(
            f"too many {self.operation} attempts {whose} (at most {limit}); "
            f"retry in {retry_after} s",
            retry_after=retry_after,
        )


def _address_key(address: str) -> str:
    try:
        network = ip_network(address)
    except ValueError:
        return address
    if network.version == 6:
        return str(network.supernet(new_prefix=IPV6_CLIENT_PREFIX))
    return str(network.network_address)


async def _body_field(request: Request, name: str) -> str | None:
    """The string field `name` of the body FastAPI has read (it caches it on `request`)."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        value = (await request.form()).get(name)
    else:
        try:
            body = await request.json()
        except ValueError:
            return None
        value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


LOGIN = Depends(
    RateLimit(
        "sign-in",
        account_field="username",
        per_account=settings.RATE_LIMIT_LOGIN_ACCOUNT,
        per_address=settings.RATE_LIMIT_LOGIN_ADDRESS,
    )
)
SIGNUP = Depends(
    RateLimit(
        "sign-up",
        account_field="email",
        per_account=settings.RATE_LIMIT_SIGNUP_ACCOUNT,
        per_address=settings.RATE_LIMIT_SIGNUP_ADDRESS,
    )
)
PASSWORD_RECOVERY = Depends(
    RateLimit(
        "password recovery",
        account_field="email",
        per_account=settings.RATE_LIMIT_RECOVERY_ACCOUNT,
        per_address=settings.RATE_LIMIT_RECOVERY_ADDRESS,
    )
)
