"""Does login take the same time whether or not the email exists, and whatever its hash?

Starts the service under gunicorn on a fresh PostgreSQL database (as the Procfile does, one sync
worker so requests never queue behind each other), seeds users, half with a hash in the current
method and half with a bcrypt cost-12 hash as the previous backend left them, then sends
interleaved logins: a wrong password for a migrated user, a wrong password for a user still on
bcrypt, and any password for an unknown email, each to a distinct account so the lockout never
answers instead of the password check. Prints the medians and their largest difference, and
writes them to docs/benchmarks.md's timing table when `--write` is given. `--legacy-rounds 0`
runs the service without the padded failures (LEGACY_BCRYPT_ROUNDS=0), which is how it
behaved before them. `--options` instead prints the CPU cost of each failure path under each
option considered for the bcrypt accounts, from measured unit costs, in-process.

    .venv/bin/python -m bench.login_timing [--rounds 200] [--legacy-rounds 12] [--write]
    .venv/bin/python -m bench.login_timing --options [--write]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import bcrypt
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Frase de referencia del banco 8"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, str]:
    name = f"inventory_auth_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, sa.engine.make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    engine = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def seed(url: str, env: dict, count: int, prefix: str = "bench", legacy: bool = False) -> list[str]:
    if legacy:  # as the previous backend stored them: passlib bcrypt, cost 12
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12)).decode()
    else:
        code = (
            "from werkzeug.security import generate_password_hash as g; import os;"
            f"print(g({PASSWORD!r}, method=os.environ.get('PASSWORD_HASH_METHOD', 'pbkdf2:sha256:600000')))"
        )
        hashed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout.strip()
    engine = sa.create_engine(url)
    emails = [f"{prefix}{n}@sena.edu.co" for n in range(count)]
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO users (id, email, password_hash, first_name, last_name, role) "
                    "VALUES (:id, :email, :hash, 'Banco', 'Prueba', 'student')"),
            [{"id": uuid.uuid4(), "email": email, "hash": hashed} for email in emails],
        )
    engine.dispose()
    return emails


def options() -> str:
    """CPU ms of each failed-login path under each option, from unit costs measured here."""
    from werkzeug.security import check_password_hash, generate_password_hash

    def best(function, repeat=5):
        times = []
        for _ in range(repeat):
            start = time.process_time()
            function()
            times.append(time.process_time() - start)
        return min(times) * 1000

    pbkdf2_hash = generate_password_hash("x", "pbkdf2:sha256:600000")
    bcrypt_hash = bcrypt.hashpw(b"x", bcrypt.gensalt(12))
    p = best(lambda: check_password_hash(pbkdf2_hash, "y"))
    b = best(lambda: bcrypt.checkpw(b"y", bcrypt_hash))
    rows = [
        ("as before (no measure)", b, p, p),
        ("wrap bcrypt in PBKDF2 (migration)", b + p, p, p),
        ("every failure spends PBKDF2 + bcrypt (until 2026-12)", p + b, p + b, p + b),
        ("one check, padded by sleep to the other's measured time (chosen)", b, p, p),
    ]
    lines = [f"Unit costs: PBKDF2-SHA256 600,000 = {p:.0f} ms, bcrypt cost 12 = {b:.0f} ms of CPU "
             f"(`python -m bench.login_timing --options`, {time.strftime('%Y-%m-%d')}).", "",
             "| option | wrong password, bcrypt account | wrong password, migrated | unknown email |",
             "|---|---|---|---|"]
    lines += [f"| {name} | {x:.0f} ms | {y:.0f} ms | {z:.0f} ms |" for name, x, y, z in rows]
    return "\n".join(lines)


def login_ms(port: int, email: str, password: str) -> tuple[float, int]:
    body = json.dumps({"email": email, "password": password})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return elapsed, response.status


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            login_ms(port, "nadie@sena.edu.co", "x")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def write_between(doc: Path, marker: str, text: str) -> None:
    """Replace what lies between `<!-- marker:begin -->` and `<!-- marker:end -->` in `doc`."""
    content = doc.read_text()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    head, rest = content.split(begin)
    _, tail = rest.split(end)
    doc.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="logins of each kind")
    parser.add_argument("--legacy-rounds", type=int, default=12,
                        help="LEGACY_BCRYPT_ROUNDS of the service (0: failures not equalized)")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--options", action="store_true", help="print the options' CPU costs and stop")
    args = parser.parse_args()
    if args.options:
        report = options()
        print(report)
        if args.write:
            write_between(ROOT / "docs" / "security.md", "legacy-options", report)
        return

    name, url = create_database()
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "APP_PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        # All requests come from one address; the per-address limit is not what is measured.
        "RATE_LIMITS_ENABLED": "false",
        "LEGACY_BCRYPT_ROUNDS": str(args.legacy_rounds),
    }
    env.pop("REDIS_URL", None)
    process = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        emails = seed(url, env, args.rounds + 10)
        legacy = seed(url, env, args.rounds + 10, prefix="legacy", legacy=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(port, process)
        for email, old in zip(emails[-10:], legacy[-10:], strict=True):  # warm-up: caches, dummy hashes
            login_ms(port, email, "clave equivocada 0")
            login_ms(port, old, "clave equivocada 0")
            login_ms(port, f"{uuid.uuid4().hex}@sena.edu.co", "clave equivocada 0")
        wrong, bcrypt_wrong, unknown, statuses = [], [], [], set()
        for n in range(args.rounds):
            kinds = [(wrong, emails[n]), (bcrypt_wrong, legacy[n]),
                     (unknown, f"{uuid.uuid4().hex}@sena.edu.co")]
            for samples, email in kinds[n % 3:] + kinds[:n % 3]:  # each kind first in turn
                elapsed, status = login_ms(port, email, "clave equivocada 1")
                samples.append(elapsed)
                statuses.add(status)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        drop_database(name)

    if statuses != {401}:
        raise SystemExit(f"unexpected statuses {statuses}: the figures would not compare like with like")
    kinds = {"wrong password, migrated account": wrong,
             "wrong password, account still on bcrypt": bcrypt_wrong,
             "unknown email": unknown}
    medians = [statistics.median(samples) for samples in kinds.values()]
    difference = (max(medians) - min(medians)) / min(medians) * 100
    report = "".join(
        f"| {name} | {args.rounds} | {statistics.median(samples):.1f} ms | "
        f"{statistics.quantiles(samples, n=10)[-1]:.1f} ms |\n"
        for name, samples in kinds.items()
    ) + (f"\nLargest difference of the medians: {difference:.1f}% (must stay within 15%); "
         f"LEGACY_BCRYPT_ROUNDS={args.legacy_rounds}, measured {time.strftime('%Y-%m-%d')} with "
         f"`nice -n -10 python -m bench.login_timing --rounds {args.rounds}` (load average "
         f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}).")
    print(report)
    if args.write:
        table = "| login | requests | median | p90 |\n|---|---|---|---|\n" + report
        write_between(ROOT / "docs" / "benchmarks.md", "legacy-timing", table)
    if difference > 15:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
