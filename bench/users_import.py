"""Enrolling from a spreadsheet against the real service, and what it does to logins meanwhile.

    .venv/bin/python -m bench.users_import [--existing 10000] [--login-threads 2] [--quiet 5]
    .venv/bin/python -m bench.users_import --inprocess

The service as shipped (gunicorn with gunicorn.conf.py, 2 workers x 16 threads, its own free port
on 127.0.0.1, `APP_ENV=production`, the default password hash) on a fresh PostgreSQL database (on
the machine's server, dropped at the end) already holding `--existing` accounts. An
admin_general imports, one after the other: 1,000 rows of CSV, 5,000 rows of CSV, 5,000 rows of
.xlsx (every column filled, new emails each time; invitations on, so their tokens and audit
records are written too; no MAIL_SERVER, so the messages are only logged as unsent, after the
answers). Meanwhile `--login-threads` clients each log in to their own account again and again,
from varied addresses (no per-address limit plays). Before the first import the logins run
`--quiet` seconds alone.

It prints each import's answer time and counts, and for the quiet period and each import the
count, statuses, p50, p95 and max latency of the logins that started within it: a lock on
`users` held by an import would show as logins waiting for its whole length.

`--inprocess` measures instead the 5,000-row files through the application alone (no server, no
other load of its own): the CPU seconds of reading, of checking the rows, and of the whole import
(`enrolment.import_accounts` and its commit) in this process, and its wall time with the
database's share, on a fresh database.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import random
import sys
import threading
import time

import sqlalchemy as sa

from fault.harness import CLIENTS, FreshDatabase, Service, call, log, machine, percentile, query

from . import database

FIRST_NAMES = ["Ana María", "Luis", "Valentina", "Andrés", "Camila", "Santiago", "Sofía", "Julián"]
LAST_NAMES = ["Gómez Ruiz", "Peña", "Núñez Díaz", "Ramírez", "Rodríguez", "Flórez", "Muñoz", "Ortiz"]
HEADER = ["Correo", "Nombres", "Apellidos", "Rol", "Teléfono", "Programa", "Ficha"]
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADMIN_EMAIL = f"rectora@{database.DOMAIN}"


def rows(tag: str, count: int) -> list[list]:
    return [HEADER] + [
        [f"aprendiz-{tag}-{n}@soy.sena.edu.co", FIRST_NAMES[n % 8], LAST_NAMES[(n // 8) % 8], "",
         f"300{n:07d}", "Análisis y Desarrollo de Software", str(2_700_000 + n // 40)]
        for n in range(count)
    ]


def as_csv(table: list[list]) -> bytes:
    """As a Spanish-locale Excel saves it: `;`, Windows-1252."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode("cp1252")


def as_xlsx(table: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Aprendices")
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(port: int, token: str, data: bytes, content_type: str) -> tuple[int, dict, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type,
               "X-Forwarded-For": random.choice(CLIENTS)}
    started = time.monotonic()
    connection.request("POST", "/api/users/import", body=data, headers=headers)
    response = connection.getresponse()
    body = json.loads(response.read())
    seconds = time.monotonic() - started
    connection.close()
    return response.status, body, seconds


class Logins:
    """Threads logging in to their own accounts back to back; (start, seconds, status) each."""

    def __init__(self, port: int, accounts: list[str]):
        self.port = port
        self.records: list[tuple[float, float, int | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._loop, args=(email,), daemon=True) for email in accounts
        ]

    def _loop(self, email: str) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            body = {"email": email, "password": database.PASSWORD}
            answer = call(self.port, "POST", "/api/auth/login", body, timeout=60)
            with self._lock:
                self.records.append((started, answer.seconds, answer.status))

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def row(self, name: str, low: float, high: float) -> str:
        samples = [(s, st) for t, s, st in self.records if low <= t < high]
        seconds = [s for s, _ in samples]
        statuses: dict = {}
        for _, status in samples:
            statuses[status] = statuses.get(status, 0) + 1
        text = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
        return (f"| {name} | {len(samples)} | {text} | {percentile(seconds, 0.5) * 1000:.0f} | "
                f"{percentile(seconds, 0.95) * 1000:.0f} | {max(seconds, default=0) * 1000:.0f} |")


def inprocess() -> None:
    from flask_migrate import upgrade

    from inventory_auth import create_app
    from inventory_auth.enrolment import columns, import_accounts, reading
    from inventory_auth.enrolment import rows as checking
    from inventory_auth.extensions import db

    with FreshDatabase() as fresh:
        app = create_app(environ={"APP_ENV": "testing", "SECRET_KEY": "x" * 48, "DATABASE_URL": fresh.url,
                                  "PUBLIC_URL": "https://auth.inventario.example", "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
        print(f"\nbench.users_import --inprocess, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"{machine()}\n")
        print("| 5,000 rows | read, CPU s | check, CPU s | whole import, CPU s | whole import, wall s |")
        print("|---|---:|---:|---:|---:|")
        for name, build in (("CSV", as_csv), (".xlsx", as_xlsx)):
            data = build(rows(name.strip("."), 5000))
            with app.test_request_context():
                started = time.process_time()
                sheet = reading.read(data, max_rows=5000, max_unzipped_bytes=20 * 2**20)
                read = time.process_time() - started
                checking.check(sheet, columns.columns(sheet.rows[0][1]))
                check = time.process_time() - started - read
                cpu, wall = time.process_time(), time.perf_counter()
                import_accounts(data, file_name=name, invite=True)
                db.session.commit()
                print(f"| {name} | {read:.2f} | {check:.2f} | {time.process_time() - cpu:.2f} | "
                      f"{time.perf_counter() - wall:.2f} |")
        with app.app_context():
            db.engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=10_000, help="accounts in the table before")
    parser.add_argument("--login-threads", type=int, default=2)
    parser.add_argument("--quiet", type=float, default=5, help="seconds of logins before the imports")
    parser.add_argument("--inprocess", action="store_true", help="the application alone (see above)")
    options = parser.parse_args(argv)
    if options.inprocess:
        inprocess()
        return 0

    imports = [
        ("1,000 rows, CSV", "a", 1000, as_csv, CSV_TYPE),
        ("5,000 rows, CSV", "b", 5000, as_csv, CSV_TYPE),
        ("5,000 rows, .xlsx", "c", 5000, as_xlsx, XLSX_TYPE),
    ]
    files = [(name, build(rows(tag, n)), content_type) for name, tag, n, build, content_type in imports]

    with FreshDatabase() as fresh:
        env = {"LOG_LEVEL": "WARNING", "PUBLIC_URL": "https://auth.inventario.example"}
        with Service(fresh.url, workers=2, threads=16, env=env) as service:
            service.migrate()
            seed_url = fresh.url.replace("postgresql://", "postgresql+psycopg2://", 1)
            stored = database.password_hash("pbkdf2:sha256:600000")
            database.seed(seed_url, 1, options.existing, stored)
            engine = sa.create_engine(seed_url)
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE users SET role = 'admin_general', email = :admin "
                                           "WHERE email = :first"),
                                   {"admin": ADMIN_EMAIL, "first": f"bench-user-1@{database.DOMAIN}"})
            engine.dispose()
            service.start()
            admin = call(service.port, "POST", "/api/auth/login",
                         {"email": ADMIN_EMAIL, "password": database.PASSWORD})
            if admin.status != 200:
                raise SystemExit(f"the administrator cannot log in: {admin.status} {admin.body}")
            token = admin.body["access_token"]

            accounts = [f"bench-user-{n}@{database.DOMAIN}" for n in range(2, 2 + options.login_threads)]
            logins = Logins(service.port, accounts)
            logins.start()
            log(f"quiet: {options.quiet:.0f} s of logins alone")
            began = time.monotonic()
            time.sleep(options.quiet)
            phases = [("quiet", began, time.monotonic())]
            results = []
            for name, data, content_type in files:
                log(f"import: {name} ({len(data) // 1024} KiB)")
                started = time.monotonic()
                status, body, seconds = upload(service.port, token, data, content_type)
                phases.append((f"during {name}", started, time.monotonic()))
                results.append((name, len(data), status, body, seconds))
                time.sleep(1)
            logins.stop()
            errors = service.unhandled_errors()
            total = query(fresh.url, "SELECT count(*), count(DISTINCT lower(email)) FROM users")[0]

    print(f"\nbench.users_import, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    print(f"2 workers x 16 threads; {options.existing:,} accounts before; {options.login_threads} login "
          "threads (default password hash); invitations on\n")
    print("| import | file KiB | status | answer s | created | invited |")
    print("|---|---:|---|---:|---:|---:|")
    for name, size, status, body, seconds in results:
        print(f"| {name} | {size // 1024} | {status} | {seconds:.2f} | {body.get('created')} | "
              f"{body.get('invited')} |")
    print("\n| logins | count | statuses | p50 ms | p95 ms | max ms |")
    print("|---|---:|---|---:|---:|---:|")
    for name, low, high in phases:
        print(logins.row(name, low, high))
    print(f"\naccounts after: {total[0]:,} ({total[1]:,} distinct emails); unhandled errors in the "
          f"service log: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
