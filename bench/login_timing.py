"""Does login take the same time whether or not the email exists?

Starts the service under gunicorn on a fresh PostgreSQL database (as the Procfile does, one sync
worker so requests never queue behind each other), seeds users, then sends interleaved logins:
a wrong password for an existing user and any password for an unknown email, each from a distinct
account so the lockout never answers instead of the password check. Prints the medians and their
ratio, and writes them to docs/security.md's timing table when `--write` is given.

    .venv/bin/python -m bench.login_timing [--rounds 200] [--write]
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


def seed(url: str, env: dict, count: int) -> list[str]:
    code = (
        "from werkzeug.security import generate_password_hash as g; import os;"
        f"print(g({PASSWORD!r}, method=os.environ.get('PASSWORD_HASH_METHOD', 'pbkdf2:sha256:600000')))"
    )
    hashed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    engine = sa.create_engine(url)
    emails = [f"bench{n}@sena.edu.co" for n in range(count)]
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO users (id, email, password_hash, first_name, last_name, role) "
                    "VALUES (:id, :email, :hash, 'Banco', 'Prueba', 'student')"),
            [{"id": uuid.uuid4(), "email": email, "hash": hashed} for email in emails],
        )
    engine.dispose()
    return emails


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="logins of each kind")
    parser.add_argument("--write", action="store_true", help="update docs/security.md")
    args = parser.parse_args()

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
    }
    env.pop("REDIS_URL", None)
    process = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        emails = seed(url, env, args.rounds + 10)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(port, process)
        for email in emails[-10:]:  # warm-up: connections, caches, the dummy hash
            login_ms(port, email, "clave equivocada 0")
            login_ms(port, f"{uuid.uuid4().hex}@sena.edu.co", "clave equivocada 0")
        wrong, unknown, statuses = [], [], set()
        for n in range(args.rounds):
            pairs = [(wrong, emails[n]), (unknown, f"{uuid.uuid4().hex}@sena.edu.co")]
            for samples, email in (pairs if n % 2 else reversed(pairs)):
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
    wrong_median, unknown_median = statistics.median(wrong), statistics.median(unknown)
    difference = abs(unknown_median - wrong_median) / wrong_median * 100
    report = (
        f"| wrong password, existing email | {args.rounds} | {wrong_median:.1f} ms | "
        f"{statistics.quantiles(wrong, n=10)[-1]:.1f} ms |\n"
        f"| unknown email | {args.rounds} | {unknown_median:.1f} ms | "
        f"{statistics.quantiles(unknown, n=10)[-1]:.1f} ms |\n"
        f"\nDifference of the medians: {difference:.1f}% (must stay within 15%)."
    )
    print(report)
    if args.write:
        doc = ROOT / "docs" / "security.md"
        text = doc.read_text()
        begin, end = "<!-- login-timing:begin -->", "<!-- login-timing:end -->"
        head, rest = text.split(begin)
        _, tail = rest.split(end)
        table = "| login | requests | median | p90 |\n|---|---|---|---|\n" + report
        doc.write_text(f"{head}{begin}\n{table}\n{end}{tail}")
    if difference > 15:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
