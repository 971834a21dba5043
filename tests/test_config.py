"""Settings that guard the accounts: no default secret outside ENVIRONMENT=local."""

import pytest
from pydantic import ValidationError

from app.core.config import DEFAULT_PASSWORD, Settings


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "FIRST_SUPERUSER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_environment_is_production_and_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set when ENVIRONMENT=production"):
        Settings(_env_file=None)

    real = Settings(_env_file=None, SECRET_KEY="k" * 32, FIRST_SUPERUSER_PASSWORD="not the default")
    assert real.ENVIRONMENT == "production"


def test_local_accepts_the_defaults_with_a_random_key_per_process() -> None:
    first = Settings(_env_file=None, ENVIRONMENT="local")
    second = Settings(_env_file=None, ENVIRONMENT="local")

    assert first.FIRST_SUPERUSER_PASSWORD == DEFAULT_PASSWORD
    assert len(first.SECRET_KEY.encode()) >= 32
    assert first.SECRET_KEY != second.SECRET_KEY


def test_a_secret_key_under_32_bytes_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(_env_file=None, ENVIRONMENT="local", SECRET_KEY="k" * 31)
