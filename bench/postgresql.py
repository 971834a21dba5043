"""The benchmark on PostgreSQL, served as production does (issue "Serve it as production
does", item 8): one worker, two workers, three instances behind HAProxy, against a raw
ceiling on the same database.

    ./bench/run.sh postgresql [--recipes 50000] [--rounds 3] [--duration 8] [--keep-data]
    .venv/bin/python -m bench.postgresql --quick      # a smoke run, into bench/data/

It creates a database of its own on the PostgreSQL server `--server` names, migrates it
(`alembic upgrade head`), fills it with `--recipes` recipes from the sample-data command,
and drops it at the end (`--keep-data` keeps it, and reuses it next time). Then it
serves that database with four configurations, side by side, each idle while another
is measured:
- 1 worker: the service as run.sh starts it (PRESTART=0 WORKERS=1);
- 2 workers: the same with WORKERS=2;
- 3 instances, HAProxy: three 1-worker services behind HAProxy, with
  deploy/haproxy.cfg as scripts/cluster.sh runs it (the instances' addresses given
  through its runtime API, the instances trusting PROXY_SOURCE's X-Forwarded-For);
- ceiling: bench/raw_postgresql.py, a bare ASGI app over psycopg serving the same
  documents with the same statements (compared before measuring).
Every service process keeps `--pool-size` connections (DB_POOL_SIZE, 2), as
docs/deploy.md advises for PostgreSQL: a process runs Python on one core at a time, and
each connection beyond what keeps that core busy adds a worker thread contending for it.

The requests: get by id (1,000 random recipes, a random one per request), list page 1
(100, with tags), search for a rare ingredient word (8 of them, a random one per
request) and create (a recipe without lists, signed in with a token got first). As in
bench/recipes.py, wrk (1 thread, 16 connections) runs pinned to core 1, and every round
measures each request on every configuration one after the other, in reverse order
every other round, so each ratio compares runs of the same round. The servers are not
pinned: they share both cores with PostgreSQL, HAProxy and wrk, as they would in
production. Creates are deleted after each create run.

Where the CPU goes, per run: user + system time (/proc/PID/stat) of the configuration's
app processes, of PostgreSQL's backends serving this database and of its background
processes, of HAProxy, of wrk, and the rest of the machine (/proc/stat: other sessions,
the kernel's softirqs), each as µs per request answered.

Results go to bench/results/postgresql.json and postgresql.md (`--output` names them).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy.engine import URL, make_url

from bench.recipes import (
    Row,
    _of,
    _percent,
    _times,
    commit,
    machine,
    ratio,
    runs_table,
    same_documents,
    summarise,
    targets_table,
)
from bench.run import (
    DATA,
    PROJECT,
    RESULTS,
    STOPWORDS,
    Run,
    Server,
    _children_cpu,
    _listening_url,
    run,
    sample_data,
    sign_up,
    wrk,
)

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "recipes_bench"
WORDS = 8
INSTANCES = 3
# HAProxy as production runs it (scripts/cluster.sh): its configuration, its backend
# (server slots BACKEND1 to BACKENDn) and the address it connects to instances from.
DEPLOYED = PROJECT / "deploy" / "haproxy.cfg"
BACKEND = "app"
PROXY_SOURCE = "127.0.0.2"
# Debian installs it in /usr/sbin, which not every PATH has.
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

ONE, TWO, PROXIED, CEILING = "1 worker", "2 workers", "3 instances, HAProxy", "ceiling"
CONFIGURATIONS = (ONE, TWO, PROXIED, CEILING)
GET = "get by id"
LIST = "list page 1 (100) with tags"
SEARCH = "search, rare ingredient word"
CREATE = "create"
READS = (GET, LIST, SEARCH)
# Where a run's CPU went, in the order of the results' columns.
GROUPS = ("app", "postgres backends", "postgres background", "haproxy", "wrk", "rest")

# One key for every process: a token signed by one instance is read by the others.
SECRET_KEY = "bench-only key, long enough for HS256: 0123456789abcdef"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Configuration(Server):
    """What wrk sends to (`process`, at `url`: uvicorn itself, or HAProxy), and the app
    processes behind it, whose CPU is the configuration's (`cpu_seconds`, which wrk()
    turns into the runs' cpu_us)."""

    apps: list["subprocess.Popen[bytes]"] = field(default_factory=list)
    proxy: "subprocess.Popen[bytes] | None" = None

    def cpu_seconds(self) -> float:
        processes = _processes()
        return sum(processes[pid][1] for pid in _tree(processes, [a.pid for a in self.apps]))


@dataclass
class PostgresRun(Run):
    # µs of CPU per request answered, by GROUPS.
    cpu: dict[str, float] = field(default_factory=dict)
    # The busiest app process's share of the app's CPU: 1 for one worker; for two, near
    # 0.5 when the connections are spread evenly, 1 when one worker holds them all.
    busiest: float = 1.0


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: its parent, and its user + system CPU seconds so far."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone since the listing
            continue
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def _tree(processes: dict[int, tuple[int, float]], roots: list[int]) -> set[int]:
    """`roots` and their descendants, among `processes`."""
    found = {pid for pid in roots if pid in processes}
    while True:
        more = {pid for pid, (parent, _) in processes.items() if parent in found} - found
        if not more:
            return found
        found |= more


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every core, not idle or iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


@dataclass
class Snapshot:
    processes: dict[int, tuple[int, float]]
    backends: set[int]
    background: set[int]
    machine: float
    children: float


def snapshot(monitor: psycopg.Connection[Any], database: str) -> Snapshot:
    """The CPU counters, and which PostgreSQL processes serve `database` (client backends
    other than `monitor`'s own) or the whole server (its background processes)."""
    rows = monitor.execute(
        "SELECT pid, backend_type, datname FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    ).fetchall()
    backends = {pid for pid, kind, name in rows if kind == "client backend" and name == database}
    background = {pid for pid, kind, _ in rows if kind != "client backend"}
    return Snapshot(_processes(), backends, background, _machine_busy(), _children_cpu())


def _spent(before: Snapshot, after: Snapshot, pids: set[int]) -> list[float]:
    """CPU seconds each of `pids` used between two snapshots. A process that started in
    between counts from its start; one that ended in between is left out."""
    return [
        after.processes[pid][1] - before.processes.get(pid, (0, 0.0))[1]
        for pid in pids
        if pid in after.processes
    ]


def busiest_share(before: Snapshot, after: Snapshot, configuration: Configuration) -> float:
    """The largest share of the configuration's app CPU that one of its processes used
    between two snapshots. uvicorn's workers share one listening socket, and a
    connection stays with the worker that accepted it, so this shows how evenly wrk's
    keep-alive connections were spread."""
    spent = _spent(before, after, _tree(after.processes, [a.pid for a in configuration.apps]))
    total = sum(spent)
    return max(spent) / total if total else 1.0


def cpu_used(before: Snapshot, after: Snapshot, configuration: Configuration) -> dict[str, float]:
    """CPU seconds by GROUPS between two snapshots. A process that started in between
    counts from its start; one that ended in between is lost (to "rest")."""

    def spent(pids: set[int]) -> float:
        return sum(_spent(before, after, pids))

    apps = [a.pid for a in configuration.apps]
    proxy = [configuration.proxy.pid] if configuration.proxy else []
    used = {
        "app": spent(_tree(after.processes, apps)),
        "postgres backends": spent(before.backends | after.backends),
        "postgres background": spent(before.background | after.background),
        "haproxy": spent(_tree(after.processes, proxy)),
        # wrk is this process's only child to finish in between.
        "wrk": after.children - before.children,
    }
    used["rest"] = max(after.machine - before.machine - sum(used.values()), 0.0)
    return used


def _url(server: str, database: str) -> URL:
    return make_url(server).set(drivername="postgresql+psycopg", database=database)


def _conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(server: str, *statements: str) -> None:
    with closing(psycopg.connect(_conninfo(make_url(server)), autocommit=True)) as admin:
        for statement in statements:
            admin.execute(statement)


def _exists(server: str, database: str) -> bool:
    with closing(psycopg.connect(_conninfo(make_url(server)), autocommit=True)) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        return found.fetchone() is not None


def prepare(server: str, database: str, recipes: int, *, reuse: bool) -> dict[str, Any] | None:
    """The database, migrated and filled with `recipes` generated recipes; how long the
    sample-data command took (None when an existing database was reused)."""
    url = _url(server, database).render_as_string(hide_password=False)
    if reuse and _exists(server, database):
        run([sys.executable, "-m", "alembic", "upgrade", "head"], DATABASE_URL=url)
        return None
    _admin(
        server,
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f"CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0",
    )
    run([sys.executable, "-m", "alembic", "upgrade", "head"], DATABASE_URL=url)
    return sample_data(url, recipes)


def rare_words(monitor: psycopg.Connection[Any]) -> dict[str, int]:
    """The WORDS food words that search finds in the fewest recipes, with how many it
    finds for each. Counted as the service searches (app/crud/fulltext.py): a word
    starting with it, in any searched column, so "rose" counts the recipes with rosemary
    too."""
    foods: set[str] = set()
    for (text,) in monitor.execute("SELECT foods_text FROM recipes WHERE foods_text IS NOT NULL"):
        foods.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text))
    # The service's condition (app/crud/fulltext.py), as the ceiling also sends it.
    count = (
        "SELECT count(*) FROM recipes"
        " WHERE recipes_fts_document @@ to_tsquery('simple', recipes_fts_text(%s))"
    )
    counts = {
        word: monitor.execute(count, (f"'{word}':*",)).fetchone()[0]  # type: ignore[index]
        for word in sorted(foods - STOPWORDS)
    }
    fewest = sorted(counts, key=lambda word: (counts[word], word))[:WORDS]
    return {word: counts[word] for word in fewest}


def forget_created(monitor: psycopg.Connection[Any], max_id: int) -> None:
    """Delete what a create run added, and vacuum, so every run reads the same table."""
    monitor.execute("DELETE FROM recipes WHERE id > %s", (max_id,))
    monitor.execute("VACUUM recipes")


def service_command(workers: int) -> tuple[list[str], dict[str, str]]:
    """How the service is started: by run.sh, without its prestart (`prepare` migrated
    the database once)."""
    env = {"PRESTART": "0", "WORKERS": str(workers), "HOST": "127.0.0.1", "PORT": "0"}
    return [str(PROJECT / "run.sh")], env | {"PYTHON": sys.executable}


def _log(name: str) -> Path:
    return DATA / f"postgresql-{name.replace(' ', '-').replace(',', '')}.log"


@contextmanager
def started(
    name: str,
    command: list[str],
    env: dict[str, str],
    *,
    url: str | None = None,
    pass_fds: tuple[int, ...] = (),
    answering: bool = True,
) -> Iterator[tuple["subprocess.Popen[bytes]", str]]:
    """`command` running until the block ends, its output in bench/data/ (`_log`), once it
    answers a recipe (unless not `answering` yet); with no `url`, it is uvicorn on port 0,
    which logs the one it took."""
    log = _log(name)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=os.environ | env,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=pass_fds,
        )
        try:
            url = url or _listening_url(process, log)
            if answering:
                wait_answering(name, process, url)
            yield process, url
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_answering(name: str, process: "subprocess.Popen[bytes]", url: str) -> None:
    """Until `url` answers a recipe: the first request imports and compiles what the
    others reuse, and behind a proxy the instances must first be in service."""
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}:\n{_log(name).read_text()}")
        try:
            if requests.get(url + "/api/v1/recipes/1", timeout=30).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{name} did not answer within 60 s:\n{_log(name).read_text()}")


def haproxy_api(stats: Path, command: str) -> str:
    """One command to HAProxy's runtime API, on its stats socket; the answer."""
    with socket.socket(socket.AF_UNIX) as api:
        api.settimeout(10)
        api.connect(str(stats))
        api.sendall(command.encode() + b"\n")
        answer = b""
        while chunk := api.recv(65536):
            answer += chunk
    return answer.decode()


def put_in_service(stats: Path, addresses: list[str]) -> None:
    """Give deploy/haproxy.cfg's server slots the instances' addresses, as
    scripts/cluster.sh does, and wait until HAProxy's health checks find them all up."""
    for _ in range(100):
        if stats.exists():
            break
        time.sleep(0.1)
    for number, address in enumerate(addresses, 1):
        host, port = address.removeprefix("http://").rsplit(":", 1)
        server = f"{BACKEND}/{BACKEND}{number}"
        answer = haproxy_api(stats, f"set server {server} addr {host} port {port}")
        if "changed" not in answer and "no need to change" not in answer:
            raise SystemExit(f"HAProxy refused {server}'s address: {answer}")
        haproxy_api(stats, f"set server {server} state ready")
    for _ in range(300):
        table = haproxy_api(stats, "show stat").splitlines()
        columns = table[0].removeprefix("# ").split(",")
        rows = [dict(zip(columns, line.split(","), strict=False)) for line in table[1:] if line]
        up = [r for r in rows if r["pxname"] == BACKEND and r["status"] == "UP"]
        if len(up) == len(addresses):
            return
        time.sleep(0.1)
    raise SystemExit(f"HAProxy's health checks did not find the instances up:\n{table}")


def proxied(stack: ExitStack, service: dict[str, str]) -> tuple[Configuration, dict[str, str]]:
    """INSTANCES 1-worker instances behind HAProxy with deploy/haproxy.cfg, started as
    scripts/cluster.sh starts them; and that configuration."""
    # HAProxy's socket, bound here and inherited (bind fd@N): no port is raced for.
    listening = stack.enter_context(socket.socket())
    listening.bind(("127.0.0.1", 0))
    listening.listen(1024)
    host, port = listening.getsockname()
    public = f"http://{host}:{port}"
    behind = service | {
        # Only the proxy's X-Forwarded-For is believed; deploy/haproxy.cfg connects from
        # PROXY_SOURCE.
        "TRUSTED_PROXIES": PROXY_SOURCE,
        "PUBLIC_BASE_URL": public,
        "KEEP_ALIVE_TIMEOUT": "60",
    }
    instances = []
    for number in range(1, INSTANCES + 1):
        command, env = service_command(1)
        instances.append(stack.enter_context(started(f"instance-{number}", command, behind | env)))
    addresses = [address for _, address in instances]
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-haproxy-")))
    stats = directory / "haproxy.sock"
    proxy_env = {
        "PROXY_FD": str(listening.fileno()),
        "PUBLIC_HOST": f"{host}:{port}",
        "PROXY_SOURCE": PROXY_SOURCE,
        "INSTANCES": str(INSTANCES),
        "STATS_SOCKET": str(stats),
    }
    proxy, _ = stack.enter_context(
        started(
            "haproxy",
            [HAPROXY, "-db", "-f", str(DEPLOYED)],
            proxy_env,
            url=public,
            pass_fds=(listening.fileno(),),
            answering=False,
        )
    )
    put_in_service(stats, addresses)
    wait_answering("haproxy", proxy, public)
    configuration = Configuration(
        PROXIED, public, proxy, _log("haproxy"), [p for p, _ in instances], proxy
    )
    return configuration, {"source": "deploy/haproxy.cfg", "config": DEPLOYED.read_text()}


def configurations(
    stack: ExitStack, url: str, ceiling_conninfo: str, args: argparse.Namespace
) -> tuple[dict[str, Configuration], dict[str, str]]:
    """The four configurations, started; and HAProxy's configuration, with its source."""
    service = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": SECRET_KEY,
        "FIRST_SUPERUSER_PASSWORD": "bench-only password",
        "DATABASE_URL": url,
        "DB_POOL_SIZE": str(args.pool_size),
        # The rounds outlast the default 15 minutes; one token serves them all.
        "ACCESS_TOKEN_EXPIRE_MINUTES": "120",
    }
    found: dict[str, Configuration] = {}
    for name, workers in ((ONE, 1), (TWO, 2)):
        command, env = service_command(workers)
        process, address = stack.enter_context(started(name, command, service | env))
        found[name] = Configuration(name, address, process, _log(name), [process])
    found[PROXIED], proxy = proxied(stack, service)
    ceiling_env = {
        "BENCH_POSTGRESQL": ceiling_conninfo,
        "BENCH_POOL_SIZE": str(args.ceiling_pool_size),
        # raw_app's own setting, read when the ceiling imports its helpers: unused here.
        "BENCH_DB": ":memory:",
        "SECRET_KEY": SECRET_KEY,
    }
    command = [
        sys.executable, "-m", "uvicorn", "bench.raw_postgresql:app", "--host", "127.0.0.1",
        "--port", "0", "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    process, address = stack.enter_context(started("ceiling", command, ceiling_env))
    found[CEILING] = Configuration(CEILING, address, process, _log(CEILING), [process])
    return found, proxy


def measure(
    servers: dict[str, Configuration],
    groups: list[list[Row]],
    monitor: psycopg.Connection[Any],
    database: str,
    max_id: int,
    token: str,
    args: argparse.Namespace,
) -> list[PostgresRun]:
    """A warm-up, then `args.rounds` rounds of every group's rows one after the other,
    each group's order reversed every other round. wrk waits up to 30 s for an answer,
    as in bench/recipes.py."""
    runs: list[PostgresRun] = []
    for number in range(args.rounds + 1):  # round 0 is the warm-up
        for group in groups:
            for row in group if number % 2 else group[::-1]:
                server = servers[row.server]
                method = "POST" if row.name == CREATE else "GET"
                seconds = args.warmup if number == 0 else args.duration
                before = snapshot(monitor, database)
                result = wrk(server, row.paths, seconds, method=method, token=token, timeout=30)
                after = snapshot(monitor, database)
                used = cpu_used(before, after, server)
                if method == "POST":
                    forget_created(monitor, max_id)
                if number == 0:
                    continue
                answered = max(result["requests"], 1)
                cpu = {name: spent * 1e6 / answered for name, spent in used.items()}
                busiest = busiest_share(before, after, server)
                runs.append(
                    PostgresRun(row.name, row.server, number, **result, cpu=cpu, busiest=busiest)  # type: ignore[arg-type]
                )
                print(
                    f"round {number} {row.name:30} {row.server:22} {result['rps']:8.0f} req/s"
                    f"  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms  "
                    + "  ".join(f"{name} {cpu[name]:,.0f}" for name in GROUPS)
                    + f" µs/req  busiest app process {busiest:.0%}",
                    flush=True,
                )
    return runs


def targets(runs: list[PostgresRun]) -> list[dict[str, Any]]:
    """The issue's targets, each with what was measured, as numbers and as text."""
    rps = attrgetter("rps")
    get_ceiling = ratio(runs, (GET, ONE), (GET, CEILING), rps)  # type: ignore[arg-type]
    found = [
        {
            "target": "1 worker: get by id ≥ 15% of the PostgreSQL ceiling's req/s",
            "measured": get_ceiling,
            "shown": _percent(get_ceiling),
            "met": get_ceiling["median"] >= 0.15,
        }
    ]
    for name in READS:
        scaled = ratio(runs, (name, TWO), (name, ONE), rps)  # type: ignore[arg-type]
        found.append({
            "target": f"2 workers ≥ 1.4× 1 worker: {name}",
            "measured": scaled,
            "shown": _times(scaled),
            "met": scaled["median"] >= 1.4,
        })  # fmt: skip
    for name in (*READS, CREATE):
        proxied = ratio(runs, (name, PROXIED), (name, TWO), rps)  # type: ignore[arg-type]
        found.append({
            "target": f"through HAProxy ≥ 85% of 2 workers direct: {name}",
            "measured": proxied,
            "shown": _percent(proxied),
            "met": proxied["median"] >= 0.85,
        })  # fmt: skip
    return found


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name not in names}


def _load(results: dict[str, Any], when: str) -> str:
    return ", ".join(f"{value:.1f}" for value in results["load_average"][when])


def markdown(results: dict[str, Any]) -> str:
    settings, head, made = results["settings"], results["commit"], results["sample_data"]
    lines = []
    if settings["quick"]:
        lines += [
            "**Smoke run** (`--quick`): it shows the benchmark works, not how fast the service is.",
            "",
        ]
    lines += [
        f"{results['date']}, commit {head['head']}"
        + (
            f" with the working tree's changes to {', '.join(head['changed'])}"
            if head["changed"]
            else ""
        )
        + f"; {results['machine']['cpus']} cores ({results['machine']['cpu']}), "
        f"PostgreSQL {results['machine']['postgresql']}, {results['machine']['haproxy']}. "
        f"{results['recipes']:,} recipes; {settings['rounds']} "
        f"round{'s' if settings['rounds'] != 1 else ''} of {settings['duration']:g} s; "
        f"wrk {results['machine']['wrk']} on core {results['machine']['load_core']}, "
        f"the servers unpinned. Medians over the rounds, "
        f"ratios taken round by round (min–max). Load average (1, 5, 15 min) before the "
        f"rounds {_load(results, 'before')}, after {_load(results, 'after')}.",
        "",
        f"The service started by {results['launched']}, with DB_POOL_SIZE={settings['pool_size']}"
        f" per process; HAProxy with {results['haproxy']['source']} "
        f"(round robin over {INSTANCES} 1-worker instances); the ceiling "
        f"(bench/raw_postgresql.py) with {settings['ceiling_pool_size']} connections. "
        + (
            f"Sample data: {made['said']} ({made['seconds']:.1f} s, "
            f"{made['cpu_seconds']:.1f} s of CPU)."
            if made
            else "Sample data: the database kept from an earlier run (`--keep-data`)."
        ),
        "",
        *runs_table(results["summary"], "configuration", "app CPU µs/req"),
    ]
    lines += [
        "",
        "Where the CPU goes, µs per request (medians over the rounds): the configuration's "
        "app processes, PostgreSQL's backends on this database and its background "
        "processes, HAProxy, wrk, and the rest of the machine (other work on it, softirqs).",
        "",
        f"| Request | configuration | {' | '.join(GROUPS)} |",
        f"| --- | --- |{' ---: |' * len(GROUPS)}",
    ]
    for row in results["summary"]:
        spent = " | ".join(f"{row['cpu_by_group'][name]:,.0f}" for name in GROUPS)
        lines.append(f"| {row['endpoint']} | {row['server']} | {spent} |")
    lines += [
        "",
        f"How evenly the {TWO} shared the work: the busier worker's share of the app's CPU "
        "in each round (50% is an even split; 100% means one worker held every connection "
        "and the other idled).",
        "",
        "| Request | " + " | ".join(f"round {n}" for n in range(1, settings["rounds"] + 1)) + " |",
        f"| --- |{' ---: |' * settings['rounds']}",
    ]
    for name in dict.fromkeys(timed["endpoint"] for timed in results["runs"]):
        shares = [
            f"{timed['busiest']:.0%}"
            for timed in results["runs"]
            if timed["endpoint"] == name and timed["server"] == TWO
        ]
        lines.append(f"| {name} | {' | '.join(shares)} |")
    lines += ["", *targets_table(results["targets"])]
    words = "; ".join(f"{word} {count:,}" for word, count in results["words"].items())
    lines += ["", f"Search words, with how many recipes search finds for each: {words}."]
    if results["documents_differ"]:
        lines += ["", "**The ceiling's documents differ from the service's:**", ""]
        lines += [f"- {difference}" for difference in results["documents_differ"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per measurement")
    parser.add_argument(
        "--server", default=SERVER, help="a database on the PostgreSQL server to connect to"
    )
    parser.add_argument("--database", default=DATABASE, help="the database it creates")
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the database, and reuse it if it exists"
    )
    parser.add_argument(
        "--pool-size", type=int, default=2, help="DB_POOL_SIZE of each service process"
    )
    parser.add_argument("--ceiling-pool-size", type=int, default=4)
    parser.add_argument(
        "--output", default="postgresql", help="results go to bench/results/OUTPUT.json and .md"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 round of 2 s, 5,000 recipes"
    )
    args = parser.parse_args(argv)
    results_dir = RESULTS
    if args.quick:  # its numbers mean little, so they stay out of results/
        args.rounds, args.duration, args.warmup, args.recipes = 1, 2, 1, 5_000
        results_dir = DATA / "quick-results"
    # For the tools (alembic, sample-data); the servers run with ENVIRONMENT=production.
    os.environ.setdefault("ENVIRONMENT", "local")
    DATA.mkdir(exist_ok=True)
    random.seed(1)

    url = _url(args.server, args.database)
    build = prepare(args.server, args.database, args.recipes, reuse=args.keep_data)
    try:
        with closing(psycopg.connect(_conninfo(url), autocommit=True)) as monitor:
            ids = [id for (id,) in monitor.execute("SELECT id FROM recipes ORDER BY id")]
            words = rare_words(monitor)
            postgresql = monitor.execute("SHOW server_version").fetchone()
            results = measured(monitor, url, ids, words, args)
    finally:
        if not args.keep_data:
            _admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    haproxy = subprocess.run([HAPROXY, "-v"], capture_output=True, text=True, check=True)
    results = {
        "date": date.today().isoformat(),
        # What is served here: the app, and how run.sh and HAProxy serve it.
        "commit": commit(("app", "alembic", "run.sh", "deploy", "bench")),
        "machine": _without(machine(), "sqlite", "server_core")
        | {
            "postgresql": postgresql[0] if postgresql else None,
            "haproxy": haproxy.stdout.splitlines()[0].split(" - ")[0],
        },
        "settings": vars(args),
        "recipes": len(ids),
        "sample_data": build,
        **results,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{args.output}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (results_dir / f"{args.output}.md").write_text(table)
    print(table)
    return 0


def measured(
    monitor: psycopg.Connection[Any],
    url: URL,
    ids: list[int],
    words: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The configurations started, their documents compared, the rounds measured."""
    gets = [f"/api/v1/recipes/{id}" for id in random.sample(ids, min(1000, len(ids)))]
    searches = [f"/api/v1/recipes/search?keyword={word}&max_results=10" for word in words]
    groups = [
        [Row(name, configuration, paths) for configuration in CONFIGURATIONS]
        for name, paths in (
            (GET, gets),
            (LIST, ["/api/v1/recipes?limit=100"]),
            (SEARCH, searches),
            (CREATE, ["/api/v1/recipes"]),
        )
    ]
    with ExitStack() as stack:
        servers, proxy = configurations(
            stack, url.render_as_string(hide_password=False), _conninfo(url), args
        )
        compared = [*gets[:20], "/api/v1/recipes?limit=100", *searches]
        differences = same_documents(servers[ONE], servers[CEILING], compared)
        for difference in differences:
            print(f"the ceiling's document differs: {difference}", file=sys.stderr)
        token = sign_up(servers[ONE])
        load = {"before": os.getloadavg()}
        runs = measure(servers, groups, monitor, url.database or "", max(ids), token, args)
        load["after"] = os.getloadavg()
    summary = summarise(runs)  # type: ignore[arg-type]
    for row in summary:
        mine = _of(runs, row["endpoint"], row["server"]).values()  # type: ignore[arg-type]
        row["cpu_by_group"] = {
            name: statistics.median(run.cpu[name] for run in mine)  # type: ignore[attr-defined]
            for name in GROUPS
        }
    launched = "run.sh with PRESTART=0 and WORKERS=1 or 2"
    return {
        "load_average": load,
        "launched": launched,
        "haproxy": proxy,
        "words": words,
        "documents_differ": differences,
        "runs": [asdict(run) for run in runs],
        "summary": summary,
        "targets": targets(runs),
    }


if __name__ == "__main__":
    sys.exit(main())
