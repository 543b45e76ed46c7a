"""GET /me side by side with the essential work and the peers, in one run (docs/benchmarks.md,
"GET /me against the essential work and the peers").

    .venv/bin/python -m bench.compare [--rounds 3] [--connections 16,256] [--duration 10]
        [--systems me,introspect,essential,fastapi_users,drf_simplejwt,flask_security]

Each system runs on its own free port under `nice -n -10` (as wrk does), started for its own
measurement and stopped after it: PostgreSQL here allows 100 connections, shared with the test
suites of the other work on the machine, and five servers of 2 × 16 threads kept idle would hold
160. The systems: the service (`gunicorn -c gunicorn.conf.py wsgi:app`), the essential work
(`gunicorn -c gunicorn.conf.py bench.essential_app:app`, same environment and settings), and each
peer from its own virtualenv, `bench/peers/<name>/.venv`, made here from the pinned
`bench/peers/<name>/requirements.txt` when missing (a peer that cannot be installed is reported
and skipped). Each peer seeds its own database on the same PostgreSQL and mints its own tokens
(`app.py setup`, which also checks that its /me makes exactly one query).

Then, for each round and each connection count, the systems one after the other in an order
that rotates and reverses between rounds (A B C, then C B A shifted...): warm-up, wait until its
workers are idle, the measured run with the same wrk settings for all, the load average beside
it. Ratios are taken within a round (the machine is shared: its speed drifts between rounds),
and the report gives each round's ratios and their median.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import database, wrk
from .run import login_many
from .server import REPO, Gunicorn, free_port, procfs

PEERS_DIR = REPO / "bench" / "peers"
NICE = ["nice", "-n", "-10"]
DB_PREFIX = os.environ.get("BENCH_COMPARE_DATABASE", "inventory_auth_compare")


@dataclass
class System:
    name: str
    title: str
    path: str
    script: str = "me.lua"
    header: str | None = None  # a header other than "Authorization: Bearer"
    scheme: str = ""
    server: object = None  # made anew, started and stopped around each measurement
    make_server: object = None
    tokens: Path | None = None
    credential: str | None = None
    results: dict = field(default_factory=dict)


PEERS = {
    "fastapi_users": (
        "fastapi-users 15 (JWT, SQLAlchemy async + asyncpg, 2 uvicorn workers)", "/users/me", None
    ),
    "drf_simplejwt": ("Django REST framework + simplejwt (gthread)", "/me", None),
    "flask_security": ("Flask-Security-Too 5.9 (token auth, gthread)", "/me", "Authentication-Token"),
}


def log(message: str) -> None:
    print(f"[compare {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


class Niced(Gunicorn):
    """The service's gunicorn command, under nice -n -10."""

    @property
    def command(self) -> list[str]:
        return NICE + super().command


class PeerServer(Gunicorn):
    """A peer's gunicorn, from its own virtualenv and directory, under nice -n -10."""

    def __init__(self, name: str, env: dict, log_path: Path, ready_path: str):
        self.app_path = "app:app" if name != "drf_simplejwt" else "app:application"
        self.port = free_port()
        self.env = dict(env, PORT=str(self.port))
        self.log_path = log_path
        self.ready_path = ready_path
        self.process = None
        self.peer_dir = PEERS_DIR / name
        self.settings = {"workers": int(env.get("WEB_CONCURRENCY") or os.cpu_count() or 2)}

    @property
    def command(self) -> list[str]:
        return NICE + [str(self.peer_dir / ".venv/bin/gunicorn"), "--chdir", str(self.peer_dir),
                       "-c", str(self.peer_dir / "gunicorn_conf.py"), self.app_path]


def ensure_venv(name: str) -> bool:
    peer = PEERS_DIR / name
    python = peer / ".venv/bin/python"
    marker = peer / ".venv/installed.txt"
    wanted = (peer / "requirements.txt").read_text()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return True
    log(f"{name}: installing {peer / 'requirements.txt'} into {peer / '.venv'}")
    steps = [[sys.executable, "-m", "venv", str(peer / ".venv")],
             [str(python), "-m", "pip", "install", "-q", "-r", str(peer / "requirements.txt")]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log(f"{name}: cannot be installed here, skipped:\n{done.stderr[-1500:]}")
            return False
    marker.write_text(wanted)
    return True


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="16,256")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--wrk-threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--systems", default="me,introspect,essential," + ",".join(PEERS))
    parser.add_argument("--before", default="", metavar="REVISION",
                        help="also serve GET /me from this revision (git archive), as system me_before")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--out", default="", help="results directory (default bench/results/compare-<stamp>)")
    options = parser.parse_args(argv)
    options.connections = [int(c) for c in options.connections.split(",") if c.strip()]
    options.systems = [s.strip() for s in options.systems.split(",") if s.strip()]
    return options


def run_wrk(system: System, connections: int, duration: float, threads: int, work_dir: Path):
    args = {"tokens": system.tokens, "path": system.path}
    if system.header:
        args.update(header=system.header, scheme=system.scheme)
    if system.credential:
        args["credential"] = system.credential
    script = wrk.script_for(system.script, work_dir)
    cmd = wrk.command(system.server.url, script, connections=connections, threads=threads,
                      duration_s=duration, timeout_s=30, args=args)
    result, _ = wrk.run(NICE + cmd)
    return result


def measure(system: System, connections: int, o, work_dir: Path) -> dict:
    system.server = system.make_server()
    system.server.start()
    try:
        return _measure(system, connections, o, work_dir)
    finally:
        system.server.stop()


def _measure(system: System, connections: int, o, work_dir: Path) -> dict:
    run_wrk(system, min(connections, 32), o.warmup, o.wrk_threads, work_dir)
    system.server.wait_idle(limit_s=30)
    workers = system.server.workers()
    before_load = Path("/proc/loadavg").read_text().split()[0]
    cpu_before = procfs.cpu_seconds(workers)
    switches_before = procfs.context_switches(workers)
    result = run_wrk(system, connections, o.duration, o.wrk_threads, work_dir)
    cpu = procfs.cpu_seconds(workers) - cpu_before
    switches = procfs.context_switches(workers) - switches_before
    after_load = Path("/proc/loadavg").read_text().split()[0]
    record = {
        "rps": round(result.rps, 1),
        "p50_ms": result.latency_ms.get("p50"),
        "p99_ms": result.latency_ms.get("p99"),
        "errors": result.error_count,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "worker_cpu_ms": round(1000 * cpu / result.requests, 3) if result.requests else None,
        # Threads that end during the run are missed; gunicorn's live as long as their worker.
        "switches_per_request": round(switches / result.requests, 1) if result.requests else None,
        "loadavg": f"{before_load}→{after_load}",
    }
    log(f"  {system.name} c={connections}: {record['rps']} req/s, errors {record['errors']}, "
        f"worker CPU {record['worker_cpu_ms']} ms/req, {record['switches_per_request']} thread "
        f"switches/req, loadavg {record['loadavg']}")
    return record


def start_service(o, stamp_dir: Path) -> tuple[dict, list[System]]:
    url = database.recreate(DB_PREFIX)
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=url,
               PYTHONPATH=str(REPO))  # rate limits on, as shipped: /me and introspection have none
    for item in o.service_env:
        name, _, value = item.partition("=")
        env[name] = value
    database.upgrade(env)
    method = env.get("PASSWORD_HASH_METHOD") or "pbkdf2:sha256:600000"
    database.seed(url, 1, o.users, database.password_hash(method))
    systems = []

    def service():
        return Niced("wsgi:app", env, stamp_dir / "gunicorn-service.log", "/api/auth/me")

    server = service()
    server.start()
    tokens = stamp_dir / "service-tokens.txt"
    try:
        bodies = login_many(server.url, list(range(1, 33)), 4)
    finally:
        server.stop()
    tokens.write_text("\n".join(b["access_token"] for b in bodies) + "\n")
    credential = database.service_credential(env, "bench")
    if "me" in o.systems:
        systems.append(System("me", "this service, GET /api/auth/me", "/api/auth/me",
                              make_server=service, tokens=tokens))
    if o.before:
        tree = stamp_dir / "before"
        tree.mkdir(exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", o.before],
                                 capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        before_env = dict(env, PYTHONPATH=str(tree))

        def before():
            server = Niced("wsgi:app", before_env, stamp_dir / "gunicorn-before.log", "/api/auth/me")
            server.cwd = tree
            return server

        systems.append(System("me_before", f"GET /api/auth/me at {o.before}", "/api/auth/me",
                              make_server=before, tokens=tokens))
    if "introspect" in o.systems:
        systems.append(System("introspect", "this service, POST /api/auth/introspect",
                              "/api/auth/introspect", script="introspect.lua", make_server=service,
                              tokens=tokens, credential=credential))
    if "essential" in o.systems:
        systems.append(System(
            "essential", "essential work (bench/essential_app.py)", "/essential", tokens=tokens,
            make_server=lambda: Niced("bench.essential_app:app", env, stamp_dir / "gunicorn-essential.log",
                                      "/essential"),
        ))
    return env, systems


def start_peer(name: str, o, stamp_dir: Path) -> System | None:
    if not ensure_venv(name):
        return None
    title, path, header = PEERS[name]
    url = database.recreate(f"{DB_PREFIX}_{name}")
    env = {"PATH": os.environ["PATH"], "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": url}
    tokens = stamp_dir / f"{name}-tokens.txt"
    done = subprocess.run(
        [str(PEERS_DIR / name / ".venv/bin/python"), "app.py", "setup", str(o.users), str(tokens)],
        cwd=PEERS_DIR / name, env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        log(f"{name}: setup failed, skipped:\n{done.stderr[-1500:]}")
        return None
    queries = [line for line in done.stdout.splitlines() if line.startswith("queries per /me")]
    log(f"{name}: {queries[-1][:120] if queries else done.stdout[-300:]}")
    return System(name, title, path, header=header, tokens=tokens,
                  make_server=lambda: PeerServer(name, env, stamp_dir / f"gunicorn-{name}.log", path),
                  results={"queries": queries[-1] if queries else ""})


def main(argv=None) -> int:
    o = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(o.out) if o.out else REPO / "bench" / "results" / f"compare-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    systems: list[System] = []
    report = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "argv": sys.argv[1:],
              "loadavg_start": Path("/proc/loadavg").read_text().strip(), "rounds": []}
    try:
        _, systems = start_service(o, out)
        for name in PEERS:
            if name in o.systems:
                peer = start_peer(name, o, out)
                if peer:
                    systems.append(peer)
        log("ready: " + ", ".join(s.name for s in systems))
        for number in range(o.rounds):
            order = systems[number % len(systems):] + systems[: number % len(systems)]
            if number % 2:
                order.reverse()
            figures = {}
            for connections in o.connections:
                log(f"round {number + 1}, c={connections}: {' '.join(s.name for s in order)}")
                figures[connections] = {s.name: measure(s, connections, o, out) for s in order}
            report["rounds"].append(figures)
            (out / "results.json").write_text(json.dumps(report, indent=1, default=str))
    finally:
        for system in systems:
            if system.server:
                system.server.stop()
        for name in [DB_PREFIX] + [f"{DB_PREFIX}_{peer}" for peer in PEERS]:
            database.drop(name)
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["titles"] = {s.name: s.title for s in systems}
    report["queries"] = {s.name: s.results.get("queries") for s in systems if s.results.get("queries")}
    markdown = summarize(report, o.connections)
    (out / "results.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "results.md").write_text(markdown)
    print(markdown)
    return 0


def summarize(report: dict, connection_counts: list[int]) -> str:
    peers = [name for name in report["titles"] if name in PEERS]
    lines = [f"Run {report['started']} → {report['finished']}, load average at start "
             f"{report['loadavg_start'].split(' ', 3)[:3]}.", ""]
    lines += ["| round | c | " + " | ".join(report["titles"]) + " | me / essential | me / best peer | "
              "introspect / essential |",
              "|---|---:|" + "---:|" * (len(report["titles"]) + 3)]
    ratios = {c: {"ess": [], "peer": [], "intro": []} for c in connection_counts}
    for number, figures in enumerate(report["rounds"], 1):
        for c in connection_counts:
            row = figures.get(c) or figures.get(str(c))
            if not row:
                continue
            cells = [f"{row[n]['rps']:,.0f}" + (f" ({row[n]['errors']} err)" if row[n]["errors"] else "")
                     if n in row else "" for n in report["titles"]]
            me = row.get("me", {}).get("rps")
            ess = row.get("essential", {}).get("rps")
            best = max((row[p]["rps"] for p in peers if p in row), default=None)
            intro = row.get("introspect", {}).get("rps")
            r_ess = me / ess if me and ess else None
            r_peer = me / best if me and best else None
            r_intro = intro / ess if intro and ess else None
            for key, value in (("ess", r_ess), ("peer", r_peer), ("intro", r_intro)):
                if value:
                    ratios[c][key].append(value)
            fmt = lambda v: f"{v:.2f}×" if v else "–"  # noqa: E731
            lines.append(f"| {number} | {c} | " + " | ".join(cells)
                         + f" | {fmt(r_ess)} | {fmt(r_peer)} | {fmt(r_intro)} |")
    lines.append("")
    for c in connection_counts:
        med = {k: (f"{statistics.median(v):.2f}×" if v else "–") for k, v in ratios[c].items()}
        lines.append(f"- c={c}: median me / essential {med['ess']}, me / best peer {med['peer']}, "
                     f"introspect / essential {med['intro']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
