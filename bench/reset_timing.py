"""Does a password reset request take the same time whatever the email is?

Starts the service under gunicorn (one sync worker, so requests never queue behind each other) on
a fresh PostgreSQL database, with a real SMTP server in this process (aiosmtpd) that waits
`--smtp-delay` seconds before accepting each message, like a slow mail server. Then sends
interleaved reset requests for an active account, a deactivated account and an unknown email
(each active and deactivated request names a different account), checks that every answer is
202 with the same body, and prints the medians and the largest difference between them; with
`--write` it puts them in docs/security.md's reset timing table.

    .venv/bin/python -m bench.reset_timing [--rounds 100] [--smtp-delay 0.2] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from .login_timing import ROOT, create_database, drop_database, free_port

PASSWORD = "Frase de referencia del banco 8"
LIMIT_PERCENT = 15


class SlowHandler:
    def __init__(self, delay: float):
        self.delay = delay
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(self.delay)
        with self.lock:
            self.received += 1
        return "250 OK"


def seed(url: str, env: dict, prefix: str, count: int, active: bool) -> list[str]:
    code = (
        "from werkzeug.security import generate_password_hash as g;"
        f"print(g({PASSWORD!r}, method='pbkdf2:sha256:600000'))"
    )
    hashed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    emails = [f"{prefix}{n}@sena.edu.co" for n in range(count)]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO users (id, email, password_hash, first_name, last_name, role, is_active) "
                    "VALUES (:id, :email, :hash, 'Banco', 'Prueba', 'student', :active)"),
            [{"id": uuid.uuid4(), "email": email, "hash": hashed, "active": active} for email in emails],
        )
    engine.dispose()
    return emails


def reset_ms(port: int, email: str) -> tuple[float, int, bytes]:
    body = json.dumps({"email": email})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("POST", "/api/auth/password-reset/request", body,
                       {"Content-Type": "application/json"})
    response = connection.getresponse()
    content = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return elapsed, response.status, content


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            reset_ms(port, "arranque@sena.edu.co")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="requests of each kind")
    parser.add_argument("--smtp-delay", type=float, default=0.2, help="seconds the SMTP server waits")
    parser.add_argument("--write", action="store_true", help="update docs/security.md")
    args = parser.parse_args()

    handler = SlowHandler(args.smtp_delay)
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
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
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_DEFAULT_SENDER": "Inventario SENA <no-reply@sena.edu.co>",
        "PASSWORD_RESET_URL": "https://inventario.sena.edu.co/restablecer?token={token}",
        # All requests come from one address; the limits are not what is measured.
        "RATE_LIMITS_ENABLED": "false",
        "MAIL_OUTBOX_SIZE": "100000",
    }
    env.pop("REDIS_URL", None)
    process = None
    samples = {"active account": [], "deactivated account": [], "unknown email": []}
    answers = set()
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        active = seed(url, env, "activa", args.rounds + 5, True)
        inactive = seed(url, env, "inactiva", args.rounds + 5, False)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(port, process)
        for n in range(5):  # warm-up
            for email in (active[-1 - n], inactive[-1 - n], f"{uuid.uuid4().hex}@sena.edu.co"):
                reset_ms(port, email)
        kinds = list(samples)
        for n in range(args.rounds):
            emails = {kinds[0]: active[n], kinds[1]: inactive[n], kinds[2]: f"{uuid.uuid4().hex}@sena.edu.co"}
            order = kinds[n % 3:] + kinds[:n % 3]
            for kind in order:
                elapsed, status, content = reset_ms(port, emails[kind])
                samples[kind].append(elapsed)
                answers.add((status, content))
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        drop_database(name)
        smtp.stop()

    if len(answers) != 1 or next(iter(answers))[0] != 202:
        raise SystemExit(f"the answers differ: {answers}")
    medians = {kind: statistics.median(values) for kind, values in samples.items()}
    fastest = min(medians.values())
    difference = (max(medians.values()) - fastest) / fastest * 100
    rows = "".join(
        f"| {kind} | {len(values)} | {medians[kind]:.1f} ms | "
        f"{statistics.quantiles(values, n=10)[-1]:.1f} ms |\n"
        for kind, values in samples.items()
    )
    report = (
        f"{rows}\nLargest difference of the medians: {difference:.1f}% (must stay within "
        f"{LIMIT_PERCENT}%). The SMTP server took {args.smtp_delay:g} s per message and had "
        f"accepted {handler.received} of the {args.rounds + 5} messages when the run ended: no "
        f"answer waited for it."
    )
    print(report)
    if args.write:
        doc = ROOT / "docs" / "security.md"
        text = doc.read_text()
        begin, end = "<!-- reset-timing:begin -->", "<!-- reset-timing:end -->"
        head, rest = text.split(begin)
        _, tail = rest.split(end)
        table = "| reset request | requests | median | p90 |\n|---|---|---|---|\n" + report
        command = (
            f"Command: `.venv/bin/python -m bench.reset_timing --rounds {args.rounds} "
            f"--smtp-delay {args.smtp_delay:g} --write` ({date.today().isoformat()}; one sync worker)."
        )
        doc.write_text(f"{head}{begin}\n{table}\n\n{command}\n{end}{tail}")
    if difference > LIMIT_PERCENT:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
