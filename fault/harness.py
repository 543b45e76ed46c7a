"""What the fault scenarios share: private servers, the service under gunicorn, HTTP load, checks.

Everything a scenario starts is its own and is cleaned up on the way out, failures included:
a private PostgreSQL cluster (initdb in a temporary folder, run as the `postgres` OS user when
this runs as root, since initdb refuses root), a private redis-server, or a fresh database on the
machine's PostgreSQL; and the service itself, started as the Procfile does it (`flask db upgrade`,
then `gunicorn -c gunicorn.conf.py wsgi:app`) with APP_ENV=production and a generated SECRET_KEY,
bound to a free port on 127.0.0.1. Traffic goes to 127.0.0.1 only.

Load comes from threads of this process, one new connection per request (so a request's fate
depends on the worker that served it, not on a kept-alive connection). Each request carries an
`X-Forwarded-For` address drawn from a pool of simulated clients, and the service trusts one
proxy (`TRUSTED_PROXIES=1`): the per-address rate limits stay on at their production values and
see many clients, as behind a real load balancer, instead of one address flooding.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]  # the repository
SHARED_POSTGRES = os.environ.get("FAULT_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Clave del inventario 2026 segura"
UNAVAILABLE_DETAIL = "Servicio no disponible temporalmente; intente de nuevo en unos segundos"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    """A local port no socket holds now. With TEST_PORT_RANGE=LOW-HIGH, one from that range: .ci/run
    runs two test sessions at once and gives each its own range, so that a port one has just picked
    (and not bound yet) is never the other's pick too."""
    span = os.environ.get("TEST_PORT_RANGE")
    if not span:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    low, high = (int(end) for end in span.split("-"))
    for _ in range(1000):
        port = random.randint(low, high)  # noqa: S311 (a port, not a secret)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in TEST_PORT_RANGE={span}")


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition") -> float:
    """Poll until `predicate()` is true; the seconds it took. Raises TimeoutError."""
    started = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def machine() -> str:
    cores = os.cpu_count()
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{cores} cores ({model}), Python {sys.version.split()[0]}"


# --- Checks and results -------------------------------------------------------------------------

class Report:
    """Named checks and measured figures; prints the summary and gives the exit status."""

    def __init__(self, scenario: str):
        self.scenario = scenario
        self.checks: list[tuple[str, bool, str]] = []
        self.figures: list[tuple[str, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        log(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
        return ok

    def figure(self, name: str, value) -> None:
        self.figures.append((name, str(value)))

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def print_summary(self) -> int:
        print()
        print(f"== {self.scenario}: {'PASS' if self.passed else 'FAIL'}")
        print(f"   {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
        for name, value in self.figures:
            print(f"   {name}: {value}")
        for name, ok, detail in self.checks:
            print(f"   [{'PASS' if ok else 'FAIL'}] {name}{' (' + detail + ')' if detail else ''}")
        return 0 if self.passed else 1


def run_scenario(name: str, body) -> None:
    """Run `body(report)` and exit with the report's status; an exception is a FAIL."""
    report = Report(name)
    try:
        body(report)
    except Exception as error:  # the summary must still print, and the exit status say FAIL
        import traceback

        traceback.print_exc()
        report.check("scenario ran to the end", False, f"{type(error).__name__}: {error}")
    sys.exit(report.print_summary())


def percentile(values, fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- Private servers ----------------------------------------------------------------------------

def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1].parent


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, owned by the scenario."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="inventory_auth_fault_pg_"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(self.url(), connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


class PrivateRedis:
    """A redis-server on a free port, no persistence, owned by the scenario."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, 10, what="redis-server answering PING")

    def answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


class FreshDatabase:
    """A new database on the machine's PostgreSQL, dropped at the end."""

    def __init__(self, server_url: str = SHARED_POSTGRES):
        self.server_url = server_url
        self.name = f"inventory_auth_fault_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        base, _, _ = server_url.rpartition("/")
        self.url = f"{base}/{self.name}"

    def _admin(self, statement: str) -> None:
        connection = psycopg2.connect(self.server_url, connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
        connection.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    connection = psycopg2.connect(database_url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            return cursor.fetchall()
    finally:
        connection.close()


# --- The service --------------------------------------------------------------------------------

class Service:
    """The service as the Procfile runs it, on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int | None = 4,
                 env: dict | None = None):
        """`threads=None`: gunicorn.conf.py's default, as shipped."""
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="inventory_auth_fault_svc_"))
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "BIND_HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "TRUSTED_PROXIES": "1",
            **(env or {}),
        }
        if threads is not None:
            self.env.setdefault("GUNICORN_THREADS", str(threads))
        self.process: subprocess.Popen | None = None

    def migrate(self) -> None:
        """The Procfile's release step."""
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=self.env, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.stdout = (self.dir / "stdout.log").open("w")
        self.stderr = (self.dir / "stderr.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self.stdout, stderr=self.stderr, start_new_session=True,
        )
        try:
            wait_for(lambda: call(self.port, "GET", "/api/health", timeout=2).status == 200, 60,
                     what="gunicorn answering /api/health")
            wait_for(lambda: len(self.workers()) == int(self.env["WEB_CONCURRENCY"]), 30,
                     what="every worker up")
        except TimeoutError as error:
            self.stderr.flush()
            log_tail = (self.dir / "stderr.log").read_text()[-3000:]
            raise RuntimeError(f"the service did not start:\n{log_tail}") from error

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """Pids of the master's worker processes."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid and fields[0] != "Z":
                    children.append(int(stat.parent.name))
        return sorted(children)

    def error_log(self) -> str:
        self.stderr.flush()
        return (self.dir / "stderr.log").read_text()

    def unhandled_errors(self) -> list[str]:
        """The last line of each traceback the service logged (an unexpected exception: a 500)."""
        self.stdout.flush()
        self.stderr.flush()
        found = []
        stderr = (self.dir / "stderr.log").read_text(errors="replace").splitlines()
        for n, line in enumerate(stderr):  # gunicorn's own "Error handling request" tracebacks
            if line.startswith("Traceback"):
                end = next((m for m in range(n + 1, len(stderr)) if not stderr[m].startswith((" ", "\t"))), n)
                found.append("gunicorn: " + stderr[end].strip())
        for line in (self.dir / "stdout.log").read_text(errors="replace").splitlines():
            if '"exception"' not in line:
                continue
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                found.append(entry["exception"].strip().splitlines()[-1])
        return found

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        self.stdout.close()
        self.stderr.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


# --- HTTP ---------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int | None  # None: no HTTP answer at all (connection refused or reset, timeout)
    body: object = None
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None


CLIENTS = [f"10.77.{n // 250}.{n % 250 + 1}" for n in range(2000)]


def call(port: int, method: str, path: str, body=None, *, token: str | None = None,
         client: str | None = None, timeout: float = 15) -> Answer:
    """One request on a new connection; never raises."""
    headers = {"Connection": "close", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers["X-Forwarded-For"] = client or random.choice(CLIENTS)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        seconds = time.monotonic() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(response.status, parsed, dict(response.getheaders()), seconds)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, seconds=time.monotonic() - started, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


@dataclass
class Record:
    op: str
    start: float  # time.monotonic()
    end: float
    status: int | None
    error: str | None = None
    detail: object = None
    worker: int | None = None


class Load:
    """`threads` threads calling `step(thread_index, load)` until stopped; `step` records each
    request it makes with `load.call(...)`."""

    def __init__(self, port: int, threads: int, step, *, rate_per_second: float | None = None):
        self.port = port
        self.step = step
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._interval = threads / rate_per_second if rate_per_second else 0.0
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def call(self, op: str, method: str, path: str, body=None, **kwargs) -> Answer:
        started = time.monotonic()
        answer = call(self.port, method, path, body, **kwargs)
        detail = answer.body.get("detail") if isinstance(answer.body, dict) else answer.body
        record = Record(op, started, started + answer.seconds, answer.status, answer.error, detail)
        with self._lock:
            self.records.append(record)
        return answer

    def _run(self, index: int) -> None:
        rng = random.Random(index)
        next_at = time.monotonic() + rng.random() * self._interval
        while not self._stop.is_set():
            if self._interval:
                delay = next_at - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                next_at = max(next_at + self._interval, time.monotonic() - self._interval)
            try:
                self.step(index, self)
            except Exception as error:  # a bug in the scenario, not the service: stop loudly
                log(f"load thread {index} crashed: {type(error).__name__}: {error}")
                raise

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def __exit__(self, *_exc):
        self.stop()

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self.records)


def summarize(records: list[Record]) -> str:
    by_status: dict = {}
    for record in records:
        by_status[record.status] = by_status.get(record.status, 0) + 1
    parts = [f"{status if status is not None else 'no answer'}: {count}"
             for status, count in sorted(by_status.items(), key=lambda item: (item[0] is None, item[0] or 0))]
    return ", ".join(parts) or "none"


def latency_line(records: list[Record]) -> str:
    seconds = [r.end - r.start for r in records]
    if not seconds:
        return "no requests"
    return (f"{len(seconds)} requests, median {ms(statistics.median(seconds))}, "
            f"p99 {ms(percentile(seconds, 0.99))}, max {ms(max(seconds))}")


# --- Accounts ---------------------------------------------------------------------------------

def registration(email: str, password: str = PASSWORD) -> dict:
    return {"email": email, "password": password, "first_name": "Carga", "last_name": "Prueba",
            "role": "student", "phone": None, "program": None}


def register_and_login(port: int, count: int, prefix: str, password: str = PASSWORD) -> list[dict]:
    """`count` new users, each logged in: [{"email", "password", "access", "refresh"}]."""
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> dict:
        email = f"{prefix}{n}.{uuid.uuid4().hex[:6]}@sena.edu.co"
        created = call(port, "POST", "/api/auth/register", registration(email, password))
        if created.status != 201:
            raise RuntimeError(f"seeding {email}: {created.status} {created.body}")
        login = call(port, "POST", "/api/auth/login", {"email": email, "password": password})
        if login.status != 200:
            raise RuntimeError(f"seeding login {email}: {login.status} {login.body}")
        return {"email": email, "password": password, "access": login.body["access_token"],
                "refresh": login.body["refresh_token"], "id": login.body["user"]["id"]}

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


# --- Mixed traffic ----------------------------------------------------------------------------

def mixed_traffic(users: list[dict], weights: dict[str, int], register_prefix: str):
    """A `Load` step sending the app's everyday requests in the given proportions: `me`, `put`
    (PUT /me), `refresh` and `login` (each keeping the thread's user's newest token pair) and
    `register` (a new account each time)."""
    order = [(name, weights.get(name, 0)) for name in ("me", "put", "refresh", "login", "register")]
    total = sum(weight for _, weight in order)

    def take_pair(user: dict, answer: Answer) -> None:
        if answer.status == 200:
            user["access"], user["refresh"] = answer.body["access_token"], answer.body["refresh_token"]

    def pick(roll: int) -> str:
        for name, weight in order:
            if roll < weight:
                return name
            roll -= weight
        raise AssertionError("roll out of range")

    def step(index: int, load: Load) -> None:
        user = users[index]
        roll = (time.monotonic_ns() // 1000) % total
        name = pick(roll)
        if name == "me":
            load.call("GET /me", "GET", "/api/auth/me", token=user["access"])
        elif name == "put":
            load.call("PUT /me", "PUT", "/api/auth/me", {"phone": f"300{roll:07d}"}, token=user["access"])
        elif name == "refresh":
            take_pair(user, load.call("refresh", "POST", "/api/auth/refresh",
                                      {"refresh_token": user["refresh"]}))
        elif name == "login":
            take_pair(user, load.call("login", "POST", "/api/auth/login",
                                      {"email": user["email"], "password": user["password"]}))
        else:
            load.call("register", "POST", "/api/auth/register",
                      registration(f"{register_prefix}.{uuid.uuid4().hex[:12]}@sena.edu.co"))

    return step
