"""The whole benchmark, end to end: `.venv/bin/python -m bench` (see docs/benchmarks.md).

1. references: one password verify (own process) and a trivial Flask endpoint under the same
   gunicorn settings;
2. a fresh PostgreSQL database, `flask db upgrade`, users seeded with one INSERT ... SELECT;
3. the service under `gunicorn -c gunicorn.conf.py wsgi:app` (APP_ENV=production, a generated
   SECRET_KEY), the SQL of every hot request and its EXPLAIN ANALYZE;
4. each scenario at each connection count: warm-up, wait for idle workers, measured run, wait;
5. results printed, kept in bench/results/<stamp>/ and written into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import secrets
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import database, machine, procfs, profile_stacks, report, wrk
from .server import Gunicorn

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
# BENCH_DATABASE: another name, so that two runs on one PostgreSQL server do not collide.
DB_NAME = os.environ.get("BENCH_DATABASE", "inventory_auth_bench")


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    script: str
    expected_status: int
    cpu_bound: bool  # spends a password hash per request: its queue is long at many connections


FLOOR = Scenario("floor", "GET /floor (trivial Flask endpoint)", "floor.lua", 200, False)
SCENARIOS = (
    Scenario("me", "GET /api/auth/me", "me.lua", 200, False),
    Scenario("introspect", "POST /api/auth/introspect (a service asks)", "introspect.lua", 200, False),
    Scenario("login_ok", "POST /api/auth/login, right password", "login.lua", 200, True),
    Scenario("login_wrong", "POST /api/auth/login, wrong password", "login.lua", 401, True),
    Scenario("login_unknown", "POST /api/auth/login, unknown email", "login.lua", 401, True),
    Scenario("refresh", "POST /api/auth/refresh (rotating chains)", "refresh.lua", 200, False),
    Scenario("register", "POST /api/auth/register (new email each time)", "register.lua", 201, True),
)
BY_NAME = {s.name: s for s in SCENARIOS}


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def parse_args(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--users",
        type=int,
        default=int(env("BENCH_USERS", 1000)),
        help="users seeded for the suite (default 1000, env BENCH_USERS)",
    )
    parser.add_argument(
        "--scale-users",
        type=int,
        default=int(env("BENCH_SCALE_USERS", 0)),
        help="after the suite, grow the table to this many users and rerun /me and login "
        "to compare p50 (the scale run: 1000000); 0 skips it (env BENCH_SCALE_USERS)",
    )
    parser.add_argument("--scale", action="store_true", help="same as --scale-users 1000000")
    parser.add_argument(
        "--connections",
        default=env("BENCH_CONNECTIONS", "16,256"),
        help="connection counts, comma separated (default 16,256)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=float(env("BENCH_DURATION", 15)),
        help="seconds of each measured run (default 15)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=float(env("BENCH_WARMUP", 5)),
        help="seconds of the warm-up before each measured run (default 5)",
    )
    parser.add_argument(
        "--cpu-bound-duration",
        type=float,
        default=float(env("BENCH_CPU_BOUND_DURATION", 30)),
        help="a CPU-bound run lasts at least this many seconds: the requests still in flight when "
        "wrk stops (one per connection, part-hashed) cost CPU but are not counted, and must "
        "weigh little against the run (default 30)",
    )
    parser.add_argument(
        "--steady-factor",
        type=float,
        default=float(env("BENCH_STEADY_FACTOR", 2)),
        help="a CPU-bound run lasts at least this many times its queue time "
        "(connections / throughput at the smallest connection count), so that its "
        "p99 describes the full queue (default 2)",
    )
    parser.add_argument(
        "--max-duration",
        type=float,
        default=float(env("BENCH_MAX_DURATION", 60)),
        help="cap on a stretched CPU-bound run (default 60 s)",
    )
    parser.add_argument(
        "--scenarios",
        default=env("BENCH_SCENARIOS", ",".join(s.name for s in SCENARIOS)),
        help="scenarios to run, comma separated",
    )
    parser.add_argument("--wrk-threads", type=int, default=int(env("BENCH_WRK_THREADS", os.cpu_count() or 2)))
    parser.add_argument(
        "--wrk-timeout",
        type=float,
        default=float(env("BENCH_WRK_TIMEOUT", 60)),
        help="wrk's per-request timeout; a login queued behind 255 others takes ~30 s here",
    )
    parser.add_argument("--verify-runs", type=int, default=15)
    parser.add_argument("--me-users", type=int, default=32, help="distinct users whose tokens GET /me uses")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the service (e.g. raised per-address limits); repeatable",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the suite, rerun /me and login at the smallest connection count with "
        "py-spy recording every worker (figures of those runs are not used)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the trivial Flask reference")
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the benchmark database at the end"
    )
    parser.add_argument(
        "--doc",
        default=str(REPO / "docs" / "benchmarks.md"),
        help="markdown file whose generated section is rewritten ('' to skip)",
    )
    options = parser.parse_args(argv)
    if options.scale and not options.scale_users:
        options.scale_users = 1_000_000
    options.connections = [int(c) for c in options.connections.split(",") if c.strip()]
    options.scenarios = [s.strip() for s in options.scenarios.split(",") if s.strip()]
    unknown = set(options.scenarios) - set(BY_NAME)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return options


# ---------------------------------------------------------------------------------------------
# HTTP helpers (setup only: tokens and probes; the load itself is wrk's)


def post_json(url: str, body: dict, timeout: float = 60) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            payload = {}
        return error.code, payload


def login_many(base: str, numbers: list[int], parallel: int) -> list[dict]:
    def one(n):
        status, body = post_json(
            base + "/api/auth/login",
            {"email": f"bench-user-{n}@{database.DOMAIN}", "password": database.PASSWORD},
        )
        if status != 200:
            raise RuntimeError(f"setup login of bench-user-{n} answered {status}: {body}")
        return body

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, numbers))


# ---------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, options):
        self.o = options
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.dir = RESULTS / self.stamp
        self.dir.mkdir(parents=True, exist_ok=True)
        self.results = {"runs": [], "skipped": {}, "notes": []}
        self.login_cursor = 0  # next account for login_ok
        self.wrong_cursor = 0  # next account for login_wrong: failures spread round-robin
        self.wrong_total = 0
        self.refresh_pool: list[str] = []
        self.refresh_supported = None
        self.rps_at_min: dict[str, float] = {}
        self.server: Gunicorn | None = None
        self.nonce_counter = 0

    # -- environment ------------------------------------------------------------------------

    def service_env(self, url: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
        env.pop("REDIS_URL", None)  # only when asked for, through --service-env
        env.update(
            {
                "APP_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": url,
                "PYTHONPATH": str(REPO),
            }
        )
        for item in self.o.service_env:
            name, _, value = item.partition("=")
            env[name] = value
        return env

    def hash_method(self, env: dict) -> str:
        return env.get("PASSWORD_HASH_METHOD") or "pbkdf2:sha256:600000"

    # -- one wrk run ------------------------------------------------------------------------

    def nonce(self) -> str:
        self.nonce_counter += 1
        return f"{self.stamp.lower()}{self.nonce_counter}"

    def wrk_args(self, scenario: Scenario, connections: int) -> dict | None:
        common = {
            "domain": database.DOMAIN,
            "password": database.PASSWORD,
            "wrong_password": database.WRONG_PASSWORD,
            "users": self.users,
        }
        if scenario.name in ("me", "floor"):
            return {
                "tokens": self.me_tokens_path,
                "path": "/floor" if scenario.name == "floor" else "/api/auth/me",
            }
        if scenario.name == "introspect":
            return {"tokens": self.me_tokens_path, "credential": self.service_credential}
        if scenario.name == "login_ok":
            harvest = self.dir / f"harvest-{self.nonce()}.txt"
            return dict(common, mode="ok", offset=self.login_cursor, harvest=harvest)
        if scenario.name == "login_wrong":
            return dict(common, mode="wrong", offset=self.wrong_cursor)
        if scenario.name == "login_unknown":
            return dict(common, mode="unknown", offset=0, nonce=self.nonce())
        if scenario.name == "register":
            return dict(common, nonce=self.nonce())
        if scenario.name == "refresh":
            wanted = connections + max(2, connections // 8)
            if len(self.refresh_pool) < wanted:
                self.top_up_refresh_tokens(wanted - len(self.refresh_pool))
            if len(self.refresh_pool) < connections:
                return None
            take, self.refresh_pool = self.refresh_pool[:wanted], self.refresh_pool[wanted:]
            path = self.dir / f"refresh-{self.nonce()}.txt"
            path.write_text("\n".join(take) + "\n")
            return {"tokens": path}
        raise ValueError(scenario.name)

    def after_wrk(self, scenario: Scenario, args: dict, result: wrk.WrkResult, connections: int) -> None:
        # Requests still in flight when wrk stopped used accounts too: skip past them.
        used = result.requests + connections
        if scenario.name == "login_ok":
            self.login_cursor += used
            harvest = Path(args["harvest"])
            if harvest.exists():
                self.refresh_pool += [t for t in harvest.read_text().split() if t]
                harvest.unlink()
        elif scenario.name == "login_wrong":
            self.wrong_cursor += used
            self.wrong_total += used

    def wrk_once(
        self, scenario: Scenario, base_url: str, connections: int, duration: float
    ) -> wrk.WrkResult | None:
        args = self.wrk_args(scenario, connections)
        if args is None:
            return None
        script = wrk.script_for(scenario.script, self.dir)
        cmd = wrk.command(
            base_url,
            script,
            connections=connections,
            threads=self.o.wrk_threads,
            duration_s=duration,
            timeout_s=self.o.wrk_timeout,
            args=args,
        )
        result, _ = wrk.run(cmd)
        self.after_wrk(scenario, args, result, connections)
        return result

    def measure(
        self,
        server: Gunicorn,
        scenario: Scenario,
        connections: int,
        *,
        database_name: str | None,
        label: str = "",
    ) -> dict | None:
        """Warm-up, wait for idle, measured run, wait for idle; the run's record."""
        warm_connections = min(connections, self.warm_cap(server))
        warm = self.wrk_once(scenario, server.url, warm_connections, self.o.warmup)
        if warm is None:
            return None
        waited_before = server.wait_idle()
        # Reference (a) again, on the idle machine right before the run it judges: its conditions
        # drift over a run (a neighbour's load, the CPU's clock), and both figures must share them.
        verify = self.reference_verify(self.verify_method) if scenario.cpu_bound else None
        duration = self.duration_for(scenario, connections)
        workers = server.workers()
        args = self.wrk_args(scenario, connections)
        if args is None:
            return None
        script = wrk.script_for(scenario.script, self.dir)
        cmd = wrk.command(
            server.url,
            script,
            connections=connections,
            threads=self.o.wrk_threads,
            duration_s=duration,
            timeout_s=self.o.wrk_timeout,
            args=args,
        )
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        spread = {}

        def sample_spread():
            # Mid-run: how the connections are spread over the workers (each serves only its own).
            time.sleep(duration / 2)
            spread.update(procfs.connections_per_worker(workers, server.port))

        sampler = threading.Thread(target=sample_spread, daemon=True)
        sampler.start()
        with machine.CpuWindow(workers, database_name) as window:
            result, _ = wrk.run(cmd)
        sampler.join()
        wall = time.monotonic() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = (children_after.ru_utime - children_before.ru_utime) + (
            children_after.ru_stime - children_before.ru_stime
        )
        self.after_wrk(scenario, args, result, connections)
        waited_after = server.wait_idle()
        memory = server.memory()
        record = {
            "scenario": scenario.name,
            "title": scenario.title,
            "label": label,
            "connections": connections,
            "warmup_connections": warm_connections,
            "duration_s": duration,
            "expected_status": scenario.expected_status,
            "cpu_bound": scenario.cpu_bound,
            "verify": verify,
            "wrk": result.to_dict(),
            "unexpected": sum(c for s, c in result.statuses.items() if s != scenario.expected_status)
            + sum(result.socket_errors.values()),
            "cpu": window.result(wrk_cpu, wall),
            "idle_wait_before_s": waited_before,
            "idle_wait_after_s": waited_after,
            "workers": workers,
            "memory_after": {str(pid): values for pid, values in memory.items()},
            "connections_per_worker": {str(pid): n for pid, n in spread.items()},
            "command": shlex.join(str(part) for part in cmd),
        }
        if min(self.o.connections) == connections and scenario.cpu_bound and result.rps > 0:
            self.rps_at_min[scenario.name] = result.rps
        self.print_record(record)
        return record

    def warm_cap(self, server: Gunicorn) -> int:
        slots = int(server.settings.get("workers", 1)) * int(server.settings.get("threads", 1))
        return max(16, 2 * slots)

    def duration_for(self, scenario: Scenario, connections: int) -> float:
        duration = self.o.duration
        if scenario.cpu_bound:
            duration = max(duration, self.o.cpu_bound_duration)
        rps = self.rps_at_min.get(scenario.name)
        if scenario.cpu_bound and rps:
            # 10% over the planned queue: the run's own throughput, which judges it, may be lower.
            planned = self.o.steady_factor * connections / rps * 1.1
            duration = max(duration, min(self.o.max_duration, planned))
        return math.ceil(duration)

    def print_record(self, r: dict) -> None:
        w = r["wrk"]
        lat = w["latency_ms"]
        mem = ", ".join(f"{v['VmHWM'] / 1024:.1f}" for v in r["memory_after"].values())
        statuses = " ".join(f"{k}:{v}" for k, v in w["statuses"].items())
        sock = " ".join(f"{k}:{v}" for k, v in w["socket_errors"].items() if v)
        log(
            f"{r['scenario']:<14} c={r['connections']:<4} {w['rps']:9.1f} req/s  p50 {lat['p50']:9.2f} ms  "
            f"p99 {lat['p99']:9.2f} ms  [{statuses}] {sock} unexpected={r['unexpected']}  "
            f"peak RSS/worker MiB: {mem}"
        )

    # -- setup --------------------------------------------------------------------------------

    def fresh_me_tokens(self) -> None:
        """Access tokens for GET /me, from real logins of the first --me-users accounts."""
        bodies = login_many(
            self.server.url,
            list(range(1, min(self.o.me_users, self.o.users) + 1)),
            parallel=2 * (os.cpu_count() or 1),
        )
        self.me_tokens_path.write_text("\n".join(b["access_token"] for b in bodies) + "\n")
        self.refresh_pool += [b["refresh_token"] for b in bodies if b.get("refresh_token")]

    def top_up_refresh_tokens(self, count: int) -> None:
        if self.refresh_supported is False or count <= 0:
            return
        log(f"logging in {count} times for unused refresh tokens")
        numbers = [(self.login_cursor + i) % self.users + 1 for i in range(count)]
        self.login_cursor += count
        bodies = login_many(self.server.url, numbers, parallel=2 * (os.cpu_count() or 1))
        self.refresh_pool += [b["refresh_token"] for b in bodies if b.get("refresh_token")]

    def probe_refresh(self) -> bool:
        status, body = post_json(self.server.url + "/api/auth/refresh", {"refresh_token": "bench-probe"})
        if status == 404 and body.get("detail") == "Recurso no encontrado":
            self.refresh_supported = False
            reason = (
                "POST /api/auth/refresh answered 404: the endpoint does not exist on this commit "
                "(an older version of the service); scenario skipped"
            )
            self.results["skipped"]["refresh"] = reason
            log(reason)
            return False
        self.refresh_supported = True
        return True

    def reference_verify(self, method: str) -> dict:
        log(f"reference (a): password verify with {method}, median of {self.o.verify_runs}")
        done = subprocess.run(
            [sys.executable, "-m", "bench.verify_ref", "--method", method, "--runs", str(self.o.verify_runs)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout)
        result["cores"] = os.cpu_count()
        result["login_limit_rps"] = (os.cpu_count() or 1) / result["median_s"]
        log(
            f"verify median {result['median_s'] * 1000:.1f} ms "
            f"-> login limit {result['login_limit_rps']:.2f}/s"
        )
        return result

    def start_floor(self, env: dict) -> Gunicorn:
        """Reference (b), started next to the service and left idle between its runs."""
        server = Gunicorn("bench.floor_app:app", env, self.dir / "gunicorn-floor.log", "/floor")
        server.start()
        self.results["floor_command"] = shlex.join(server.command)
        return server

    def measure_floor(self, floor: Gunicorn, connections: int) -> None:
        log(f"reference (b): trivial Flask endpoint, same gunicorn settings, c={connections}")
        self.results["runs"].append(
            self.measure(floor, FLOOR, connections, database_name=None, label="reference")
        )

    def capture_plans(self, env: dict, users: int) -> dict:
        log(f"capturing the hot path's SQL and EXPLAIN ANALYZE at {users} users")
        done = subprocess.run(
            [sys.executable, "-m", "bench.sql_plans", "--users", str(users)],
            cwd=REPO,
            # stdout carries the JSON result: keep the service's access log lines out of it.
            env={**env, "LOG_LEVEL": "WARNING"},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError("bench.sql_plans failed:\n" + done.stderr[-3000:])
        # The JSON is the last line: the service may log a line of its own first (production
        # without MAIL_SERVER logs an error at start-up).
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1])

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> dict:
        o = self.o
        started = datetime.now(UTC)
        self.results["started"] = started.isoformat(timespec="seconds")
        self.results["argv"] = sys.argv[1:]
        self.results["options"] = {k: v for k, v in vars(o).items() if k != "doc"}
        self.users = o.users
        floor = None
        url = database.recreate(DB_NAME)
        env = self.service_env(url)
        method = self.hash_method(env)
        self.results["machine"] = machine.describe(database.server_version())
        self.results["service_env"] = {
            k: (v if k != "SECRET_KEY" else "(generated, 64 chars)")
            for k, v in env.items()
            if k
            in (
                "APP_ENV",
                "SECRET_KEY",
                "DATABASE_URL",
                "PASSWORD_HASH_METHOD",
                "WEB_CONCURRENCY",
                "GUNICORN_THREADS",
                "REDIS_URL",
            )
            or any(item.startswith(k + "=") for item in o.service_env)
        }
        try:
            self.verify_method = method
            self.results["verify"] = self.reference_verify(method)
            log(f"database {DB_NAME}: flask db upgrade, seeding {o.users} users")
            database.upgrade(env)
            stored_hash = database.password_hash(method)
            self.results["seed_s"] = database.seed(url, 1, o.users, stored_hash)
            log(f"seeded {database.count_users(url)} users in {self.results['seed_s']:.1f} s")
            self.results["plans"] = {str(o.users): self.capture_plans(env, o.users)}

            self.server = Gunicorn("wsgi:app", env, self.dir / "gunicorn.log", "/api/auth/me")
            self.results["service_command"] = shlex.join(self.server.command)
            self.results["gunicorn"] = self.server.settings
            self.server.start()
            log(
                f"service up on {self.server.url}, workers {self.server.workers()}, "
                f"settings {self.server.settings}"
            )
            self.me_tokens_path = self.dir / "me-tokens.txt"
            self.fresh_me_tokens()
            self.service_credential = database.service_credential(env, "bench")
            self.probe_refresh()

            # The floor runs right before /me at each connection count, so that the two figures the
            # /me target compares share the machine's conditions (a noisy neighbour hits both).
            if not o.no_floor:
                floor = self.start_floor(env)

            selected = [BY_NAME[name] for name in o.scenarios]
            runnable = [s for s in selected if not (s.name == "refresh" and not self.refresh_supported)]

            # One warm-up pass over every scenario, then the memory baseline.
            log("warm-up pass over every scenario")
            for scenario in runnable:
                if (
                    self.wrk_once(scenario, self.server.url, min(16, self.warm_cap(self.server)), o.warmup)
                    is None
                ):
                    log(f"{scenario.name}: not enough refresh tokens for the warm-up")
                self.server.wait_idle()
            self.results["memory_after_warmup"] = {str(k): v for k, v in self.server.memory().items()}
            self.results["workers_after_warmup"] = self.server.workers()

            if floor and "me" not in [s.name for s in runnable]:
                for connections in o.connections:
                    self.measure_floor(floor, connections)
            for scenario in runnable:
                for connections in o.connections:
                    if floor and scenario.name == "me":
                        self.measure_floor(floor, connections)
                    record = self.measure(self.server, scenario, connections, database_name=DB_NAME)
                    if record is None:
                        self.results["skipped"][f"{scenario.name}@{connections}"] = (
                            "not enough unused refresh tokens (login returned none?)"
                        )
                        continue
                    self.results["runs"].append(record)
            if floor:
                floor.stop()
                floor = None
            self.results["memory_after_run"] = {str(k): v for k, v in self.server.memory().items()}
            self.results["workers_after_run"] = self.server.workers()
            self.results["wrong_password_attempts"] = self.wrong_total

            # Access tokens live ACCESS_TOKEN_EXPIRE minutes (30): the later passes get fresh ones.
            if o.profile:
                self.fresh_me_tokens()
                self.results["profile"] = self.profile_pass()

            if o.scale_users and o.scale_users > o.users:
                self.fresh_me_tokens()
                self.results["scale"] = self.scale_pass(env, url, stored_hash)
        finally:
            if floor:
                floor.stop()
            if self.server:
                self.server.stop()
            if not o.keep_db:
                database.drop(DB_NAME)
        self.results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results["elapsed_s"] = (datetime.now(UTC) - started).total_seconds()
        return self.results

    def scale_pass(self, env: dict, url: str, stored_hash: str) -> dict:
        o = self.o
        scenarios = [BY_NAME["me"], BY_NAME["login_ok"]]
        connections = min(o.connections)
        before = []
        log(f"scale: /me and login at {o.users} users, {connections} connections")
        for scenario in scenarios:
            before.append(
                self.measure(self.server, scenario, connections, database_name=DB_NAME, label="scale")
            )
        log(f"scale: growing the table to {o.scale_users} users")
        grow_s = database.seed(url, o.users + 1, o.scale_users, stored_hash)
        self.users = o.scale_users
        log(f"grown in {grow_s:.1f} s; capturing plans")
        self.results["plans"][str(o.scale_users)] = self.capture_plans(env, o.scale_users)
        after = []
        for scenario in scenarios:
            after.append(
                self.measure(self.server, scenario, connections, database_name=DB_NAME, label="scale")
            )
        return {
            "users_before": o.users,
            "users_after": o.scale_users,
            "grow_s": grow_s,
            "connections": connections,
            "before": before,
            "after": after,
        }

    def profile_pass(self) -> dict:
        """/me and login under load with py-spy recording every worker, twice per scenario: once
        sampling the threads py-spy sees as active (on CPU or runnable), once only the thread holding
        the GIL (Python-level CPU work). The figures of these runs are not used elsewhere."""
        py_spy = Path(sys.executable).parent / "py-spy"
        if not py_spy.exists():
            self.results["notes"].append("py-spy is not installed in the venv: profile skipped")
            return {}
        profiles = {}
        connections = min(self.o.connections)
        for name in ("me", "login_ok"):
            scenario = BY_NAME[name]
            for mode, flags in (("active", []), ("gil", ["--gil"])):
                self.wrk_once(scenario, self.server.url, connections, self.o.warmup)
                self.server.wait_idle()
                duration = max(10, self.o.duration)
                args = self.wrk_args(scenario, connections)
                script = wrk.script_for(scenario.script, self.dir)
                cmd = wrk.command(
                    self.server.url,
                    script,
                    connections=connections,
                    threads=self.o.wrk_threads,
                    duration_s=duration,
                    timeout_s=self.o.wrk_timeout,
                    args=args,
                )
                load = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                time.sleep(1)
                spies = []
                outputs = []
                for pid in self.server.workers():
                    out = self.dir / f"pyspy-{name}-{mode}-{pid}.txt"
                    outputs.append(out)
                    spies.append(
                        subprocess.Popen(
                            [
                                str(py_spy),
                                "record",
                                "--pid",
                                str(pid),
                                "--duration",
                                str(int(duration - 3)),
                                "--rate",
                                "200",
                                "--format",
                                "raw",
                                "--output",
                                str(out),
                                "--nonblocking",
                                *flags,
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE,
                            text=True,
                        )
                    )
                for spy in spies:
                    _, err = spy.communicate()
                    if spy.returncode != 0:
                        self.results["notes"].append(f"py-spy failed: {err.strip()[-300:]}")
                text, _ = load.communicate()
                result = wrk.parse_wrk_output(text)
                self.after_wrk(scenario, args, result, connections)
                self.server.wait_idle()
                merged = "\n".join(p.read_text() for p in outputs if p.exists())
                profiles[f"{name} ({mode})"] = {
                    "connections": connections,
                    "mode": mode,
                    "rps_while_profiled": result.rps,
                    "summary": profile_stacks.summarize(merged) if merged.strip() else None,
                    "files": [str(p.relative_to(REPO)) for p in outputs],
                }
                log(f"profiled {name} ({mode}): {result.rps:.1f} req/s while sampled")
        return profiles


def main(argv=None) -> int:
    options = parse_args(argv)
    bench = Bench(options)
    log(f"results in {bench.dir.relative_to(REPO)}")
    results = bench.run()
    (bench.dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    markdown = report.render(results)
    (bench.dir / "results.md").write_text(markdown)
    print()
    print(markdown)
    if options.doc:
        report.write_section(Path(options.doc), report.render_doc(results))
        log(f"wrote the generated section of {options.doc}")
    return 0
