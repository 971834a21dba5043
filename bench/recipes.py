"""The benchmark for real recipes (issue 13): a whole recipe and a list page with tags
against raw ceilings serving the same documents and against the flat get of before,
search by an ingredient word as the table grows, and the sample data's build time; and
the HTML recipe page (issue 14) against the ceiling's JSON get of the same recipes.

    .venv/bin/python -m bench.recipes [--rounds 3] [--duration 10] [--before b52500b]
    .venv/bin/python -m bench.recipes --keep-data --only get,page --output site

Every measurement is one uvicorn worker pinned to core 0 and wrk (1 thread, 16
connections) pinned to core 1, as in bench/run.py. Four servers run side by side, each
idle while another is measured:
- service: this checkout, on the database of `--recipes` generated recipes;
- ceiling: bench/raw_app.py on the same file, serving the same documents with the same
  statements (compared before measuring; any difference is reported);
- before: commit `--before`'s code (written out with `git archive`), on a database
  its own code generated and migrated, with as many recipes: the flat recipe it served;
- service 1k: this checkout on 1,000 recipes from the same generator and seed.
`--only` measures some of the rows, and starts only the servers they need.
Every round measures each row on its servers one after the other, in reverse order
every other round, so each ratio compares runs made seconds apart. Results go to
bench/results/recipes.json and recipes.md (`--output` names them otherwise).
"""

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

import requests

from bench.compare import checkout
from bench.run import (
    BENCH,
    CONNECTIONS,
    DATA,
    LOAD_CORE,
    PROJECT,
    RESULTS,
    SERVER_CORE,
    STOPWORDS,
    Run,
    Server,
    build_time,
    database,
    measured,
    serve,
    working_copy,
    wrk,
)

BEFORE = "b52500b"
SMALL = 1_000
WORDS_PER_KIND = 8
# A rare word is in at most this share of the recipes (0.1%: 100 of 100,000).
RARE_SHARE = 0.001

GET = "get by id, 10 ingredients, 8 steps, 3 tags"
FLAT = "get by id, flat recipe (before)"
LIST = "list page 1 (100) with tags"
SEARCH = "search, {kind} ingredient word"
FILTER = "ingredient filter, {kind} word"
PAGE = "recipe page (HTML), 10 ingredients, 8 steps, 3 tags"
KINDS = ("rare", "common")
# What `--only` takes: get and page measure the ceiling's get too, flat needs before,
# search and filter need service 1k.
CHOICES = ("get", "flat", "list", "search", "filter", "page")


@dataclass
class Row:
    """One measured request shape on one server."""

    name: str
    server: str
    paths: list[str]


def food_words(db: Path) -> set[str]:
    """The words of the ingredients' foods."""
    words: set[str] = set()
    with closing(sqlite3.connect(db)) as connection:
        for (foods,) in connection.execute(
            "SELECT foods_text FROM recipes WHERE foods_text IS NOT NULL"
        ):
            words.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", foods))
    return words - STOPWORDS


def matches(db: Path, words: list[str]) -> dict[str, dict[str, int]]:
    """How many recipes each word finds, as the service asks FTS5: by search (a word
    starting with it in any column) and by the ingredient filter (in the foods)."""
    count = "SELECT count(*) FROM recipes_fts WHERE recipes_fts MATCH ?"
    with closing(sqlite3.connect(db)) as connection:
        return {
            word: {
                "search": connection.execute(count, (f'"{word}"*',)).fetchone()[0],
                "filter": connection.execute(count, (f'{{foods_text}}: ("{word}"*)',)).fetchone()[
                    0
                ],
            }
            for word in words
        }


def pick_words(found: dict[str, dict[str, int]], recipes: int) -> dict[str, list[str]]:
    """The food words search finds in the most recipes, and the rare ones: in at most
    RARE_SHARE of the recipes or, when none is that rare, the fewest."""
    ranked = sorted(found, key=lambda word: (-found[word]["search"], word))
    fewest = ranked[::-1]
    rare = [w for w in fewest if found[w]["search"] <= max(RARE_SHARE * recipes, 1)]
    return {"common": ranked[:WORDS_PER_KIND], "rare": (rare or fewest)[:WORDS_PER_KIND]}


def lists_made(db: Path, generated: int) -> dict[str, float]:
    """What the generator gave its recipes (ids 1 to `generated`): how many have lists,
    and their mean lengths."""
    with closing(sqlite3.connect(db)) as connection:

        def mean_of(table: str) -> float:
            (rows,) = connection.execute(
                f"SELECT count(*) FROM {table} WHERE recipe_id <= ?", (generated,)
            ).fetchone()
            return float(rows) / max(generated, 1)

        (with_lines,) = connection.execute(
            "SELECT count(DISTINCT recipe_id) FROM recipe_ingredients WHERE recipe_id <= ?",
            (generated,),
        ).fetchone()
        (tags,) = connection.execute("SELECT count(*) FROM tags").fetchone()
        return {
            "recipes_with_ingredients": with_lines,
            "ingredients_per_recipe": mean_of("recipe_ingredients"),
            "steps_per_recipe": mean_of("recipe_steps"),
            "tags_per_recipe": mean_of("recipe_tags"),
            "tags": tags,
        }


def count_statements(tree: Path, db: Path, paths: list[str]) -> dict[str, Any]:
    """The statements `tree`'s service sends to SQLite for each path (bench/inside.py),
    on a copy of `db`."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "inside.py"), "statements", *paths],
        cwd=tree,
        env=os.environ
        | {"DATABASE_URL": f"sqlite:///{working_copy(db, 'statements')}", "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def same_documents(service: Server, ceiling: Server, paths: list[str]) -> list[str]:
    """Where the ceiling's answer differs from the service's (body or Link header)."""
    differences = []
    for path in paths:
        mine, raw = (requests.get(s.url + path, timeout=30) for s in (service, ceiling))
        if mine.status_code != 200 or mine.json() != raw.json():
            differences.append(f"{path}: {mine.status_code} {mine.text[:300]} | {raw.text[:300]}")
        elif mine.headers.get("link") != raw.headers.get("link"):
            differences.append(
                f"{path}: Link {mine.headers.get('link')} | {raw.headers.get('link')}"
            )
    return differences


def pages_differ(service: Server, paths: list[str]) -> list[str]:
    """The recipe pages that are not a whole HTML page with the recipe's JSON-LD."""
    wrong = []
    for path in paths:
        page = requests.get(service.url + path, timeout=30)
        if (
            page.status_code != 200
            or not page.headers.get("content-type", "").startswith("text/html")
            or '<script type="application/ld+json">' not in page.text
            or not page.text.rstrip().endswith("</html>")
        ):
            wrong.append(f"{path}: {page.status_code} {page.text[:300]}")
    return wrong


def measure(
    servers: dict[str, Server], groups: list[list[Row]], args: argparse.Namespace
) -> list[Run]:
    """Every group's rows one after the other, a warm-up first, then `args.rounds`
    rounds, each row's order within its group reversed every other round. wrk waits up
    to 30 s for an answer: the slowest rows take seconds under 16 connections, and with
    its default 2 s they would count timeouts instead of their latency."""
    runs: list[Run] = []
    for number in range(args.rounds + 1):  # round 0 is the warm-up
        for group in groups:
            for row in group if number % 2 else group[::-1]:
                seconds = args.warmup if number == 0 else args.duration
                result = wrk(
                    servers[row.server], row.paths, seconds, method="GET", token="", timeout=30
                )
                if number == 0:
                    continue
                runs.append(Run(row.name, row.server, number, **result))  # type: ignore[arg-type]
                print(
                    f"round {number} {row.name:46} {row.server:10} {result['rps']:8.0f} req/s"
                    f"  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms",
                    flush=True,
                )
    return runs


def _of(runs: list[Run], name: str, server: str) -> dict[int, Run]:
    return {r.round: r for r in runs if r.endpoint == name and r.server == server}


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratio(
    runs: list[Run], top: tuple[str, str], bottom: tuple[str, str], of: Callable[[Run], float]
) -> dict[str, float]:
    """`of` the `top` run over `of` the `bottom` run of the same round: median, min, max."""
    above, below = _of(runs, *top), _of(runs, *bottom)
    return _spread([of(above[n]) / of(below[n]) for n in above if of(below[n])])


def summarise(runs: list[Run]) -> list[dict[str, Any]]:
    rows = []
    for name, server in dict.fromkeys((r.endpoint, r.server) for r in runs):
        mine = list(_of(runs, name, server).values())
        rows.append({
            "endpoint": name,
            "server": server,
            "rps": statistics.median(r.rps for r in mine),
            "rps_per_round": [r.rps for r in mine],
            "p50_ms": statistics.median(r.p50_ms for r in mine),
            "p99_ms": statistics.median(r.p99_ms for r in mine),
            "cpu_us": statistics.median(r.cpu_us for r in mine),
            "non_2xx": sum(r.non_2xx for r in mine),
            "socket_errors": sum(r.socket_errors for r in mine),
        })  # fmt: skip
    return rows


def _percent(value: dict[str, float]) -> str:
    return f"{value['median']:.1%} ({value['min']:.1%}–{value['max']:.1%})"


def _times(value: dict[str, float]) -> str:
    return f"{value['median']:.2f}× ({value['min']:.2f}–{value['max']:.2f}×)"


def targets(
    runs: list[Run], build: dict[str, Any], generated: dict[str, float], only: set[str]
) -> list[dict[str, Any]]:
    """The issues' targets for the rows measured (`only`), each with what was measured,
    as numbers and as text, and whether it is met (None: the data cannot tell)."""
    rps, p50, p99 = attrgetter("rps"), attrgetter("p50_ms"), attrgetter("p99_ms")
    found: list[dict[str, Any]] = []
    if {"get", "flat"} <= only:
        get_flat = ratio(runs, (GET, "service"), (FLAT, "before"), rps)
        found.append({
            "target": "get by id ≥ 60% of the flat get's req/s (issue 13)",
            "measured": get_flat,
            "shown": _percent(get_flat),
            "met": get_flat["median"] >= 0.60,
        })  # fmt: skip
    if "get" in only:
        get_ceiling = ratio(runs, (GET, "service"), (GET, "ceiling"), rps)
        found.append({
            "target": "get by id ≥ 6% of its ceiling's req/s (issue 13)",
            "measured": get_ceiling,
            "shown": _percent(get_ceiling),
            "met": get_ceiling["median"] >= 0.06,
        })  # fmt: skip
    if "list" in only:
        list_ceiling = ratio(runs, (LIST, "service"), (LIST, "ceiling"), rps)
        found.append({
            "target": "list page of 100 with tags ≥ 15% of its ceiling's req/s (issue 13)",
            "measured": list_ceiling,
            "shown": _percent(list_ceiling),
            "met": list_ceiling["median"] >= 0.15,
        })  # fmt: skip
    if "search" in only:
        rare = SEARCH.format(kind="rare")
        growth = {
            "p50": ratio(runs, (rare, "service"), (rare, "service 1k"), p50),
            "p99": ratio(runs, (rare, "service"), (rare, "service 1k"), p99),
        }
        found.append({
            "target": "search by a rare ingredient word: latency at 100k < 3× at 1k (issue 13)",
            "measured": growth,
            "shown": f"p50 {_times(growth['p50'])}; p99 {_times(growth['p99'])}",
            "met": growth["p50"]["median"] < 3,
        })  # fmt: skip
    if "page" in only:
        found.append(_page_target(runs, int(build["recipes"])))
    if only != set(CHOICES):  # the build belongs to the full run, with new data
        return found
    seconds = float(build["seconds"])
    # Without lists, or with fewer recipes, the generator's time says nothing about it.
    with_lists = generated["recipes_with_ingredients"] > 0
    comparable = with_lists and build["recipes"] >= 100_000
    return [
        *found,
        {
            "target": "sample data: 100,000 recipes with their lists < 60 s on SQLite (issue 13)",
            "measured": {
                "seconds": seconds,
                "cpu_seconds": build.get("cpu_seconds"),
                "recipes": build["recipes"],
            },
            "shown": f"{seconds:.1f} s for {build['recipes']:,} recipes"
            + (f" ({build['cpu_seconds']:.1f} s of CPU)" if "cpu_seconds" in build else "")
            + ("" if with_lists else ", without lists"),
            "met": seconds < 60 if comparable else None,
        },
    ]


def _page_target(runs: list[Run], recipes: int) -> dict[str, Any]:
    """Issue 14's: the recipe page against the ceiling's JSON get of the same recipes,
    and the page's p99, both round by round."""
    to_ceiling = ratio(runs, (PAGE, "service"), (GET, "ceiling"), attrgetter("rps"))
    p99 = _spread([run.p99_ms for run in _of(runs, PAGE, "service").values()])
    at_scale = recipes >= 100_000
    return {
        "target": "recipe page ≥ 3% of the raw get ceiling's req/s, p99 < 120 ms "
        "at 100,000 recipes (issue 14)",
        "measured": {"ratio": to_ceiling, "p99_ms": p99},
        "shown": f"{_percent(to_ceiling)}; p99 {p99['median']:.1f} ms "
        f"({p99['min']:.1f}–{p99['max']:.1f} ms)",
        "met": to_ceiling["median"] >= 0.03 and p99["median"] < 120 if at_scale else None,
    }


def machine() -> dict[str, Any]:
    model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "cpu": model[1] if model else platform.processor(),
        "cpus": os.cpu_count(),
        "memory_gib": round(int(memory[1]) / 2**20, 1) if memory else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "server_core": SERVER_CORE,
        "load_core": LOAD_CORE,
        "wrk": f"1 thread, {CONNECTIONS} connections",
    }


def commit(paths: tuple[str, ...] = ("app", "alembic")) -> dict[str, Any]:
    """The commit measured, and which of `paths` the working tree had changed on top of
    it."""

    def git(*args: str) -> list[str]:
        done = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True)
        return done.stdout.splitlines()

    # By default the service's own code, app/ and its migrations, as "XY path" (new files
    # included).
    changed = git("status", "--porcelain", "--", *paths)
    return {
        "head": git("rev-parse", "--short", "HEAD")[0],
        "changed": [line[3:] for line in changed],
    }


def _load(results: dict[str, Any], when: str) -> str:
    return ", ".join(f"{value:.1f}" for value in results["load_average"][when])


def _others(results: dict[str, Any]) -> str:
    """How many recipes the other servers measured hold, in parentheses, if any ran."""
    only = set(results.get("only", CHOICES))
    others = [f"{results['before_recipes']:,} for before"] if "flat" in only else []
    others += [f"{SMALL:,} for service 1k"] if only & {"search", "filter"} else []
    return f" ({', '.join(others)})" if others else ""


def runs_table(
    summary: list[dict[str, Any]], server: str = "server", cpu: str = "CPU µs/req"
) -> list[str]:
    """The summary's rows as a Markdown table; `server` and `cpu` head those columns."""
    lines = [
        f"| Request | {server} | req/s | p50 ms | p99 ms | {cpu} | non-2xx | socket errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summary:
        lines.append(
            f"| {row['endpoint']} | {row['server']} | {row['rps']:,.0f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['cpu_us']:,.0f} | {row['non_2xx']} "
            f"| {row['socket_errors']} |"
        )
    return lines


def targets_table(targets: list[dict[str, Any]]) -> list[str]:
    """The targets, each with what was measured and whether it was met."""
    verdict = {True: "met", False: "missed", None: "not measured"}
    lines = ["| Target | Measured | |", "| --- | --- | --- |"]
    for target in targets:
        lines.append(f"| {target['target']} | {target['shown']} | {verdict[target['met']]} |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    settings, made = results["settings"], results["sample_data"]
    commit, only = results["commit"], set(results.get("only", CHOICES))
    lines = [
        f"{results['date']}, commit {commit['head']}"
        + (
            f" with the working tree's changes to {', '.join(commit['changed'])}"
            if commit["changed"]
            else ""
        )
        + (f" against {results['before']} (the flat get)" if "flat" in only else "")
        + f"; {results['machine']['cpus']} cores "
        f"({results['machine']['cpu']}), server on core {SERVER_CORE}, wrk on core "
        f"{LOAD_CORE}. Rows measured: {', '.join(sorted(only))}. "
        f"{results['recipes']:,} recipes{_others(results)}; {settings['rounds']} rounds of "
        f"{settings['duration']:g} s; medians over the rounds, ratios taken round by round "
        f"(min–max). Load average (1, 5, 15 min) before the rounds {_load(results, 'before')}, "
        f"after {_load(results, 'after')}.",
        "",
        f"Sample data: {made['recipes_with_ingredients']:,} of {made['recipes']:,} generated "
        f"recipes have ingredients; per recipe {made['ingredients_per_recipe']:.1f} "
        f"ingredients, {made['steps_per_recipe']:.1f} steps, {made['tags_per_recipe']:.1f} "
        f"tags ({made['tags']} tags in all). Recipes of the measured shape: "
        f"{results['measured_recipes']['with_the_shape']:,}, the get rotates over "
        f"{results['measured_recipes']['rotated_over']:,}.",
        "",
    ]
    lines += runs_table(results["summary"])
    lines += ["", *targets_table(results["targets"])]
    if results["words"]:
        growth = f"{SMALL:,} → {results['recipes']:,} recipes"
        lines += ["", f"| Words | recipes each finds by search, {growth} |", "| --- | --- |"]
    for kind in KINDS if results["words"] else ():
        found = [
            f"{word} {results['matches']['service 1k'][word]['search']:,}"
            f" → {results['matches']['service'][word]['search']:,}"
            for word in results["words"][kind]
        ]
        lines.append(f"| {kind} | {'; '.join(found)} |")
    lines += [
        "",
        "Statements per request, as SQLite ran them (BEGIN and ROLLBACK included):",
        "",
        "| Request | server | statements | of which queries |",
        "| --- | --- | ---: | ---: |",
    ]
    for server, counted in results["statements"].items():
        for path, count in counted.items():
            lines.append(f"| `{path}` | {server} | {count['statements']} | {count['queries']} |")
    if results["documents_differ"]:
        lines += ["", "**The ceiling's documents differ from the service's:**", ""]
        lines += [f"- {difference}" for difference in results["documents_differ"]]
    if results.get("pages_wrong"):
        lines += ["", "**Recipe pages that are not whole pages with their JSON-LD:**", ""]
        lines += [f"- {wrong}" for wrong in results["pages_wrong"]]
    return "\n".join(lines) + "\n"


def _rows(value: str) -> set[str]:
    chosen = {name.strip() for name in value.split(",") if name.strip()}
    if not chosen or chosen - set(CHOICES):
        raise argparse.ArgumentTypeError(f"choose among {', '.join(CHOICES)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per row")
    parser.add_argument("--before", default=BEFORE, help="the commit of the flat get")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="reuse the generated databases in bench/data (the build time is then theirs)",
    )
    parser.add_argument(
        "--only",
        type=_rows,
        default=set(CHOICES),
        help=f"the rows to measure, comma-separated, among {','.join(CHOICES)} (all)",
    )
    parser.add_argument(
        "--output", default="recipes", help="results go to bench/results/OUTPUT.json and .md"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 round of 2 s, 5,000 recipes"
    )
    args = parser.parse_args(argv)
    only: set[str] = args.only
    results_dir = RESULTS
    if args.quick:  # its numbers mean little, so they stay out of results/
        args.rounds, args.duration, args.warmup, args.recipes = 1, 2, 1, 5_000
        results_dir = DATA / "quick-results"
    os.environ.setdefault("ENVIRONMENT", "local")
    random.seed(1)
    with_before = "flat" in only
    with_small = bool(only & {"search", "filter"})

    # The data: the big database generated anew (its build is the sample-data row),
    # the small one, and before's, made by its own code.
    big = database(args.recipes, rebuild=not args.keep_data)
    small = database(SMALL, rebuild=not args.keep_data) if with_small else None
    build = build_time(big)
    generated = lists_made(big, args.recipes)
    shaped = measured(big)
    before_recipes = 0
    if with_before:
        before_tree = checkout(args.before)
        made = subprocess.run(
            [sys.executable, "-c", "import sys; from bench.run import database; "
             "print(database(int(sys.argv[1])))", str(args.recipes)],
            cwd=before_tree, env=os.environ | {"PYTHONPATH": str(before_tree)},
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        before_db = Path(made.stdout.strip().splitlines()[-1])
        with closing(sqlite3.connect(before_db)) as connection:
            (before_recipes,) = connection.execute("SELECT count(*) FROM recipes").fetchone()

    words: dict[str, list[str]] = {}
    found: dict[str, dict[str, dict[str, int]]] = {}
    if with_small:
        assert small is not None
        words = pick_words(matches(big, sorted(food_words(big))), args.recipes)
        chosen = [w for kind in KINDS for w in words[kind]]
        found = {"service": matches(big, chosen), "service 1k": matches(small, chosen)}
    gets = [f"/api/v1/recipes/{id}" for id in shaped[:1000]]
    pages = [f"/recipes/{id}" for id in shaped[:1000]]
    fewest = _fewest_lines(big)
    asked = [gets[0], f"/api/v1/recipes/{fewest}"]
    if "list" in only:
        asked += ["/api/v1/recipes?limit=100", "/api/v1/recipes?limit=1"]
    if with_small:
        asked += [
            f"/api/v1/recipes/search?keyword={words['rare'][0]}",
            f"/api/v1/recipes?ingredient={words['rare'][0]}",
        ]
    if "page" in only:
        asked += [pages[0]]
    statements = {"service": count_statements(PROJECT, big, asked)}
    if with_before:
        statements["before"] = count_statements(
            before_tree, before_db, ["/api/v1/recipes/1", "/api/v1/recipes?limit=100"]
        )

    # The page runs beside the gets, so its ratio to the ceiling's get is taken seconds apart.
    first = []
    if "get" in only:
        first += [Row(GET, "service", gets)]
    if only & {"get", "page"}:
        first += [Row(GET, "ceiling", gets)]
    if with_before:
        flat = [f"/api/v1/recipes/{random.randint(1, before_recipes)}" for _ in range(1000)]
        first += [Row(FLAT, "before", flat)]
    if "page" in only:
        first += [Row(PAGE, "service", pages)]
    groups = [first] if first else []
    if "list" in only:
        groups.append([Row(LIST, s, ["/api/v1/recipes?limit=100"]) for s in ("service", "ceiling")])
    for kind in KINDS if "search" in only else ():
        search = [f"/api/v1/recipes/search?keyword={w}&max_results=10" for w in words[kind]]
        groups.append([Row(SEARCH.format(kind=kind), s, search) for s in ("service 1k", "service")])
    for kind in KINDS if "filter" in only else ():
        filtered = [f"/api/v1/recipes?ingredient={w}" for w in words[kind]]
        groups.append(
            [Row(FILTER.format(kind=kind), s, filtered) for s in ("service 1k", "service")]
        )

    work = working_copy(big, "service")
    with ExitStack() as stack:
        servers = {
            "service": stack.enter_context(serve("service", "app.main:app", work)),
            "ceiling": stack.enter_context(serve("ceiling", "bench.raw_app:app", work)),
        }
        if with_before:
            servers["before"] = stack.enter_context(
                serve(
                    "before",
                    "app.main:app",
                    working_copy(before_db, "before"),
                    project=before_tree,
                )
            )
        if small is not None:
            servers["service 1k"] = stack.enter_context(
                serve("service-1k", "app.main:app", working_copy(small, "service-1k"))
            )
        compared = gets[:20] + (["/api/v1/recipes?limit=100"] if "list" in only else [])
        differences = same_documents(servers["service"], servers["ceiling"], compared)
        for difference in differences:
            print(f"the ceiling's document differs: {difference}", file=sys.stderr)
        wrong = pages_differ(servers["service"], pages[:20]) if "page" in only else []
        for page in wrong:
            print(f"the recipe page is wrong: {page}", file=sys.stderr)
        # Other work on the machine shows here (the ratios, taken round by round, suffer
        # less from it than the req/s).
        load = {"before": os.getloadavg()}
        runs = measure(servers, groups, args)
        load["after"] = os.getloadavg()

    results = {
        "date": date.today().isoformat(),
        "commit": commit(),
        "before": args.before,
        "machine": machine(),
        "load_average": load,
        "settings": vars(args) | {"only": sorted(only)},
        "only": sorted(only),
        "recipes": args.recipes,
        "before_recipes": before_recipes,
        "sample_data": build | generated,
        "measured_recipes": {"with_the_shape": len(shaped), "rotated_over": len(gets)},
        "documents_differ": differences,
        "pages_wrong": wrong,
        "words": words,
        "matches": found,
        "statements": statements,
        "runs": [asdict(run) for run in runs],
        "summary": summarise(runs),
        "targets": targets(runs, build, generated, only),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{args.output}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (results_dir / f"{args.output}.md").write_text(table)
    print(table)
    return 0


def _fewest_lines(db: Path) -> int:
    """The recipe with the fewest ingredient lines (the lowest id among them)."""
    with closing(sqlite3.connect(db)) as connection:
        (found,) = connection.execute(
            "SELECT r.id FROM recipes r LEFT JOIN recipe_ingredients i ON i.recipe_id = r.id "
            "GROUP BY r.id ORDER BY count(i.id), r.id LIMIT 1"
        ).fetchone()
    return int(found)


if __name__ == "__main__":
    sys.exit(main())
