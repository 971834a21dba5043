"""The SMTP settings: off unless SMTP_HOST is set, and refused when incomplete or unsafe."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Settings

SERVER = {"SMTP_HOST": "smtp.example.com", "EMAILS_FROM": "recipes@example.com"}


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, ENVIRONMENT="local", **values)


def test_mail_is_off_by_default_and_with_an_empty_host() -> None:
    assert not _settings().emails_enabled
    assert not _settings(SMTP_HOST="").emails_enabled


def test_a_host_and_a_sender_turn_mail_on_with_starttls_on_587() -> None:
    on = _settings(**SERVER)

    assert on.emails_enabled
    assert (on.SMTP_PORT, on.SMTP_TLS, on.SMTP_SSL) == (587, True, False)
    assert on.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES == 30


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SMTP_HOST": "smtp.example.com"}, "EMAILS_FROM must be set when SMTP_HOST is"),
        (SERVER | {"SMTP_SSL": True}, r"SMTP_TLS \(STARTTLS\) or SMTP_SSL, not both"),
        (SERVER | {"SMTP_TLS": False, "SMTP_USER": "mailer"}, "never send it in clear"),
        (SERVER | {"SMTP_PASSWORD": "secret"}, "SMTP_PASSWORD needs SMTP_USER"),
        (SERVER | {"SMTP_PORT": 0}, "greater than or equal to 1"),
        (SERVER | {"SMTP_PORT": 65536}, "less than or equal to 65535"),
        (SERVER | {"EMAILS_FROM": "not an address"}, "not a valid email address"),
        ({"PASSWORD_RESET_TOKEN_EXPIRE_MINUTES": 0}, "greater than or equal to 1"),
        ({"PASSWORD_RESET_TOKEN_EXPIRE_MINUTES": 1441}, "less than or equal to 1440"),
    ],
)
def test_incomplete_or_unsafe_smtp_settings_are_refused(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(**values)


def test_the_smtp_password_is_kept_out_of_the_settings_repr() -> None:
    values = SERVER | {"SMTP_USER": "mailer", "SMTP_PASSWORD": "hunter2 hunter2"}
    assert "hunter2" not in repr(_settings(**values))
