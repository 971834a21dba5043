"""The rate limiter itself: what a refusal says, how addresses are grouped, a store
that does not answer, and the operations that document their 429."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from limits.strategies import MovingWindowRateLimiter

from app.api.ratelimit import RateLimit, make_storage
from app.exceptions import RateLimitUnavailable, TooManyRequests
from app.main import app


def _limit(
    per_account: str = "2/minute", per_address: str = "3/minute", **kwargs: Any
) -> RateLimit:
    kwargs.setdefault("limiter", MovingWindowRateLimiter(make_storage(None, "unused")))
    return RateLimit(
        "sign-in",
        account_field="username",
        per_account=per_account,
        per_address=per_address,
        **kwargs,
    )


def test_over_the_limit_says_which_limit_and_when_to_retry() -> None:
    limit = _limit()
    limit.count("198.51.100.1", "cook@example.com")
    limit.count("198.51.100.2", "COOK@example.com")

    with pytest.raises(TooManyRequests) as refused:
        limit.count("198.51.100.3", "Cook@Example.com")

    assert refused.value.status_code == 429
    assert "sign-in attempts for this account (at most 2 per 1 minute)" in refused.value.detail
    assert 59 <= int(refused.value.headers["Retry-After"]) <= 60


def test_an_address_refused_spends_no_attempt_of_the_account() -> None:
    limit = _limit(per_address="1/minute")
    limit.count("198.51.100.1", "a@example.com")
    for _ in range(3):
        with pytest.raises(TooManyRequests, match="from your address"):
            limit.count("198.51.100.1", "victim@example.com")

    limit.count("198.51.100.2", "victim@example.com")
    limit.count("198.51.100.3", "victim@example.com")


def test_ipv6_clients_are_counted_by_their_64_bit_network() -> None:
    limit = _limit(per_address="2/minute")
    limit.count("2001:db8:0:1::1", None)
    limit.count("2001:db8:0:1:ffff::2", None)

    with pytest.raises(TooManyRequests):
        limit.count("2001:db8:0:1::3", None)
    limit.count("2001:db8:0:2::1", None)


def test_a_store_that_does_not_answer_refuses_with_503() -> None:
    nowhere = MovingWindowRateLimiter(make_storage("redis://127.0.0.1:1/0", "unused"))

    with pytest.raises(RateLimitUnavailable) as refused:
        _limit(limiter=nowhere).count("198.51.100.1", "cook@example.com")

    assert refused.value.status_code == 503
    assert refused.value.headers["Retry-After"] == "1"


def test_limits_shared_in_redis(redis_url: str, redis_prefix: str) -> None:
    def through_redis() -> RateLimit:
        return _limit(limiter=MovingWindowRateLimiter(make_storage(redis_url, redis_prefix)))

    through_redis().count("198.51.100.1", "cook@example.com")
    through_redis().count("198.51.100.2", "cook@example.com")

    with pytest.raises(TooManyRequests):
        through_redis().count("198.51.100.3", "cook@example.com")


def test_the_limited_operations_document_their_429() -> None:
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    limited = {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "429" in operation.get("responses", {})
    }

    assert limited == {
        ("/api/v1/login/access-token", "post"),
        ("/api/v1/users/signup", "post"),
        ("/api/v1/password-recovery", "post"),
    }
    problem = document["paths"]["/api/v1/users/signup"]["post"]["responses"]["429"]
    assert "application/problem+json" in problem["content"]
