"""The benchmark: the service against a raw ASGI + sqlite3 ceiling, on one SQLite file.

    ./bench/run.sh [--recipes 100000] [--rounds 3] [--duration 10] [--quick]

One uvicorn worker pinned to core 0, wrk pinned to core 1. After a warm-up, every
round measures every endpoint on the service and on the ceiling (bench/raw_app.py),
in alternating order, so both see the same machine. Then: the 256-client lock-up
check, write latency with one and two workers, and how search and list latency grow
from 1,000 to 100,000 recipes. Results go to bench/results/ (JSON, Markdown, PNG).
"""

import argparse
import json
import os
import random
import re
import resource
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
LUA = BENCH / "lua" / "requests.lua"
SERVER_CORE, LOAD_CORE = "0", "1"
CONNECTIONS = 16
WORDS_PER_KIND = 8
# Joining words: no one searches for them (and MariaDB's full-text index skips them).
STOPWORDS = {"and", "with", "the", "for", "from"}
# Words that are in no generated recipe (checked in main).
ABSENT = ("zabaglione", "kedgeree", "shakshuka", "gravlax", "cullen", "tzatziki", "ackee", "mole")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Endpoint:
    name: str
    paths: Callable[["Context"], list[str]]
    method: str = "GET"
    # The ceiling's path list when it differs (the LIKE scan that search replaces).
    raw_paths: Callable[["Context"], list[str]] | None = None


@dataclass
class Context:
    recipes: int
    max_id: int
    token: str = ""
    cursors: list[str] = field(default_factory=list)
    # Words in many labels, and the rarest (found in the data, see vocabulary).
    common: list[str] = field(default_factory=list)
    rare: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=lambda: list(ABSENT))
    db: Path | None = None


def vocabulary(db: Path) -> tuple[list[str], list[str]]:
    """The label words most recipes share, and words in 10 to 100 recipes (or, when no
    word is that rare, as in the generated data, the least common ones)."""
    counts: dict[str, int] = {}
    with closing(sqlite3.connect(db)) as connection:
        for (label,) in connection.execute("SELECT label FROM recipes"):
            for word in {w.lower() for w in re.findall(r"[^\W\d_]{3,}", label)} - STOPWORDS:
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    rare = [word for word in ranked if 10 <= counts[word] <= 100] or ranked[::-1]
    return ranked[:WORDS_PER_KIND], rare[:WORDS_PER_KIND]


@dataclass
class Run:
    endpoint: str
    server: str
    round: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    non_2xx: int
    socket_errors: int


def _search_paths(
    kind: str, path: str = "/api/v1/recipes/search"
) -> Callable[[Context], list[str]]:
    def paths(context: Context) -> list[str]:
        return [f"{path}?keyword={w}&max_results=10" for w in getattr(context, kind)]

    return paths


ENDPOINTS = [
    Endpoint(
        "get by id",
        lambda c: [f"/api/v1/recipes/{random.randint(1, c.max_id)}" for _ in range(1000)],
    ),
    Endpoint("list page 1 (100)", lambda c: ["/api/v1/recipes?limit=100"]),
    Endpoint("list page 1,000 (cursor)", lambda c: c.cursors),
    Endpoint("search, common word", _search_paths("common")),
    Endpoint("search, rare word", _search_paths("rare")),
    # The textbook's LIKE '%kw%' scan, newest first, stops after 10 hits: early for a
    # word in many recipes, only at the end of the table for a rare one. Both are shown.
    Endpoint(
        "search vs LIKE scan, common word",
        _search_paths("common"),
        raw_paths=_search_paths("common", "/raw/like-search"),
    ),
    Endpoint(
        "search vs LIKE scan, rare word",
        _search_paths("rare"),
        raw_paths=_search_paths("rare", "/raw/like-search"),
    ),
    # A word no recipe has (a typo, something not there yet): the scan reads every row.
    Endpoint(
        "search vs LIKE scan, word in no recipe",
        _search_paths("absent"),
        raw_paths=_search_paths("absent", "/raw/like-search"),
    ),
    Endpoint("home page", lambda c: [f"/?page={p}" for p in range(1, 6)]),
    Endpoint("create", lambda c: ["/api/v1/recipes"], method="POST"),
]


def run(command: list[str], **env: str) -> None:
    subprocess.run(command, cwd=PROJECT, env=os.environ | env, check=True)


def database(recipes: int, *, rebuild: bool = False) -> Path:
    """A migrated database holding `recipes` generated recipes and a recipe of the
    measured shape (see `measured`), built once and kept (built anew with `rebuild`).
    How long the sample-data command took is kept beside it (`build_time`)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"recipes-{recipes}.db"
    if rebuild or not path.exists():
        building = DATA / "building.db"
        _remove(building)
        url = f"sqlite:///{building}"
        run([sys.executable, "-m", "alembic", "upgrade", "head"], DATABASE_URL=url)
        build = sample_data(url, recipes)
        _remove(path)
        _copy(building, path)
        _remove(building)
        _build_file(path).write_text(json.dumps(build) + "\n")
    else:  # kept from an earlier run: bring it to the current schema
        run([sys.executable, "-m", "alembic", "upgrade", "head"], DATABASE_URL=f"sqlite:///{path}")
    measured(path)
    return path


def sample_data(url: str, recipes: int) -> dict[str, object]:
    """Run the sample-data command for `recipes` recipes (seed 1) on the database at
    `url`: its wall-clock and CPU seconds (start-up and imports included) and its last
    line of output."""
    generate = ["sample-data", "--recipes", str(recipes), "--random-seed", "1"]
    started, cpu_before = time.monotonic(), _children_cpu()
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", *generate],
        cwd=PROJECT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    said = made.stdout.strip().splitlines()
    return {
        "recipes": recipes,
        "seconds": time.monotonic() - started,
        "cpu_seconds": _children_cpu() - cpu_before,
        "said": said[-1] if said else "",
    }


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far: on a shared
    machine, what a command needed, where its wall-clock time also holds the waits."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _build_file(path: Path) -> Path:
    return path.with_suffix(".build.json")


def build_time(path: Path) -> dict[str, object]:
    """How `database` made `path`: the sample-data command's wall-clock and CPU seconds
    (start-up and imports included) and its last line of output."""
    return dict(json.loads(_build_file(path).read_text()))


def measured(path: Path) -> list[int]:
    """Ids of the recipes with 10 ingredients, 8 steps and 3 tags in `path`, after adding
    one through the service's CRUD layer if the generated data has none (bench/inside.py)."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "inside.py"), "measured"],
        cwd=PROJECT,
        env=os.environ | {"DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(PROJECT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1])["ids"])


def working_copy(path: Path, name: str = "work") -> Path:
    """A copy the benchmark may write to (create adds rows), so every run starts alike;
    one `name` for each server that needs a file of its own."""
    copy = DATA / f"{name}.db"
    _remove(copy)
    _copy(path, copy)
    return copy


def _copy(source: Path, target: Path) -> None:
    # SQLite's backup API: a consistent copy, whatever is still in the -wal file.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def serve(
    name: str, module: str, db: Path, *, workers: int = 1, project: Path = PROJECT, **env: str
) -> Iterator[Server]:
    """uvicorn on a port of its own choosing (port 0; it logs which), until the block ends;
    `project` is the checkout whose code it serves."""
    log = DATA / f"{name}.log"
    pin = ["taskset", "-c", SERVER_CORE] if workers == 1 else []
    command = [
        *pin, sys.executable, "-m", "uvicorn", module, "--port", "0",
        "--workers", str(workers), "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{db}",
        "BENCH_DB": str(db),
        "ENVIRONMENT": "local",
        # One key for every worker: in local mode each process would make its own.
        "SECRET_KEY": "bench-only key, long enough for HS256: 0123456789abcdef",
        **env,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=project, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            url = _listening_url(process, log)
            for _ in range(200):
                try:
                    # The first request imports and compiles what the others reuse:
                    # on a busy machine it takes seconds.
                    requests.get(url + "/api/v1/recipes/1", timeout=30)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            yield Server(name, url, process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


# uvicorn's line once it has bound the port; with several workers, before they are ready.
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+) ")


def _listening_url(process: subprocess.Popen[bytes], log: Path) -> str:
    for _ in range(600):
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return found[1]
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.1)
    raise SystemExit(f"uvicorn did not start within 60 s:\n{log.read_text()}")


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    server: Server,
    paths: list[str],
    seconds: float,
    *,
    method: str,
    token: str,
    connections: int = CONNECTIONS,
    timeout: int = 2,
) -> dict[str, float]:
    """One wrk run over `paths`. A request slower than `timeout` seconds counts as a
    socket error, and its latency is left out of the percentiles."""
    # wrk takes whole seconds ("-d10.0s" is a usage error).
    seconds = max(1, round(seconds))
    paths_file = DATA / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    env = os.environ | {
        "BENCH_PATHS": str(paths_file),
        "BENCH_METHOD": method,
        "BENCH_TOKEN": token,
        "BENCH_SEED": str(random.randint(1, 1 << 30)),
    }
    command = [
        "taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
        f"--timeout={timeout}s", "--latency", "-s", str(LUA), server.url,
    ]  # fmt: skip
    cpu_before = server.cpu_seconds()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"wrk exited with {done.returncode} on {server.name} ({paths[0]}, ...):\n"
            f"{done.stdout}{done.stderr}"
        )
    output = done.stdout
    cpu = server.cpu_seconds() - cpu_before
    latency = {q: float(v) * _UNITS[u] for q, v, u in _LATENCY.findall(output)}
    requests_done = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": requests_done,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": latency["50"],
        "p99_ms": latency["99"],
        "cpu_us": cpu / max(requests_done, 1) * 1e6,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, socket.groups())) if socket else 0,
    }


def sign_up(server: Server) -> str:
    api = server.url + "/api/v1"
    # Not from `random`, which the benchmarks seed: a database kept from an earlier run
    # (--keep-data) already holds that run's account.
    account = {
        "email": f"bench{secrets.token_hex(8)}@example.com",
        "password": "bench password",
    }
    requests.post(f"{api}/users/signup", json=account, timeout=10).raise_for_status()
    login = {"username": account["email"], "password": account["password"]}
    token = requests.post(f"{api}/login/access-token", data=login, timeout=30)
    token.raise_for_status()
    return str(token.json()["access_token"])


def deep_cursors(server: Server, pages: int) -> list[str]:
    """Paths of list pages `pages` deep, found by following `next` links from page 1."""
    path = "/api/v1/recipes?limit=100"
    found = []
    for page in range(1, pages + 10):
        body = requests.get(server.url + path, timeout=30).json()
        if page >= pages:
            found.append(path)
        if not body.get("next"):
            break
        path = body["next"].removeprefix(server.url)
    return found


def measure_rounds(
    app: Server, raw: Server, context: Context, args: argparse.Namespace
) -> list[Run]:
    runs: list[Run] = []
    endpoints = [e for e in ENDPOINTS if e.paths(context)]
    for endpoint in endpoints:  # warm-up: caches, connections, the page cache
        for server in (app, raw):
            wrk(
                server,
                _paths(endpoint, server, context),
                args.warmup,
                method=endpoint.method,
                token=context.token,
            )
            if endpoint.method == "POST" and context.db is not None:
                forget_created(context.db, context.max_id)
    for number in range(1, args.rounds + 1):
        for endpoint in endpoints:
            # Alternate which goes first, so neither always meets a warmer machine.
            order = (app, raw) if number % 2 else (raw, app)
            for server in order:
                result = wrk(
                    server,
                    _paths(endpoint, server, context),
                    args.duration,
                    method=endpoint.method,
                    token=context.token,
                )
                runs.append(Run(endpoint.name, server.name, number, **result))  # type: ignore[arg-type]
                if endpoint.method == "POST" and context.db is not None:
                    forget_created(context.db, context.max_id)
                print(
                    f"round {number} {endpoint.name:28} {server.name:8} "
                    f"{result['rps']:9.0f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms",
                    flush=True,
                )
    return runs


def forget_created(db: Path, max_id: int) -> None:
    """Delete what a create run added, so every run reads a table of the same size
    (10 s of creates add thousands of rows at the newest end, where lists and the LIKE
    scan start)."""
    with closing(sqlite3.connect(db, timeout=30)) as connection:
        # On, as in the service: the recipes' lines, steps and tag links go with them.
        connection.execute("PRAGMA foreign_keys = ON")
        with connection:
            connection.execute("DELETE FROM recipes WHERE id > ?", (max_id,))
        # And leave no WAL behind: the next run starts as the first did.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _paths(endpoint: Endpoint, server: Server, context: Context) -> list[str]:
    if server.name == "ceiling" and endpoint.raw_paths is not None:
        return endpoint.raw_paths(context)
    return endpoint.paths(context)


def _mentioned(connection: sqlite3.Connection, word: str) -> bool:
    """Whether any recipe has `word` in a column that search reads."""
    columns = ("label", "source", "description", "foods_text", "tags_text")
    where = " OR ".join(f"{column} LIKE ?" for column in columns)
    found = connection.execute(
        f"SELECT 1 FROM recipes WHERE {where} LIMIT 1", [f"%{word}%"] * len(columns)
    )
    return found.fetchone() is not None


def lockup_check(db: Path, seconds: float) -> dict[str, object]:
    """256 clients for `seconds` with the default pool and threads, then one request."""
    with serve("lockup", "app.main:app", db) as app:
        load = wrk(
            app,
            ["/api/v1/recipes?limit=20", "/api/v1/recipes/1"],
            seconds,
            method="GET",
            token="",
            connections=256,
        )
        started = time.monotonic()
        status = requests.get(app.url + "/api/v1/recipes", timeout=30).status_code
        single_ms = (time.monotonic() - started) * 1000
        log = app.log.read_text()
    timeouts = log.count("QueuePool limit") + log.count("TimeoutError")
    return {
        "load": load,
        "single_status": status,
        "single_ms": single_ms,
        "pool_timeouts_logged": timeouts,
    }


def write_latency(db: Path, seconds: float, workers: int) -> dict[str, float]:
    with serve(f"writes-{workers}", "app.main:app", working_copy(db), workers=workers) as app:
        token = sign_up(app)
        wrk(app, ["/api/v1/recipes"], 2, method="POST", token=token)
        return wrk(app, ["/api/v1/recipes"], seconds, method="POST", token=token)


def growth(seconds: float, sizes: list[int]) -> list[dict[str, float]]:
    curve = []
    for size in sizes:
        db = database(size)
        common, rare = vocabulary(db)
        with serve(f"growth-{size}", "app.main:app", db) as app:
            row: dict[str, float] = {"recipes": size}
            for name, paths in (
                ("search", [f"/api/v1/recipes/search?keyword={w}" for w in common]),
                ("rare_search", [f"/api/v1/recipes/search?keyword={w}" for w in rare]),
                ("list", ["/api/v1/recipes?limit=100"]),
            ):
                wrk(app, paths, 1, method="GET", token="")
                result = wrk(app, paths, seconds, method="GET", token="")
                row[f"{name}_p50_ms"] = result["p50_ms"]
                row[f"{name}_rps"] = result["rps"]
            curve.append(row)
            print(f"growth {size:>7} recipes: {row}", flush=True)
    return curve


def summarise(runs: list[Run]) -> list[dict[str, object]]:
    rows = []
    for endpoint in dict.fromkeys(run.endpoint for run in runs):
        mine = [r for r in runs if r.endpoint == endpoint and r.server == "service"]
        ceiling = {r.round: r for r in runs if r.endpoint == endpoint and r.server == "ceiling"}
        ratios = [r.rps / ceiling[r.round].rps for r in mine if ceiling[r.round].rps]
        both = [*mine, *ceiling.values()]
        rows.append({
            "endpoint": endpoint,
            "rps": statistics.median(r.rps for r in mine),
            "p50_ms": statistics.median(r.p50_ms for r in mine),
            "p99_ms": statistics.median(r.p99_ms for r in mine),
            "cpu_us": statistics.median(r.cpu_us for r in mine),
            "ceiling_rps": statistics.median(r.rps for r in ceiling.values()),
            "ceiling_cpu_us": statistics.median(r.cpu_us for r in ceiling.values()),
            "ratio": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "non_2xx": sum(r.non_2xx for r in both),
            "socket_errors": sum(r.socket_errors for r in both),
        })  # fmt: skip
    return rows


def markdown(summary: list[dict[str, object]]) -> str:
    lines = [
        "| Endpoint | req/s | p50 ms | p99 ms | CPU µs/req | ceiling req/s "
        "| service / ceiling (min–max) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summary:
        lines.append(
            f"| {row['endpoint']} | {row['rps']:,.0f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['cpu_us']:,.0f} | {row['ceiling_rps']:,.0f} | "
            f"{row['ratio']:.1%} ({row['ratio_min']:.1%}–{row['ratio_max']:.1%}) |"
        )
    return "\n".join(lines) + "\n"


def chart(summary: list[dict[str, object]], curve: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (ratios, growth_axes) = pyplot.subplots(1, 2, figsize=(13, 5))
    names = [str(row["endpoint"]) for row in summary]
    values = [float(row["ratio"]) * 100 for row in summary]  # type: ignore[arg-type]
    errors = [
        [v - float(row["ratio_min"]) * 100 for v, row in zip(values, summary, strict=True)],  # type: ignore[arg-type]
        [float(row["ratio_max"]) * 100 - v for v, row in zip(values, summary, strict=True)],  # type: ignore[arg-type]
    ]
    ratios.barh(names, values, xerr=errors, color="#c0562b")
    ratios.invert_yaxis()
    # Log scale: the ratios run from a few percent to thousands (search against a scan).
    ratios.set_xscale("log")
    ratios.axvline(100, color="grey", linewidth=0.8)
    ratios.set_xlabel("service req/s as % of the raw ceiling (median, min–max over rounds)")
    ratios.set_title("Throughput against the ceiling")
    if curve:
        sizes = [row["recipes"] for row in curve]
        growth_axes.plot(
            sizes, [row["search_p50_ms"] for row in curve], marker="o", label="search, common word"
        )
        growth_axes.plot(
            sizes,
            [row["rare_search_p50_ms"] for row in curve],
            marker="o",
            label="search, rare word",
        )
        growth_axes.plot(
            sizes, [row["list_p50_ms"] for row in curve], marker="o", label="list of 100"
        )
        growth_axes.set_xscale("log")
        growth_axes.set_xlabel("recipes in the database")
        growth_axes.set_ylabel("p50 latency, ms")
        growth_axes.set_title("Latency as the table grows")
        growth_axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per endpoint")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 round of 2 s, small growth curve"
    )
    args = parser.parse_args(argv)
    results_dir = RESULTS
    if args.quick:  # a smoke run: its numbers mean little, so they stay out of results/
        args.rounds, args.duration, args.warmup = 1, 2, 1
        results_dir = DATA / "quick-results"
    # The benchmark's servers are local and short-lived: the default secrets will do.
    os.environ.setdefault("ENVIRONMENT", "local")
    results_dir.mkdir(parents=True, exist_ok=True)
    random.seed(1)
    sample = database(args.recipes)
    db = working_copy(sample)

    with (
        serve("service", "app.main:app", db) as app,
        serve("ceiling", "bench.raw_app:app", db) as raw,
    ):
        common, rare = vocabulary(db)
        with closing(sqlite3.connect(db)) as connection:
            (max_id,) = connection.execute("SELECT max(id) FROM recipes").fetchone()
            # A word the generated data has after all (in a food, say) is not absent.
            absent = [word for word in ABSENT if not _mentioned(connection, word)]
        context = Context(
            args.recipes, max_id, sign_up(app), common=common, rare=rare, absent=absent, db=db
        )
        context.cursors = deep_cursors(app, 1000) if args.recipes >= 100_000 else []
        runs = measure_rounds(app, raw, context, args)
    summary = summarise(runs)
    lockup = lockup_check(working_copy(sample), args.duration)
    writes = {workers: write_latency(sample, args.duration, workers) for workers in (1, 2)}
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    curve = growth(args.duration, sizes)

    results = {
        "machine": {"cpus": os.cpu_count(), "server_core": SERVER_CORE, "load_core": LOAD_CORE},
        "settings": vars(args),
        "runs": [asdict(run) for run in runs],
        "summary": summary,
        "lockup": lockup,
        "writes": writes,
        "growth": curve,
    }
    (results_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (results_dir / "results.md").write_text(markdown(summary))
    chart(summary, curve, results_dir / "chart.png")
    print(markdown(summary))
    print(f"lock-up check: {json.dumps(lockup)}")
    print(f"writes: {json.dumps(writes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
