"""Password recovery against the service as deployed (run.sh, uvicorn, a fresh database
on each engine), with a real SMTP server in the test process reading what it sends."""

import re
import secrets
import socket
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy.engine import URL

from app.api.v1.password import TOKEN_REFUSED
from app.core.security import ALGORITHM, RESET_AUDIENCE
from tests.test_e2e_accounts import PASSWORD, Api
from tests.utils.mail import HOST, SENDER, Mailbox, smtp_server, smtp_settings
from tests.utils.processes import deployed_service

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "e2e admin password"
NEW_PASSWORD = "a password from the mail"
TOKEN = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")
# How long the test's SMTP server takes to accept each mail: far above the noise in a
# request's time, so an answer that waited for the mail could not hide it.
SLOW_SMTP_SECONDS = 0.5
# Known and unknown addresses, asked for in turns.
TIMING_ROUNDS = 12
# Medians of the two may differ by this much: a tenth of what one mail costs.
TIMING_BOUND_SECONDS = SLOW_SMTP_SECONDS / 10


class Service:
    """The service's API, and the settings it runs with (its SECRET_KEY among them)."""

    def __init__(self, base_url: str, settings: dict[str, str], log: Path) -> None:
        self.api = Api(base_url)
        self.settings = settings
        self.log = log

    def recover(self, email: str) -> Any:
        return self.api.call("POST", "/password-recovery", json={"email": email})

    def reset(self, token: str, new_password: str = NEW_PASSWORD) -> Any:
        body = {"token": token, "new_password": new_password}
        return self.api.call("POST", "/reset-password", json=body)

    def sign_in(self, email: str, password: str) -> Any:
        data = {"username": email, "password": password}
        return self.api.call("POST", "/login/access-token", data=data)


def start(workdir: Path, database_url: URL, **smtp: str) -> Any:
    settings = {
        "SECRET_KEY": secrets.token_hex(32),
        # These tests ask for more resets than a real client may: the rate limits are
        # tested in tests/test_e2e_ratelimits.py.
        "RATE_LIMIT_RECOVERY_ACCOUNT": "1000/minute",
        "RATE_LIMIT_RECOVERY_ADDRESS": "1000/minute",
        "RATE_LIMIT_LOGIN_ACCOUNT": "1000/minute",
        "RATE_LIMIT_LOGIN_ADDRESS": "1000/minute",
    } | smtp
    return deployed_service(workdir, database_url, ADMIN_PASSWORD, **settings), settings


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as mailbox:
        yield mailbox


@pytest.fixture
def service(tmp_path: Path, database_url: URL, mailbox: Mailbox) -> Iterator[Service]:
    running, settings = start(tmp_path, database_url, **smtp_settings(mailbox.port))
    with running as url:
        yield Service(url, settings, tmp_path / "server.log")


def reset_token(mail: EmailMessage, to: str) -> str:
    """The token in a recovery mail, checked to be one sent to `to` by the service."""
    assert mail["To"] == to
    assert mail["From"] == SENDER
    assert mail["Subject"] == "Reset your password"
    body = mail.get_body(("plain",))
    assert body is not None
    found = TOKEN.findall(body.get_content())
    assert len(found) == 1, body.get_content()
    token: str = found[0]
    return token


def test_the_mailed_token_sets_a_new_password_once_and_ends_every_session(
    service: Service, mailbox: Mailbox
) -> None:
    api = service.api
    api.signup("cook@example.com")
    before = api.token("cook@example.com")

    answer = service.recover("Cook@Example.com")
    assert answer.status_code == 202, answer.text
    assert answer.content == b""
    token = reset_token(mailbox.next(), "cook@example.com")

    # The reset token is no access token.
    assert api.me(token).status_code == 401

    assert service.reset(token).status_code == 204
    # Every token from before is dead; only the new password signs in.
    assert api.me(before).status_code == 401
    assert service.sign_in("cook@example.com", PASSWORD).status_code == 401
    assert api.me(api.token("cook@example.com", NEW_PASSWORD)).status_code == 200

    # The token worked once.
    again = service.reset(token, "yet another password")
    assert again.status_code == 403, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["detail"] == TOKEN_REFUSED
    assert service.sign_in("cook@example.com", "yet another password").status_code == 401


def test_a_second_mail_voids_nothing_but_the_first_reset_voids_both(
    service: Service, mailbox: Mailbox
) -> None:
    service.api.signup("cook@example.com")
    assert service.recover("cook@example.com").status_code == 202
    first = reset_token(mailbox.next(), "cook@example.com")
    assert service.recover("cook@example.com").status_code == 202
    second = reset_token(mailbox.next(), "cook@example.com")

    assert service.reset(second).status_code == 204
    assert service.reset(first, "yet another password").status_code == 403


def test_expired_forged_and_access_tokens_are_refused(service: Service) -> None:
    api = service.api
    user_id = api.signup("cook@example.com")
    access = api.token("cook@example.com")
    key = service.settings["SECRET_KEY"]

    def signed(claims: dict[str, Any], with_key: str = key) -> str:
        return jwt.encode(claims, with_key, algorithm=ALGORITHM)

    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "gen": 0, "aud": RESET_AUDIENCE}
    # What the service would have mailed half an hour ago, and a minute too late.
    expired = signed(claims | {"exp": now - timedelta(minutes=1)})
    forged = signed(claims | {"exp": now + timedelta(minutes=5)}, "another key" * 4)
    no_expiry = signed(claims)
    for token in (expired, forged, no_expiry, access, "not a token"):
        refused = service.reset(token)
        assert refused.status_code == 403, (token, refused.text)
        assert refused.json()["detail"] == TOKEN_REFUSED
    # A valid token, to show the refusals were about the tokens, not the user.
    assert service.reset(signed(claims | {"exp": now + timedelta(minutes=5)})).status_code == 204
    assert service.sign_in("cook@example.com", PASSWORD).status_code == 401


def test_known_and_unknown_addresses_get_the_same_answer_in_the_same_time(
    tmp_path: Path, database_url: URL
) -> None:
    with smtp_server(delay=SLOW_SMTP_SECONDS) as mailbox:
        running, settings = start(tmp_path, database_url, **smtp_settings(mailbox.port))
        with running as url:
            service = Service(url, settings, tmp_path / "server.log")
            service.api.signup("cook@example.com")
            times: dict[str, list[float]] = {"cook@example.com": [], "nobody@example.com": []}
            for _ in range(TIMING_ROUNDS):
                for email, seen in times.items():
                    started = time.perf_counter()
                    answer = service.recover(email)
                    seen.append(time.perf_counter() - started)
                    assert answer.status_code == 202, answer.text
                    assert answer.content == b""

            # One mail for each round, all to the known address.
            for _ in range(TIMING_ROUNDS):
                reset_token(mailbox.next(SLOW_SMTP_SECONDS * TIMING_ROUNDS), "cook@example.com")
            assert mailbox.empty_after(2 * SLOW_SMTP_SECONDS)

    known, unknown = (statistics.median(seen) for seen in times.values())
    assert abs(known - unknown) < TIMING_BOUND_SECONDS, times
    assert max(times["cook@example.com"]) < SLOW_SMTP_SECONDS, times


def test_an_unreachable_smtp_server_costs_a_log_line_not_an_error(
    tmp_path: Path, database_url: URL
) -> None:
    # Bound and never listening: connecting to it is refused. The socket stays bound for
    # the whole test, so no other process can take its port.
    with socket.socket() as closed:
        closed.bind((HOST, 0))
        running, settings = start(tmp_path, database_url, **smtp_settings(closed.getsockname()[1]))
        with running as url:
            service = Service(url, settings, tmp_path / "server.log")
            service.api.signup("cook@example.com")
            assert service.recover("cook@example.com").status_code == 202
            assert service.api.call("GET", "/users/me").status_code == 401

            deadline = time.monotonic() + 10
            while "not sent" not in service.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            log = service.log.read_text()
    assert re.search(r"password reset mail to user \d+ not sent: .*refused", log), log
    assert "Traceback" not in log


def test_without_smtp_settings_recovery_and_reset_are_off(
    tmp_path: Path, database_url: URL
) -> None:
    running, _settings = start(tmp_path, database_url)
    with running as url:
        api = Api(url)
        recover = api.call("POST", "/password-recovery", json={"email": "cook@example.com"})
        reset = api.call("POST", "/reset-password", json={"token": "x", "new_password": "y"})
    for answer in (recover, reset):
        assert answer.status_code == 501, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == (
            "password recovery is off: this server has no SMTP settings"
        )
