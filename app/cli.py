"""Command-line tools, on the database named by the settings (DATABASE_URL).

    python -m app.cli sample-data --recipes 100000 [--users 100] [--random-seed 42]

`sample-data` adds generated users and recipes (app/db/sample_data.py) to a database that
`alembic upgrade head` has built. Exit status: 0 done, 1 the database is not ready
(or the run was interrupted), 2 bad arguments.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from tqdm import tqdm

from app.core.config import PROJECT_DIR, describe_url
from app.db.sample_data import NoUsers, add_sample_data
from app.db.session import WriteSessionLocal, engine
from app.db.types import utcnow

MAX_RECIPES = 10_000_000
MAX_USERS = 1_000_000


class NotReady(Exception):
    """The database cannot take sample data yet; the message says what to do."""


def count_up_to(maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 0 to `maximum`."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = -1
        if not 0 <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from 0 to {maximum:,}, not {text!r}"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.cli", description="Tools for the recipe service's database."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sample_data = commands.add_parser(
        "sample-data",
        help="add generated users and recipes, for benchmarks and demos",
        description="Add generated users and recipes (after `alembic upgrade head`). "
        "Each batch is committed as it goes.",
    )
    sample_data.add_argument(
        "--recipes",
        type=count_up_to(MAX_RECIPES),
        default=1000,
        metavar="N",
        help="how many recipes to add (default: %(default)s)",
    )
    sample_data.add_argument(
        "--users",
        type=count_up_to(MAX_USERS),
        default=100,
        metavar="N",
        help="how many users to add; they submit the new recipes, or with 0 the users "
        "already there do (default: %(default)s)",
    )
    sample_data.add_argument(
        "--random-seed",
        type=int,
        metavar="N",
        help="seed of the random generator: the same seed gives the same rows "
        "(default: a random one, printed at the end)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The only command so far; dispatch on args.command when there are more.
    return run_sample_data(recipes=args.recipes, users=args.users, random_seed=args.random_seed)


def run_sample_data(*, recipes: int, users: int, random_seed: int | None) -> int:
    if random_seed is None:
        random_seed = random.SystemRandom().randrange(2**32)
    started = time.perf_counter()
    try:
        check_schema(engine)
        with (
            WriteSessionLocal() as db,
            tqdm(
                total=recipes,
                unit=" recipes",
                unit_scale=True,
                file=sys.stderr,
                disable=None,  # no bar unless stderr is a terminal
            ) as bar,
        ):
            result = add_sample_data(
                db,
                users=users,
                recipes=recipes,
                rng=random.Random(random_seed),
                until=utcnow(),
                on_progress=bar.update,
            )
    except (NotReady, NoUsers) as exc:
        print(f"sample-data: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(
            f"sample-data: database {describe_url(engine.url)} failed: {exc.orig}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("sample-data: interrupted; the batches committed so far stay", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(
        f"sample-data: added {result.users:,} users and {result.recipes:,} recipes "
        f"in {seconds:.1f} s ({result.recipes / seconds:,.0f} recipes/s) "
        f"to {describe_url(engine.url)}; --random-seed {random_seed} repeats them"
    )
    return 0


def check_schema(engine: Engine) -> None:
    """Raise NotReady unless the database is at the latest migration."""
    url: URL = engine.url
    where = describe_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # Connecting would create an empty file; say what is missing instead.
        if not Path(url.database).exists():
            raise NotReady(f"no database at {url.database}: run `alembic upgrade head` first")
    heads = set(ScriptDirectory.from_config(Config(PROJECT_DIR / "alembic.ini")).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        raise NotReady(f"database {where} has no schema: run `alembic upgrade head` first")
    if current != heads:
        raise NotReady(
            f"database {where} is at revision {', '.join(sorted(current))}, not the latest "
            f"({', '.join(sorted(heads))}): run `alembic upgrade head` first"
        )


if __name__ == "__main__":
    sys.exit(main())
