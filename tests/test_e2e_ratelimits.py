"""Guessing passwords against the service as deployed (run.sh, uvicorn, requests): sign-in
and sign-up are limited per account and per client address, and over the limit is a
429 with Retry-After, even for the right password.

The limiter does not touch the database: only the sign-in attack runs on every engine.
"""

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import URL

from tests import test_e2e_accounts as accounts
from tests.test_e2e_accounts import ADMIN_PASSWORD, PASSWORD, TIMEOUT
from tests.utils.errors import error_detail
from tests.utils.mail import smtp_server, smtp_settings
from tests.utils.processes import deployed_service

pytestmark = pytest.mark.e2e


class Api(accounts.Api):
    def login(self, email: str, password: str, forwarded_for: str | None = None) -> Any:
        headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
        return requests.post(
            f"{self.url}/login/access-token",
            data={"username": email, "password": password},
            headers=headers,
            timeout=TIMEOUT,
        )


def serve(stack: ExitStack, workdir: Path, database_url: URL, **settings: str) -> Api:
    workdir.mkdir(exist_ok=True)
    url = stack.enter_context(deployed_service(workdir, database_url, ADMIN_PASSWORD, **settings))
    return Api(url)


@pytest.fixture
def services(tmp_path: Path, database_url: URL) -> Iterator[Any]:
    """Starts services on the test's database: `services(name, **settings)`."""
    with ExitStack() as stack:
        yield lambda name, **settings: serve(stack, tmp_path / name, database_url, **settings)


def retry_after(response: Any, *, within: int) -> int:
    """The 429's Retry-After, checked to be whole seconds from 1 to `within`."""
    assert response.status_code == 429, response.text
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= within, seconds
    return seconds


def test_wrong_passwords_then_the_right_one_get_429_after_the_limit(services: Any) -> None:
    api = services("service")  # the defaults: 5 a minute per account, 20 per address
    api.signup("victim@example.com")

    wrong = [api.login("victim@example.com", f"guess {n}") for n in range(30)]
    right = api.login("victim@example.com", PASSWORD)

    assert [r.status_code for r in wrong] == [401] * 5 + [429] * 25
    assert "for this account (at most 5 per 1 minute)" in error_detail(wrong[5])
    retry_after(wrong[5], within=60)
    # 20 attempts from one address in a minute, whichever accounts they name.
    assert "from your address (at most 20 per 1 minute)" in error_detail(wrong[20])
    assert "from your address" in error_detail(right)
    retry_after(right, within=60)
    assert api.login("someone.else@example.com", PASSWORD).status_code == 429


@pytest.mark.engines("sqlite")
def test_the_right_password_works_again_once_the_window_has_passed(services: Any) -> None:
    api = services("service", RATE_LIMIT_LOGIN_ACCOUNT="2 per 3 seconds")
    api.signup("cook@example.com")
    assert [api.login("cook@example.com", "guess").status_code for _ in range(2)] == [401] * 2

    refused = api.login("cook@example.com", PASSWORD)
    time.sleep(retry_after(refused, within=3))

    assert api.login("cook@example.com", PASSWORD).status_code == 200


# The operations limited by the email they are given: their settings' middle word, path,
# the rest of the body, what two requests for one email get, and what a new email gets.
BY_EMAIL = {
    "sign-up": ("SIGNUP", "/users/signup", {"password": PASSWORD}, [201, 409], 201),
    "password recovery": ("RECOVERY", "/password-recovery", {}, [202, 202], 202),
}


@pytest.mark.engines("sqlite")
@pytest.mark.parametrize("operation", BY_EMAIL)
def test_limited_per_email_and_per_address(services: Any, operation: str) -> None:
    setting, path, body, first_two, accepted = BY_EMAIL[operation]
    with smtp_server() as mailbox:
        api = services(
            "service",
            **smtp_settings(mailbox.port),
            **{f"RATE_LIMIT_{setting}_ACCOUNT": "2/minute"},
            **{f"RATE_LIMIT_{setting}_ADDRESS": "4/minute"},
        )

        def send(email: str) -> Any:
            return requests.post(api.url + path, json={"email": email} | body, timeout=TIMEOUT)

        same_email = [send("Cook@example.com").status_code for _ in range(2)]
        over = send("cook@Example.com")
        others = [send(f"cook{n}@example.com").status_code for n in range(2)]

    assert same_email == first_two
    assert f"{operation} attempts for this account" in error_detail(over)
    retry_after(over, within=60)
    # The refused attempt counted for the address: it was the account that refused it.
    assert others == [accepted, 429]


@pytest.mark.engines("sqlite")
def test_a_trusted_proxys_forwarded_client_is_counted_apart(services: Any) -> None:
    api = services("service", TRUSTED_PROXIES="127.0.0.1", RATE_LIMIT_LOGIN_ADDRESS="3/minute")
    client = "203.0.113.7"

    first = [api.login(f"a{n}@example.com", "guess", client).status_code for n in range(3)]
    over = api.login("a3@example.com", "guess", client)

    assert first == [401] * 3
    assert "from your address" in error_detail(over)
    # Another client behind the proxy, and the proxy itself, have attempts left.
    assert api.login("b@example.com", "guess", "203.0.113.8").status_code == 401
    assert api.login("c@example.com", "guess").status_code == 401
    # What the client wrote left of the proxy's entry changes nothing, nor does a
    # trusted hop right of it.
    assert api.login("d@example.com", "guess", f"198.51.100.1, {client}").status_code == 429
    assert api.login("e@example.com", "guess", f"{client}, 127.0.0.1").status_code == 429


@pytest.mark.engines("sqlite")
def test_forwarded_for_from_an_untrusted_peer_is_ignored(services: Any) -> None:
    api = services("service", RATE_LIMIT_LOGIN_ADDRESS="3/minute")  # no trusted proxy

    first = [api.login(f"a{n}@example.com", "guess", f"203.0.113.{n}") for n in range(3)]
    over = api.login("a3@example.com", "guess", "203.0.113.3")

    assert [r.status_code for r in first] == [401] * 3
    assert "from your address" in error_detail(over)


@pytest.mark.engines("sqlite")
def test_limits_are_shared_through_redis(services: Any, redis_url: str, redis_prefix: str) -> None:
    shared = {
        "REDIS_URL": redis_url,
        "RATE_LIMIT_KEY_PREFIX": redis_prefix,
        "RATE_LIMIT_LOGIN_ACCOUNT": "4/minute",
    }
    one, two = services("one", **shared), services("two", **shared)
    one.signup("cook@example.com")

    attempts = [api.login("cook@example.com", "guess") for api in (one, two, one, two)]

    assert [r.status_code for r in attempts] == [401] * 4
    for api in (one, two):
        retry_after(api.login("cook@example.com", PASSWORD), within=60)


@pytest.mark.engines("sqlite")
def test_without_redis_each_process_counts_its_own(services: Any) -> None:
    one = services("one", RATE_LIMIT_LOGIN_ACCOUNT="2/minute")
    two = services("two", RATE_LIMIT_LOGIN_ACCOUNT="2/minute")
    one.signup("cook@example.com")

    statuses = [one.login("cook@example.com", "guess").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    assert two.login("cook@example.com", PASSWORD).status_code == 200
