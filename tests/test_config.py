"""Settings that guard the accounts: no default secret outside ENVIRONMENT=local."""

import pytest
from pydantic import ValidationError

from app.core.config import DEFAULT_PASSWORD, Settings


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
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


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("5 per fortnight", "is not a rate limit"),
        ("five a minute", "is not a rate limit"),
        ("", "is not a rate limit"),
        ("5/minute;100/hour", "give one limit"),
        ("0/minute", "at least one attempt"),
    ],
)
def test_a_rate_limit_that_is_not_one_limit_is_refused(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Settings(_env_file=None, ENVIRONMENT="local", RATE_LIMIT_LOGIN_ADDRESS=value)


def test_rate_limits_default_to_the_documented_values() -> None:
    defaults = Settings(_env_file=None, ENVIRONMENT="local")

    assert defaults.RATE_LIMIT_LOGIN_ACCOUNT == "5/minute"
    assert defaults.RATE_LIMIT_LOGIN_ADDRESS == "20/minute"
    assert defaults.REDIS_URL is None
    assert defaults.TRUSTED_PROXIES == []
    assert Settings(_env_file=None, ENVIRONMENT="local", RATE_LIMIT_SIGNUP_ACCOUNT="3 per 2 hours")


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,fd00::/8")
    proxies = Settings(_env_file=None, ENVIRONMENT="local").TRUSTED_PROXIES
    assert [str(network) for network in proxies] == ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1/8")
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings(_env_file=None, ENVIRONMENT="local")


def test_redis_url_must_be_a_redis_url() -> None:
    with pytest.raises(ValidationError, match="redis:// or rediss://"):
        Settings(_env_file=None, ENVIRONMENT="local", REDIS_URL="http://127.0.0.1:6379")


def test_serving_settings_default_to_one_worker_no_budget_and_prepared_statements() -> None:
    defaults = Settings(_env_file=None, ENVIRONMENT="local")

    assert defaults.WORKERS == 1
    assert defaults.DB_CONNECTION_BUDGET is None
    assert defaults.DB_PREPARED_STATEMENTS is True
    assert defaults.PUBLIC_BASE_URL is None


@pytest.mark.parametrize("workers", [0, 65])
def test_workers_are_1_to_64(workers: int) -> None:
    with pytest.raises(ValidationError, match="WORKERS"):
        Settings(_env_file=None, ENVIRONMENT="local", WORKERS=workers)


def test_every_workers_pool_together_must_fit_the_connection_budget() -> None:
    fits = Settings(
        _env_file=None, ENVIRONMENT="local", WORKERS=4, DB_POOL_SIZE=10, DB_CONNECTION_BUDGET=40
    )
    assert fits.instance_connection_limit == 40

    with pytest.raises(ValidationError) as caught:
        Settings(
            _env_file=None,
            ENVIRONMENT="local",
            WORKERS=4,
            DB_POOL_SIZE=10,
            DB_MAX_OVERFLOW=2,
            DB_CONNECTION_BUDGET=40,
        )
    assert (
        "WORKERS=4 × (DB_POOL_SIZE=10 + DB_MAX_OVERFLOW=2) = 48 connections, "
        "over DB_CONNECTION_BUDGET=40"
    ) in str(caught.value)


def test_an_empty_budget_or_public_url_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CONNECTION_BUDGET", "")
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    loaded = Settings(_env_file=None, ENVIRONMENT="local")

    assert loaded.DB_CONNECTION_BUDGET is None
    assert loaded.PUBLIC_BASE_URL is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://recipes.example.com", "https://recipes.example.com"),
        ("https://Recipes.Example.com/", "https://recipes.example.com"),
        ("http://127.0.0.1:8443", "http://127.0.0.1:8443"),
        ("https://[2001:db8::1]:8443/", "https://[2001:db8::1]:8443"),
    ],
)
def test_a_public_base_url_is_a_scheme_and_a_host(value: str, kept: str) -> None:
    loaded = Settings(_env_file=None, ENVIRONMENT="local", PUBLIC_BASE_URL=value)
    assert loaded.PUBLIC_BASE_URL == kept


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("recipes.example.com", "not an http:// or https:// URL"),
        ("ftp://recipes.example.com", "not an http:// or https:// URL"),
        ("https://", "not an http:// or https:// URL"),
        ("https://recipes.example.com/recipes", "path prefix is not supported"),
        ("https://recipes.example.com/?x=1", "path prefix is not supported"),
        ("https://recipes.example.com/#top", "path prefix is not supported"),
        ("https://cook:secret@recipes.example.com", "no user name or password"),
        ("https://recipes.example.com:99999", "invalid port"),
        ("https://récettes.example", "xn-- form"),
    ],
)
def test_any_other_public_base_url_is_refused(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Settings(_env_file=None, ENVIRONMENT="local", PUBLIC_BASE_URL=value)
