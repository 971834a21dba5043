"""Sessions and sign-ins against the service as deployed (run.sh, uvicorn, a fresh
database on each engine): stolen refresh tokens, logout, tokens outliving the account's
password, email or rights, and a storm of logins while others write."""

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import URL

from tests.test_e2e_accounts import Api
from tests.utils.processes import deployment, service_process

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"
ADMIN_PASSWORD = "e2e admin password"
PASSWORD = "an account password"
TIMEOUT = 30

# The storm: this many wrong-password logins at once, against a server that hashes
# HASH_CONCURRENCY at a time and lets HASH_QUEUE_LIMIT wait.
STORM = 100
HASH_CONCURRENCY = 2
HASH_QUEUE_LIMIT = 16
# Argon2id takes 64 MiB per hash; the process may grow by the hashes running at once
# and this much besides.
HASH_MEMORY_MIB = 64
HEADROOM_MIB = 128
WRITE_SECONDS = 1.0


class Service(Api):
    """The running service: its /api/v1, and its process."""

    def __init__(self, base_url: str, pid: int) -> None:
        super().__init__(base_url)
        self.pid = pid

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        return requests.post(
            f"{self.url}/login/access-token",
            data={"username": email, "password": password},
            timeout=TIMEOUT,
        )

    def tokens(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.login(email, password)
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def refresh(self, refresh_token: str) -> requests.Response:
        body = {"refresh_token": refresh_token}
        return requests.post(f"{self.url}/login/refresh", json=body, timeout=TIMEOUT)

    def me_status(self, token: str) -> int:
        status: int = self.me(token).status_code
        return status

    def memory_kib(self, field: str) -> int:
        """VmRSS (now) or VmHWM (the peak) of the server process, in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.pid}/status")


@pytest.fixture
def service(tmp_path: Path, database_url: URL) -> Iterator[Service]:
    settings = deployment(database_url, ADMIN_PASSWORD) | {
        "HASH_CONCURRENCY": str(HASH_CONCURRENCY),
        "HASH_QUEUE_LIMIT": str(HASH_QUEUE_LIMIT),
        # The storm comes from one address, and signs in more often than a real client
        # may: here the hashing limit is under test, not the rate limits.
        "RATE_LIMIT_LOGIN_ACCOUNT": "1000/minute",
        "RATE_LIMIT_LOGIN_ADDRESS": "1000/minute",
        "RATE_LIMIT_SIGNUP_ADDRESS": "1000/minute",
    }
    with service_process(tmp_path, **settings) as (url, process):
        yield Service(url, process.pid)


def _ended(service: Service, tokens: dict[str, Any]) -> bool:
    """Whether neither the access token nor the refresh token of `tokens` works."""
    return (
        service.me_status(tokens["access_token"]) == 401
        and service.refresh(tokens["refresh_token"]).status_code == 401
    )


def test_a_stolen_refresh_token_used_after_its_owner_ends_the_session(service: Service) -> None:
    service.signup("cook@example.com")
    stolen = service.tokens("cook@example.com")
    other_device = service.tokens("cook@example.com")

    # The owner refreshes first; the thief then presents the stolen token.
    owners = service.refresh(stolen["refresh_token"])
    assert owners.status_code == 200, owners.text
    replayed = service.refresh(stolen["refresh_token"])

    assert replayed.status_code == 401
    assert replayed.headers["www-authenticate"] == "Bearer"
    assert _ended(service, owners.json())
    assert service.me_status(stolen["access_token"]) == 401
    assert service.me_status(other_device["access_token"]) == 200

    # The thief refreshes first: the owner's next refresh ends the thief's session.
    stolen = service.tokens("cook@example.com")
    thiefs = service.refresh(stolen["refresh_token"]).json()
    assert service.refresh(stolen["refresh_token"]).status_code == 401
    assert _ended(service, thiefs)


def test_logout_ends_the_session(service: Service) -> None:
    service.signup("cook@example.com")
    session = service.tokens("cook@example.com")
    rotated = service.refresh(session["refresh_token"]).json()
    other_device = service.tokens("cook@example.com")

    response = service.call("POST", "/logout", rotated["access_token"])

    assert response.status_code == 204, response.text
    assert _ended(service, rotated)
    assert service.me_status(session["access_token"]) == 401
    assert service.me_status(other_device["access_token"]) == 200


def test_every_token_ends_with_the_password_email_rights_or_account(service: Service) -> None:
    admin = service.tokens(ADMIN, ADMIN_PASSWORD)["access_token"]
    user_id = service.signup("cook@example.com")

    # The owner changes the password.
    before = service.tokens("cook@example.com")
    change = {"current_password": PASSWORD, "new_password": "a brand new password"}
    response = service.call("PATCH", "/users/me/password", before["access_token"], json=change)
    assert response.status_code == 204, response.text
    assert _ended(service, before)

    # A superuser sets it back.
    before = service.tokens("cook@example.com", "a brand new password")
    reset = {"password": PASSWORD}
    assert service.call("PATCH", f"/users/{user_id}", admin, json=reset).status_code == 200
    assert _ended(service, before)

    # The owner changes the email.
    before = service.tokens("cook@example.com")
    move = {"email": "moved@example.com", "current_password": PASSWORD}
    assert service.call("PATCH", "/users/me", before["access_token"], json=move).status_code == 200
    assert _ended(service, before)

    # A superuser is demoted.
    promote, demote = {"is_superuser": True}, {"is_superuser": False}
    assert service.call("PATCH", f"/users/{user_id}", admin, json=promote).status_code == 200
    before = service.tokens("moved@example.com")
    assert service.call("PATCH", f"/users/{user_id}", admin, json=demote).status_code == 200
    assert _ended(service, before)

    # The user is deleted; the next account does not inherit anything.
    before = service.tokens("moved@example.com")
    assert service.call("DELETE", f"/users/{user_id}", admin).status_code == 204
    service.signup("next@example.com")
    assert _ended(service, before)


def test_a_token_alone_cannot_take_over_the_account(service: Service) -> None:
    service.signup("cook@example.com")
    stolen = service.tokens("cook@example.com")["access_token"]

    without = service.call("PATCH", "/users/me", stolen, json={"email": "thief@example.com"})
    guessed = service.call(
        "PATCH",
        "/users/me",
        stolen,
        json={"email": "thief@example.com", "current_password": "a guess at it"},
    )

    assert without.status_code == 403, without.text
    assert guessed.status_code == 403, guessed.text
    assert service.login("thief@example.com").status_code == 401
    assert service.me_status(service.tokens("cook@example.com")["access_token"]) == 200


def test_a_login_storm_leaves_writes_fast_and_memory_bounded(service: Service) -> None:
    """STORM wrong-password logins at once while a writer keeps adding recipes: every
    write answers within WRITE_SECONDS, the logins get 401 or, beyond the hashing queue,
    503 with Retry-After, and the process grows by no more than the hashes running at
    once take."""
    service.signup("cook@example.com")
    writer = service.tokens("cook@example.com")["access_token"]
    service.signup("target@example.com")
    before_kib = service.memory_kib("VmRSS")
    start, stop = threading.Barrier(STORM + 1), threading.Event()

    def wrong_login(n: int) -> tuple[int, str | None]:
        start.wait(TIMEOUT)
        response = service.login("target@example.com", f"wrong password {n}")
        return response.status_code, response.headers.get("retry-after")

    def write_until_stopped() -> list[tuple[int, float]]:
        writes = []
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {writer}"
            n = 0
            while not stop.is_set():
                body = {"label": f"Storm loaf {n}", "source": "E2E", "url": "https://e.com/l"}
                started = time.perf_counter()
                response = http.post(f"{service.url}/recipes", json=body, timeout=TIMEOUT)
                writes.append((response.status_code, time.perf_counter() - started))
                n += 1
        return writes

    with ThreadPoolExecutor(STORM + 1) as pool:
        writing = pool.submit(write_until_stopped)
        logins = [pool.submit(wrong_login, n) for n in range(STORM)]
        start.wait(TIMEOUT)
        answers = [login.result(TIMEOUT * 4) for login in logins]
        stop.set()
        writes = writing.result(TIMEOUT)

    peak_kib = service.memory_kib("VmHWM")
    statuses = Counter(status for status, _ in answers)
    slowest = max(seconds for _, seconds in writes)
    grown_mib = (peak_kib - before_kib) / 1024
    print(
        f"\nstorm of {STORM}: {dict(statuses)}; {len(writes)} writes, slowest "
        f"{slowest * 1000:.0f} ms; RSS {before_kib // 1024} MiB before, peak "
        f"{peak_kib // 1024} MiB (+{grown_mib:.0f} MiB)"
    )
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[401] >= HASH_CONCURRENCY + HASH_QUEUE_LIMIT, statuses
    assert statuses[503] > 0, statuses
    assert {retry for status, retry in answers if status == 503} == {"1"}
    assert writes and {status for status, _ in writes} == {201}
    assert slowest < WRITE_SECONDS, f"a write took {slowest:.2f} s"
    assert grown_mib < HASH_CONCURRENCY * HASH_MEMORY_MIB + HEADROOM_MIB, grown_mib
    # The server answers normally afterwards.
    assert service.login("target@example.com", PASSWORD).status_code == 200
