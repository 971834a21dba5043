"""Before and after: this checkout's service against another commit's, on the same data.

    .venv/bin/python -m bench.compare REV [--endpoint NAME ...] [--rounds 3] [--duration 10]

REV's files are written out into bench/data/before (`git archive`). Each side gets its own
copy of one generated database, migrated by its own code. Every round measures each
endpoint on both services in alternating order, one uvicorn worker pinned to core 0 and
wrk to core 1, as bench/run.py does. Results go to bench/results/compare.{json,md}.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from bench.run import (
    DATA,
    ENDPOINTS,
    PROJECT,
    RESULTS,
    Context,
    Run,
    forget_created,
    serve,
    sign_up,
    working_copy,
    wrk,
)

COMPARED = ("get by id", "list page 1 (100)", "home page", "create")


def checkout(rev: str, tree: Path = DATA / "before") -> Path:
    """`rev`'s files in `tree` (emptied first), written out by `git archive`: only read
    from the repository, whose branches, index and worktrees stay as they are."""
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", rev], cwd=PROJECT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {rev} failed with {archive.returncode}")
    return tree


def migrated_copy(source: Path, name: str, project: Path) -> Path:
    """A copy of `source` brought to `project`'s newest migration by `project` itself."""
    copy = working_copy(source, name)
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=project,
        env=os.environ | {"DATABASE_URL": f"sqlite:///{copy}", "ENVIRONMENT": "local"},
        check=True,
    )
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the commit to compare this checkout with")
    parser.add_argument("--recipes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--endpoint", action="append", choices=COMPARED, help="only these (repeatable)"
    )
    args = parser.parse_args(argv)
    random.seed(1)
    before_tree = checkout(args.rev)
    # The older code generates the data with its own command; the newer one migrates it.
    made = subprocess.run(
        [sys.executable, "-c", "import sys; from bench.run import database; "
         "print(database(int(sys.argv[1])))", str(args.recipes)],
        cwd=before_tree, env=os.environ | {"ENVIRONMENT": "local"},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seeded = Path(made.stdout.strip().splitlines()[-1])
    dbs = {
        "before": migrated_copy(seeded, "before", before_tree),
        "after": migrated_copy(seeded, "after", PROJECT),
    }
    endpoints = [e for e in ENDPOINTS if e.name in (args.endpoint or COMPARED)]
    runs: list[Run] = []
    with (
        serve("before", "app.main:app", dbs["before"], project=before_tree) as before,
        serve("after", "app.main:app", dbs["after"]) as after,
    ):
        servers = {"before": before, "after": after}
        contexts = {
            name: Context(args.recipes, args.recipes, sign_up(server), db=dbs[name])
            for name, server in servers.items()
        }
        for number in range(args.rounds + 1):  # round 0 is the warm-up
            for endpoint in endpoints:
                order = ("before", "after") if number % 2 else ("after", "before")
                for name in order:
                    context = contexts[name]
                    result = wrk(
                        servers[name],
                        endpoint.paths(context),
                        args.warmup if number == 0 else args.duration,
                        method=endpoint.method,
                        token=context.token,
                    )
                    if endpoint.method == "POST":
                        forget_created(dbs[name], args.recipes)
                    if number == 0:
                        continue
                    runs.append(Run(endpoint.name, name, number, **result))  # type: ignore[arg-type]
                    print(
                        f"round {number} {endpoint.name:20} {name:6} {result['rps']:8.0f} req/s"
                        f"  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms",
                        flush=True,
                    )
    rows = []
    for endpoint in endpoints:
        row: dict[str, object] = {"endpoint": endpoint.name}
        for name in ("before", "after"):
            mine = [r for r in runs if r.endpoint == endpoint.name and r.server == name]
            row[name] = {
                "rps": [r.rps for r in mine],
                "p50_ms": statistics.median(r.p50_ms for r in mine),
                "p99_ms": statistics.median(r.p99_ms for r in mine),
                "cpu_us": statistics.median(r.cpu_us for r in mine),
                "non_2xx": sum(r.non_2xx for r in mine),
            }
        rows.append(row)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare.json").write_text(
        json.dumps(
            {"rev": args.rev, "settings": vars(args), "runs": [asdict(r) for r in runs]}, indent=2
        )
        + "\n"
    )
    table = markdown(args.rev, rows)
    (RESULTS / "compare.md").write_text(table)
    print(table)
    return 0


def markdown(rev: str, rows: list[dict[str, object]]) -> str:
    lines = [
        f"Before ({rev}) and after, req/s per round (median), p99 and CPU per request.",
        "",
        "| endpoint | before req/s | after req/s | after/before | p99 before → after, ms "
        "| CPU µs before → after | non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        b, a = row["before"], row["after"]
        assert isinstance(b, dict) and isinstance(a, dict)
        b_med, a_med = statistics.median(b["rps"]), statistics.median(a["rps"])
        lines.append(
            f"| {row['endpoint']} | {b_med:,.0f} ({', '.join(f'{x:,.0f}' for x in b['rps'])}) "
            f"| {a_med:,.0f} ({', '.join(f'{x:,.0f}' for x in a['rps'])}) "
            f"| {a_med / b_med:.2f} | {b['p99_ms']:.1f} → {a['p99_ms']:.1f} "
            f"| {b['cpu_us']:.0f} → {a['cpu_us']:.0f} | {b['non_2xx'] + a['non_2xx']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
