"""The service as production serves it: three instances of run.sh on one PostgreSQL
database behind HAProxy (scripts/cluster.sh, deploy/haproxy.cfg), once directly and once
through PgBouncer in transaction mode (deploy/pgbouncer.ini).

Each instance is its own process, so whatever one issues (tokens, cursors, ETags) must
hold on the others, and so must the rate limits (through Redis). The proxy must hide an
instance that dies or restarts, and stop abusive clients before they reach any.

The figures (requests, failures, retries, timings) are printed (pytest -s) and kept in
test-artifacts/cluster.json.
"""

import secrets
import selectors
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from sqlalchemy import create_engine, text

from app.api.ratelimit import make_storage
from tests.utils.cluster import Cluster, record, running_cluster
from tests.utils.databases import Server
from tests.utils.redis import RedisUnavailable, clear, configured_redis, new_prefix

pytestmark = [pytest.mark.e2e, pytest.mark.engines("postgresql")]

ADMIN_PASSWORD = "cluster admin password"
PASSWORD = "a cluster password"
TIMEOUT = 30
# Each mode is a cluster of its own, on a database of its own.
MODES = {"direct": False, "pgbouncer": True}


@pytest.fixture(scope="module", params=list(MODES))
def cluster(
    request: pytest.FixtureRequest, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Three instances behind HAProxy, on a new PostgreSQL database; with Redis for the
    rate limits when the run has one (TEST_REDIS_URL)."""
    name: str = request.param
    try:
        redis = configured_redis()
    except RedisUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    prefix = new_prefix()
    settings = {} if redis is None else {"REDIS_URL": redis, "RATE_LIMIT_KEY_PREFIX": prefix}
    database_url = server.create_database()
    try:
        with running_cluster(
            name,
            # Short: HAProxy's and PgBouncer's Unix sockets live in it.
            tmp_path_factory.mktemp(name),
            database_url,
            ADMIN_PASSWORD,
            pgbouncer=MODES[name],
            **settings,
        ) as running:
            yield running
    finally:
        if redis is not None:
            clear(make_storage(redis, prefix))
        server.drop_database(database_url)


class Api:
    """The service's /api/v1 at one base URL (an instance, or the proxy)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/api/v1"

    def signup(self, email: str) -> int:
        body = {"email": email, "password": PASSWORD}
        response = requests.post(f"{self.url}/users/signup", json=body, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        user_id: int = response.json()["id"]
        return user_id

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        body = {"username": email, "password": password}
        return requests.post(f"{self.url}/login/access-token", data=body, timeout=TIMEOUT)

    def headers(self, email: str) -> dict[str, str]:
        """Signed in as `email`: the headers that say so."""
        response = self.login(email)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


def recipe(label: str) -> dict[str, Any]:
    """A recipe whose every ingredient line and step names its label, so a write that
    was applied only in part shows in the database."""
    return {
        "label": label,
        "ingredients": [
            {"quantity": str(k + 1), "unit": "g", "food": f"{label} food {k}"} for k in range(3)
        ],
        "steps": [{"text": f"{label} step {k}"} for k in range(2)],
    }


def email(cluster: Cluster, who: str) -> str:
    return f"{who}-{cluster.name}@example.com"


def test_the_instances_are_served_as_the_mode_says(cluster: Cluster) -> None:
    settings = cluster.instance_settings()
    assert settings["PRESTART"] == "0"
    assert settings["TRUSTED_PROXIES"] == "127.0.0.2"
    assert settings["PUBLIC_BASE_URL"] == cluster.url
    assert settings["KEEP_ALIVE_TIMEOUT"] == "60"
    status = cluster.run("status")
    assert [line.split()[0] for line in status.splitlines() if " pid=" in line] == (
        ["proxy", "pgbouncer"] if MODES[cluster.name] else ["proxy"]
    ) + ["app1", "app2", "app3"]
    assert status.count("proxy=UP") == 3
    if MODES[cluster.name]:
        # The same database and user, on PgBouncer's socket; PgBouncer has the password.
        direct = cluster.database_url
        assert settings["DATABASE_URL"] == (
            f"{direct.drivername}://{direct.username}@/{direct.database}"
            f"?host={quote(str(cluster.directory / 'pgbouncer'), safe='')}&port=6432"
        )
        assert settings["DB_PREPARED_STATEMENTS"] == "false"
    else:
        assert settings["DATABASE_URL"] == cluster.database_url.render_as_string(False)


# --- Tokens, cursors, ETags --------------------------------------------------------------


def test_tokens_cursors_and_etags_work_across_instances(cluster: Cluster) -> None:
    one, two, three = (Api(cluster.instance(n)) for n in (1, 2, 3))
    user_id = one.signup(email(cluster, "roamer"))
    signed_in = one.headers(email(cluster, "roamer"))

    created = []
    for n in range(5):
        response = requests.post(
            f"{two.url}/recipes", json=recipe(f"roaming-{n}"), headers=signed_in, timeout=TIMEOUT
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])

    # The first page from instance 2, the rest by cursor from instance 3.
    listed = f"/recipes?submitter_id={user_id}&limit=2"
    page = requests.get(two.url + listed, headers=signed_in, timeout=TIMEOUT).json()
    seen = [item["id"] for item in page["items"]]
    while page["next"]:
        cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
        response = requests.get(
            three.url + listed, params={"cursor": cursor}, headers=signed_in, timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
    assert seen == created[::-1]

    # An ETag from instance 3 is a precondition instance 1 understands, and one that is
    # stale by then is refused on instance 2.
    url = f"/recipes/{created[0]}"
    read = requests.get(three.url + url, headers=signed_in, timeout=TIMEOUT)
    tag = read.headers["etag"]
    written = requests.patch(
        one.url + url,
        json={"label": "roaming, edited"},
        headers=signed_in | {"If-Match": tag},
        timeout=TIMEOUT,
    )
    assert written.status_code == 200, written.text
    assert written.headers["etag"] != tag
    stale = requests.patch(
        two.url + url,
        json={"label": "lost update"},
        headers=signed_in | {"If-Match": tag},
        timeout=TIMEOUT,
    )
    assert stale.status_code == 412, stale.text
    final = requests.get(three.url + url, headers=signed_in, timeout=TIMEOUT)
    assert final.json()["label"] == "roaming, edited"
    assert final.headers["etag"] == written.headers["etag"]


# --- Rate limits -------------------------------------------------------------------------


def test_rate_limits_hold_across_instances(cluster: Cluster, redis_url: str) -> None:
    """Wrong passwords spread over the three instances meet the per-account limit (5 a
    minute) as if they had gone to one."""
    apis = [Api(cluster.instance(n)) for n in (1, 2, 3)]
    victim = email(cluster, "victim")
    apis[0].signup(victim)

    statuses = [apis[n % 3].login(victim, f"guess {n}").status_code for n in range(8)]
    right = apis[1].login(victim)

    assert statuses == [401] * 5 + [429] * 3
    assert right.status_code == 429, right.text


# --- Traffic while instances go away -----------------------------------------------------

# What each client does, in turn: reads of its recipe and of a list, and writes.
STEPS = ("get", "list", "post", "get", "patch")
WRITES = {"POST", "PATCH"}
# A write whose instance dies under it is not sent again (deploy/haproxy.cfg). The
# proxy answers it 502, except on a client connection that carried a request before:
# that one HAProxy closes without an answer, as a server closes an idle keep-alive
# connection (http_ana.c, abort_keep_alive), leaving the client to decide. Either way
# the client cannot know whether the write was applied, and the database check covers
# both.
CLOSED = "closed without an answer"
CLOSED_MESSAGE = "Remote end closed connection without response"
# An instance killed while it writes an answer leaves the client its status line and
# part of the body: HAProxy has passed those on and cannot take them back (nor can
# `http-response wait-for-body`). Counted, and not among the failures allowed below.
CUT = "answer cut off"


@dataclass
class Outcome:
    method: str
    status: int  # 0: no HTTP answer at all
    error: str  # the exception when there was no answer
    label: str  # what a write sent
    client: int
    seconds: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def kind(self) -> str:
        return f"{self.method} {self.status or self.error}"


@dataclass
class Traffic:
    """Clients reading and writing recipes through the proxy until stopped."""

    api: Api
    headers: dict[str, str]
    user_id: int
    tag: str  # starts every label written, so the database check finds them
    # Steady traffic, not a saturating one: on a small machine an instance starting
    # again must still get the CPU to do so.
    clients: int = 4
    pause: float = 0.01
    own: list[int] = field(default_factory=list)  # each client's recipe, which it PATCHes
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def prepare(self) -> None:
        for c in range(self.clients):
            response = requests.post(
                f"{self.api.url}/recipes",
                json=recipe(f"{self.tag}-own{c}"),
                headers=self.headers,
                timeout=TIMEOUT,
            )
            assert response.status_code == 201, response.text
            self.own.append(response.json()["id"])

    def send(self, http: requests.Session, step: str, label: str, c: int) -> requests.Response:
        own = f"{self.api.url}/recipes/{self.own[c]}"
        if step == "get":
            return http.get(own, timeout=TIMEOUT)
        if step == "list":
            listed = f"{self.api.url}/recipes?submitter_id={self.user_id}&limit=5"
            return http.get(listed, timeout=TIMEOUT)
        if step == "post":
            return http.post(f"{self.api.url}/recipes", json=recipe(label), timeout=TIMEOUT)
        return http.patch(own, json=recipe(label), timeout=TIMEOUT)

    def client(self, c: int) -> None:
        with requests.Session() as http:
            http.headers.update(self.headers)
            n = 0
            while not self.stop.is_set():
                step, label = STEPS[n % len(STEPS)], f"{self.tag}-c{c}-{n}"
                n += 1
                started = time.monotonic()
                try:
                    status, error = self.send(http, step, label, c).status_code, ""
                except requests.ConnectionError as exc:
                    status, error = 0, CLOSED if CLOSED_MESSAGE in str(exc) else repr(exc)
                except requests.exceptions.ChunkedEncodingError:
                    status, error = 0, CUT
                method = {"post": "POST", "patch": "PATCH"}.get(step, "GET")
                self.outcomes.append(
                    Outcome(method, status, error, label, c, time.monotonic() - started)
                )
                time.sleep(self.pause)

    def during(self, action: Callable[[], None]) -> None:
        """Run the clients while `action` runs, and a second either side of it."""
        with ThreadPoolExecutor(self.clients) as pool:
            running = [pool.submit(self.client, c) for c in range(self.clients)]
            try:
                time.sleep(1)
                action()
                time.sleep(1)
            finally:
                self.stop.set()
                for future in running:
                    future.result()

    def figures(self) -> dict[str, Any]:
        return {
            "requests": len(self.outcomes),
            "by_kind": dict(sorted(Counter(o.kind for o in self.outcomes).items())),
            "failures": dict(Counter(o.kind for o in self.outcomes if not o.ok)),
            "slowest_s": round(max(o.seconds for o in self.outcomes), 3),
        }

    def check_database(self, cluster: Cluster) -> dict[str, int]:
        """Every write that got a 2xx is there whole; one that failed is there whole or
        not at all; none was applied twice; no recipe lacks a line of its own."""
        engine = create_engine(cluster.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT r.id, r.label,"
                        " (SELECT count(*) FROM recipe_ingredients i WHERE i.recipe_id = r.id),"
                        " (SELECT count(*) FROM recipe_ingredients i"
                        "   WHERE i.recipe_id = r.id AND i.food LIKE r.label || ' food %'),"
                        " (SELECT count(*) FROM recipe_steps s WHERE s.recipe_id = r.id),"
                        " (SELECT count(*) FROM recipe_steps s"
                        "   WHERE s.recipe_id = r.id AND s.text LIKE r.label || ' step %')"
                        " FROM recipes r WHERE r.submitter_id = :user"
                    ),
                    {"user": self.user_id},
                ).all()
        finally:
            engine.dispose()
        for row in rows:
            assert tuple(row[2:]) == (3, 3, 2, 2), f"recipe {row.id} is half written: {row}"
        labels = Counter(row.label for row in rows)
        assert max(labels.values()) == 1, f"a write was applied twice: {labels.most_common(3)}"
        posts = [o for o in self.outcomes if o.method == "POST"]
        for post in posts:
            if post.ok:
                assert labels[post.label] == 1, f"{post} got a 2xx and is not there"
        by_id = {row.id: row.label for row in rows}
        for c, recipe_id in enumerate(self.own):
            patches = [o for o in self.outcomes if o.method == "PATCH" and o.client == c]
            applied = [n for n, o in enumerate(patches) if o.ok]
            # The last PATCH that succeeded, or one after it that failed after all.
            possible = {
                patches[n].label for n in range(applied[-1] if applied else 0, len(patches))
            }
            possible |= set() if applied else {f"{self.tag}-own{c}"}
            assert by_id[recipe_id] in possible, (by_id[recipe_id], possible)
        failed = [o for o in posts if not o.ok]
        return {
            "posts_failed_but_applied": sum(labels[o.label] for o in failed),
            "posts_failed_not_applied": sum(1 - labels[o.label] for o in failed),
        }


def traffic(cluster: Cluster, who: str) -> Traffic:
    api = Api(cluster.url)
    user_id = api.signup(email(cluster, who))
    load = Traffic(api, api.headers(email(cluster, who)), user_id, f"{who}-{secrets.token_hex(3)}")
    load.prepare()
    return load


def test_an_instance_killed_fails_no_read_and_leaves_no_write_half_done(cluster: Cluster) -> None:
    load = traffic(cluster, "crash")
    before = cluster.retries()
    timings: dict[str, float] = {}

    def crash_and_recover() -> None:
        time.sleep(4)
        cluster.kill(2)
        killed = time.monotonic()
        time.sleep(6)
        cluster.start(2)
        timings["down_s"] = round(time.monotonic() - killed, 1)
        time.sleep(max(0.0, 20 - 4 - (time.monotonic() - killed)))

    load.during(crash_and_recover)

    proxy = {name: count - before[name] for name, count in cluster.retries().items()}
    written = load.check_database(cluster)
    figures = load.figures() | {"proxy": proxy, "database": written} | timings
    record(cluster.name, "instance killed", figures)
    for n in (1, 3):
        log = (cluster.directory / f"app{n}.log").read_text()
        assert "Shutting down" not in log, f"app{n} was stopped by someone else meanwhile"
    failures = [o for o in load.outcomes if not o.ok]
    assert not [o for o in failures if o.method not in WRITES], figures
    # Only the writes in flight when the instance died, each failed the way it should.
    assert {o.status or o.error for o in failures} <= {502, 503, CLOSED}, figures
    assert len(failures) <= load.clients, figures


def test_a_rolling_restart_fails_no_request(cluster: Cluster) -> None:
    load = traffic(cluster, "rolling")
    before = cluster.retries()
    took: list[float] = []

    def roll() -> None:
        for n in (1, 2, 3):
            started = time.monotonic()
            cluster.restart(n)
            took.append(round(time.monotonic() - started, 1))

    load.during(roll)

    proxy = {name: count - before[name] for name, count in cluster.retries().items()}
    load.check_database(cluster)
    figures = load.figures() | {"proxy": proxy, "restart_s": took}
    record(cluster.name, "rolling restart", figures)
    assert figures["failures"] == {}, figures
    assert figures["requests"] > 100, figures


# --- Abusive clients ---------------------------------------------------------------------

HUNDRED_MB = 100 * 1024 * 1024
# deploy/haproxy.cfg's timeout http-request.
REQUEST_SECONDS = 5.0
SLOW_CLIENTS = 300


def proxy_address(cluster: Cluster) -> tuple[str, int]:
    parts = urlsplit(cluster.url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def flood(cluster: Cluster, head: bytes) -> dict[str, Any]:
    """Send `head`, then 100 MB more of the same line; what the proxy made of it."""
    started = time.monotonic()
    sent, answer = 0, b""
    chunk = b"a" * (1024 * 1024)
    with socket.create_connection(proxy_address(cluster), timeout=10) as connection:
        try:
            connection.sendall(head)
            while sent < HUNDRED_MB:
                connection.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = connection.recv(4096)
        except (ConnectionResetError, TimeoutError):
            pass
    return {
        "sent_mb": round(sent / 1024 / 1024, 1),
        "seconds": round(time.monotonic() - started, 2),
        "answer": answer.split(b"\r\n", 1)[0].decode(errors="replace"),
    }


def slowloris(cluster: Cluster, host: str) -> list[float]:
    """SLOW_CLIENTS connections that each send part of a request, then half of them a
    header line a second, the other half nothing; how long each stayed open."""
    opened: dict[socket.socket, float] = {}
    trickling: set[socket.socket] = set()
    lasted: list[float] = []
    with selectors.DefaultSelector() as waiting:
        for n in range(SLOW_CLIENTS):
            connection = socket.create_connection(proxy_address(cluster), timeout=10)
            connection.sendall(f"GET /abuse-slow-{n} HTTP/1.1\r\nHost: {host}\r\n".encode())
            connection.setblocking(False)
            opened[connection] = time.monotonic()
            waiting.register(connection, selectors.EVENT_READ)
            if n % 2 == 0:
                trickling.add(connection)
        deadline = time.monotonic() + 3 * REQUEST_SECONDS
        next_trickle = time.monotonic() + 1
        while opened and time.monotonic() < deadline:
            for key, _ in waiting.select(timeout=0.1):
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                try:
                    if ready.recv(4096):
                        continue  # the 408; the close follows
                except ConnectionResetError:
                    pass
                lasted.append(time.monotonic() - opened.pop(ready))
                trickling.discard(ready)
                waiting.unregister(ready)
                ready.close()
            if time.monotonic() >= next_trickle:
                next_trickle += 1
                for connection in trickling:
                    try:
                        connection.send(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
        for connection in opened:
            connection.close()
    assert not opened, f"{len(opened)} slow connections still open after {deadline} s"
    return lasted


def health_latencies(cluster: Cluster, count: int = 200) -> list[float]:
    """`count` requests for /health/live through the proxy, each on a new connection."""
    latencies = []
    for _ in range(count):
        started = time.monotonic()
        response = requests.get(f"{cluster.url}/health/live", timeout=TIMEOUT)
        latencies.append(time.monotonic() - started)
        assert response.status_code == 200, response.text
        time.sleep(0.02)
    return latencies


def test_abusive_clients_are_stopped_at_the_proxy(cluster: Cluster) -> None:
    host = urlsplit(cluster.url).netloc
    memory_before = cluster.proxy_memory_kib()

    long_line = flood(cluster, b"GET /abuse-line?q=")
    long_header = flood(cluster, f"GET /abuse-header HTTP/1.1\r\nHost: {host}\r\nX-Big: ".encode())
    memory_after = cluster.proxy_memory_kib()

    with ThreadPoolExecutor(1) as pool:
        measuring = pool.submit(health_latencies, cluster)
        lasted = slowloris(cluster, host)
        latencies = measuring.result()

    p99 = statistics.quantiles(latencies, n=100)[98]
    figures = {
        "request_line_100mb": long_line,
        "header_100mb": long_header,
        "proxy_memory_kib": {"before": memory_before, "after": memory_after},
        "slowloris": {
            "connections": len(lasted),
            "closed_after_s": {
                "min": round(min(lasted), 2),
                "median": round(statistics.median(lasted), 2),
                "max": round(max(lasted), 2),
            },
        },
        "health_live_ms": {
            "requests": len(latencies),
            "median": round(statistics.median(latencies) * 1000, 1),
            "p99": round(p99 * 1000, 1),
        },
    }
    record(cluster.name, "abusive clients", figures)

    for flooded in (long_line, long_header):
        # Refused after a buffer's worth: the rest never left the client's socket.
        assert flooded["sent_mb"] < 50, figures
        assert flooded["seconds"] < 5, figures
        assert flooded["answer"] in ("", "HTTP/1.1 400 Bad request"), figures
    growth = memory_after["VmRSS"] - memory_before["VmRSS"]
    assert growth < 16 * 1024, f"HAProxy grew by {growth} KiB: {figures}"
    assert len(lasted) == SLOW_CLIENTS
    assert REQUEST_SECONDS - 0.5 <= min(lasted) and max(lasted) <= REQUEST_SECONDS + 2, figures
    assert p99 < 0.050, figures
    # No instance saw any of it.
    assert "/abuse-" not in cluster.instance_logs()


# --- Connections to the instances --------------------------------------------------------


def connections_from(address: str) -> set[str]:
    """The TCP connections from `address` (an IPv4 address) that are open now, each
    named by its two ends."""
    # /proc/net/tcp writes an address as the hex of its 32 bits in host (little-endian)
    # order: 127.0.0.2 is 0200007F. Fields: slot, local, remote, state (01: established).
    local = socket.inet_aton(address)[::-1].hex().upper() + ":"
    fields = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return {f"{f[1]}-{f[2]}" for f in fields if f[1].startswith(local) and f[3] == "01"}


def test_connections_to_the_instances_last_as_long_as_the_clients_and_no_longer(
    cluster: Cluster,
) -> None:
    """A client's requests go over one connection to an instance, which the proxy
    closes with the client's: at the latest when the client has been idle for the
    proxy's keep-alive timeout, long before an instance would close it
    (KEEP_ALIVE_TIMEOUT). So no instance closes a connection while the proxy sends a
    request on it."""
    settings = cluster.instance_settings()
    keep_alive = float(settings["KEEP_ALIVE_TIMEOUT"])
    # The proxy connects to the instances from the one address they trust.
    proxy_source = settings["TRUSTED_PROXIES"]
    clients, each = 8, 10
    before = cluster.server_connections()

    def client(_: int) -> None:
        with requests.Session() as session:
            for _ in range(each):
                response = session.get(f"{cluster.url}/health/live", timeout=TIMEOUT)
                assert response.status_code == 200, response.text

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    after = cluster.server_connections()
    opened = sum(after[s]["connect"] - before[s]["connect"] for s in after)
    reused = sum(after[s]["reuse"] - before[s]["reuse"] for s in after)
    # Round robin sends a client's requests to every instance: at most one connection
    # each, for each client.
    instances = len(after)
    assert opened <= clients * instances, (opened, reused)
    assert reused >= clients * (each - instances), (opened, reused)

    # Clients that stay connected without asking anything more.
    parts = urlsplit(cluster.url)
    assert parts.hostname is not None and parts.port is not None
    idle = [socket.create_connection((parts.hostname, parts.port)) for _ in range(5)]
    try:
        for connection in idle:
            connection.sendall(
                f"GET /health/live HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
            )
            assert connection.recv(65536).startswith(b"HTTP/1.1 200"), "no answer"
        held = connections_from(proxy_source)
        assert len(held) >= len(idle), held
        started = time.monotonic()
        while still_open := held & connections_from(proxy_source):
            assert time.monotonic() - started < keep_alive / 2, still_open
            time.sleep(0.1)
        closed_after = time.monotonic() - started
        # The proxy closed the clients' connections too.
        for connection in idle:
            connection.settimeout(5)
            assert connection.recv(1) == b""
    finally:
        for connection in idle:
            connection.close()
    record(
        "connections",
        cluster.name,
        {
            "requests": clients * each,
            "connections_opened": opened,
            "requests_on_an_open_connection": reused,
            "idle_clients_closed_after_s": round(closed_after, 1),
            "instance_keep_alive_s": keep_alive,
        },
    )


# --- What the public may reach -----------------------------------------------------------


def test_a_forged_host_never_reaches_a_location(cluster: Cluster) -> None:
    proxy = Api(cluster.url)
    proxy.signup(email(cluster, "host"))
    signed_in = proxy.headers(email(cluster, "host"))
    body = recipe("located")

    forged = requests.post(
        f"{proxy.url}/recipes",
        json=body,
        headers=signed_in | {"Host": "evil.example"},
        timeout=TIMEOUT,
    )
    assert forged.status_code == 421, forged.text
    assert "location" not in forged.headers

    # The public name, with another one forwarded beside it: the proxy drops that.
    public = requests.post(
        f"{proxy.url}/recipes",
        json=body,
        headers=signed_in | {"X-Forwarded-Host": "evil.example"},
        timeout=TIMEOUT,
    )
    assert public.status_code == 201, public.text
    assert public.headers["location"].startswith(f"{cluster.url}/api/v1/recipes/")

    # Even an instance reached directly builds its links from PUBLIC_BASE_URL.
    direct = requests.post(
        f"{cluster.instance(1)}/api/v1/recipes",
        json=body,
        headers=signed_in | {"Host": "evil.example"},
        timeout=TIMEOUT,
    )
    assert direct.status_code == 201, direct.text
    assert direct.headers["location"].startswith(f"{cluster.url}/api/v1/recipes/")


def test_metrics_are_for_the_instances_not_the_public(cluster: Cluster) -> None:
    for path in ("/metrics", "/metrics/", "/metrics?x=1", "/%6detrics", "//metrics"):
        assert requests.get(cluster.url + path, timeout=TIMEOUT).status_code == 404
    scraped = requests.get(f"{cluster.instance(1)}/metrics", timeout=TIMEOUT)
    assert scraped.status_code == 200, scraped.text
