"""Schemathesis over the app's own OpenAPI document: every operation, all checks.

In process (ASGI, no server), on every engine, on a fresh, migrated database that the
requests really commit to. First the coverage phase, signed in as a superuser: each
operation's boundary values (lengths and numbers at and just past each limit), missing,
extra and repeated parameters, and methods the path does not document (a 405 naming
exactly the documented ones; what OPTIONS advertises). Then each operation gets random
schema-valid and schema-invalid cases, signed in as a superuser and anonymously; then
the stateful phase follows the document's links (create, then get, update, delete what
was created). Any failed check fails the test: a 5xx, a response that contradicts the
schema, an undocumented status, a valid input refused or an invalid one accepted.
Afterwards no row may point at a missing one.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from alembic import command
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import TypeAdapter, ValidationError
from schemathesis import Case, GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from app.api import ratelimit
from app.api.deps import get_database, get_db, session_dependency
from app.core import security
from app.core.config import settings
from app.db.session import Database, make_engine
from app.main import app
from app.models import User
from app.schemas.quantity import MAX_DENOMINATOR, MAX_QUANTITY, format_quantity
from app.schemas.user import Email
from tests.utils.auth import auth_headers
from tests.utils.factories import make_superuser
from tests.utils.mail import HOST, smtp_server
from tests.utils.migrations import alembic_config

# A valid request may still be refused because of what is stored: 404, 409, and 412
# (an If-Match that is well formed but not the current ETag) besides schemathesis's
# defaults. Every other check keeps its defaults. The coverage phase also sends each
# query parameter twice, the second time out of bounds.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"generate-duplicate-query-parameters": True}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
            }
        },
    }
)


def _accepted_email(value: str) -> bool:
    try:
        TypeAdapter(Email).validate_python(value)
    except ValidationError:
        return False
    return True


# The document says special-use domains are refused (app/schemas/user.py), which the
# `email` format cannot express; schemathesis's addresses use .test and .example.
PUBLIC_EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z0-9]([a-z0-9._+-]{0,30}[a-z0-9])?", fullmatch=True),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["com", "org", "net", "io", "dev", "info"]),
).filter(_accepted_email)
schemathesis.openapi.format("email", PUBLIC_EMAILS)
# A quantity's bounds (more than 0, at most MAX_QUANTITY, a denominator of at most
# MAX_DENOMINATOR) are told in words: the `quantity` format stands for them.
QUANTITIES = st.fractions(
    min_value=Fraction(1, MAX_DENOMINATOR), max_value=MAX_QUANTITY, max_denominator=MAX_DENOMINATOR
).map(format_quantity)
schemathesis.openapi.format("quantity", QUANTITIES)
# A page "holding a schema.org Recipe" is more than any schema can say: the import's
# text/html body is one of the saved pages in tests/fixtures/.
SAVED_PAGES = [
    page.read_bytes() for page in sorted((Path(__file__).parent / "fixtures").glob("recipe_*.html"))
]
schemathesis.openapi.media_type("text/html", st.sampled_from(SAVED_PAGES))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]

# Cases per operation and mode. derandomize: the same cases every run (a fixed seed).
SIGNED_IN_EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 40}
ANONYMOUS_EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
STATEFUL_SCENARIOS = 40

# Argon2id at full cost is a third of a second per hash, by design; the fuzzer signs up
# and logs in hundreds of times. The same code path with the cheapest parameters.
CHEAP_HASH = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def _settings(max_examples: int, **extra: Any) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **extra,
    )


@pytest.fixture
def fuzz_engine(database_url: URL, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The app on a fresh database of its own, committing for real."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
    monkeypatch.setattr(security, "password_hash", CHEAP_HASH)
    monkeypatch.setattr(security, "_dummy_hash", lambda: CHEAP_HASH.hash("dummy"))
    database = Database(engine)
    app.dependency_overrides[get_db] = session_dependency(database)
    app.dependency_overrides[get_database] = lambda: database
    try:
        yield engine
    finally:
        app.dependency_overrides.clear()
        engine.dispose()


@pytest.fixture
def recovery_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Password recovery on, mailing an SMTP server of the test's own."""
    with smtp_server() as mailbox:
        monkeypatch.setattr(settings, "SMTP_HOST", HOST)
        monkeypatch.setattr(settings, "SMTP_PORT", mailbox.port)
        monkeypatch.setattr(settings, "SMTP_TLS", False)
        monkeypatch.setattr(settings, "EMAILS_FROM", "recipes@example.com")
        yield


def _admin(engine: Engine) -> User:
    with Session(engine, expire_on_commit=False) as session:
        return make_superuser(session)


def _leaves_the_admin_alone(admin: User) -> Callable[[Case[Any]], bool]:
    """The fuzzer's own account is not deleted or demoted under it (the rest of the
    run would be 401s and 403s)."""

    def check(case: Case[Any]) -> bool:
        targets_admin = str((case.path_parameters or {}).get("user_id")) == str(admin.id)
        return not (targets_admin and case.method.upper() in ("DELETE", "PATCH"))

    return check


def _refused_for_what_is_stored(case: Case[Any], response: Any) -> bool:
    """A valid request that the stored rows make impossible, answered as the API
    documents: scaling a recipe that does not say how many it serves is a 422 naming
    `servings` (404, 409 and 412, the other such answers, are in CONFIG)."""
    if response.status_code != 422 or "servings" not in (case.query or {}):
        return False
    errors = response.json().get("errors") or []
    return [error["field"] for error in errors] == ["servings"] and (
        "does not say how many it serves" in errors[0]["msg"]
    )


def _call_and_validate(case: Case[Any], headers: dict[str, str] | None) -> None:
    response = case.call(headers=headers)
    stored = _refused_for_what_is_stored(case, response)
    case.validate_response(
        response, headers=headers, excluded_checks=[positive_data_acceptance] if stored else None
    )


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    count: int,
    headers: dict[str, str] | None,
    spare_admin: Callable[[Case[Any]], bool],
    counts: Counter[str],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @_settings(count)
    def run(case: Case[Any]) -> None:
        hypothesis.assume(spare_admin(case))
        if mode is GenerationMode.POSITIVE:
            # A cursor is opaque: only one a list handed out is valid, which no schema
            # can say. Made-up ones are still sent in the negative mode (422 expected);
            # tests/api/test_lists.py follows real ones.
            hypothesis.assume("cursor" not in (case.query or {}))
        _call_and_validate(case, headers)
        counts[f"{operation.method.upper()} {operation.path}"] += 1

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this operation can be made invalid (GET /users/me takes only an
        # If-None-Match, and every string is one).
        if mode is not GenerationMode.NEGATIVE:
            raise


def _sign_in(engine: Engine, admin: User, headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` (new ones without) signing in as `admin` in a new session: the fuzzer
    may have ended the one before (POST /logout)."""
    with Session(engine, expire_on_commit=False) as session:
        fresh = auth_headers(session.get_one(User, admin.id))
    if headers is None:
        return fresh
    headers.update(fresh)
    return headers


def _ends_sessions(operation: Any) -> bool:
    return bool(operation.path.endswith("/logout"))


def _run_coverage(engine: Engine, admin: User, counts: Counter[str], failures: list[str]) -> None:
    signed_in = _sign_in(engine, admin)
    spare_admin = _leaves_the_admin_alone(admin)
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    for operation in OPERATIONS:
        config = SCHEMA.config.generation_for(operation=operation, phase="coverage")
        for case in SCHEMA.iter_coverage_cases(
            operation, generation_modes=modes, generation_config=config
        ):
            meta = case.meta
            positive = meta is not None and meta.generation.mode is GenerationMode.POSITIVE
            if not spare_admin(case) or (positive and "cursor" in (case.query or {})):
                continue  # see _fuzz
            # Collected, not raised: every failing case shows at once.
            try:
                _call_and_validate(case, signed_in)
            except (AssertionError, FailureGroup) as failure:
                failures.append(f"{case.method} {case.formatted_path}: {failure}")
            counts[f"coverage {operation.method.upper()} {operation.path}"] += 1
            if _ends_sessions(operation):
                _sign_in(engine, admin, signed_in)


def _run_operations(engine: Engine, admin: User, counts: Counter[str]) -> None:
    signed_in = _sign_in(engine, admin)
    spare_admin = _leaves_the_admin_alone(admin)
    for operation in OPERATIONS:
        for headers, examples in ((signed_in, SIGNED_IN_EXAMPLES), (None, ANONYMOUS_EXAMPLES)):
            for mode, count in examples.items():
                _fuzz(operation, mode, count, headers, spare_admin, counts)
                if _ends_sessions(operation):
                    _sign_in(engine, admin, signed_in)


def _run_stateful(engine: Engine, admin: User, counts: Counter[str], failures: list[str]) -> None:
    signed_in = _sign_in(engine, admin)
    spare_admin = _leaves_the_admin_alone(admin)

    class SignedIn(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every scenario starts from the same rows (ids are reused on SQLite) and
            # with no attempts counted against the rate limits (sign-ups allow 20 a
            # minute, which a replay would otherwise meet at another step), so the same
            # choices meet the same answers, as Hypothesis requires.
            ratelimit.storage.reset()
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM recipes"))
                connection.execute(text("DELETE FROM tags"))
                connection.execute(text("DELETE FROM users WHERE id <> :id"), {"id": admin.id})

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"headers": signed_in}

        def before_call(self, case: Case[Any]) -> None:
            if not spare_admin(case):
                case.path_parameters = {**(case.path_parameters or {}), "user_id": 2**31 - 1}
            if case.query:
                case.query.pop("cursor", None)  # made up: opaque cursors, see _fuzz

        def after_call(self, response: Any, case: Case[Any]) -> None:
            counts["stateful"] += 1
            if _ends_sessions(case.operation):
                _sign_in(engine, admin, signed_in)

        def validate_response(
            self, response: Any, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # Collected, not raised: a failing scenario replayed against a database the
            # first run changed would take other branches, which Hypothesis reports as
            # a flaky strategy instead of the failure.
            try:
                if _refused_for_what_is_stored(case, response):
                    case.validate_response(
                        response,
                        additional_checks=additional_checks,
                        excluded_checks=[positive_data_acceptance],
                        transport_kwargs=kwargs or None,
                    )
                else:
                    super().validate_response(response, case, additional_checks, **kwargs)
            except AssertionError as failure:
                failures.append(f"{case.method} {case.formatted_path}: {failure}")

    SignedIn.run(settings=_settings(STATEFUL_SCENARIOS, stateful_step_count=8))


def _orphans(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        found = list(
            connection.execute(
                text("SELECT id FROM recipes WHERE submitter_id NOT IN (SELECT id FROM users)")
            )
        )
        if engine.dialect.name == "sqlite":
            found += list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
    return found


@pytest.mark.usefixtures("recovery_on")
def test_fuzz_every_operation(fuzz_engine: Engine) -> None:
    admin = _admin(fuzz_engine)
    counts: Counter[str] = Counter()
    failures: list[str] = []

    _run_coverage(fuzz_engine, admin, counts, failures)
    _run_operations(fuzz_engine, admin, counts)
    _run_stateful(fuzz_engine, admin, counts, failures)

    print(f"\nschemathesis: {sum(counts.values())} requests", dict(sorted(counts.items())))
    assert failures == [], "\n\n".join(failures)
    assert _orphans(fuzz_engine) == []
    # Every operation was reached in both phases, and the stateful phase made requests.
    coverage = [name for name in counts if name.startswith("coverage ")]
    assert len(coverage) == len(OPERATIONS)
    assert len([name for name in counts if name != "stateful"]) == 2 * len(OPERATIONS)
    assert counts["stateful"] > STATEFUL_SCENARIOS
