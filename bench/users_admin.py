"""The account administration list on a big table: /api/users with 100,000 users on PostgreSQL.

Creates its own database (`inventory_auth_bench_users`, dropped at the end unless `--keep-db`),
migrates it with `flask db upgrade`, inserts the users in one server-side statement (varied Spanish
names, the five roles, 10% inactive, creation dates spread over two years, one pre-made password
hash), then sends requests through the real application under the Flask test client (no network,
no server: the figures are the application's and the database's time) with an admin_general's
token, and reports p50/p95 per scenario. Then it records the SQL each scenario sent and prints
PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` of every statement. `--write` puts the table, with each
plan summarised in one line, in docs/benchmarks.md between the `users-admin:begin` /
`users-admin:end` markers.

    .venv/bin/python -m bench.users_admin [--users 100000] [--requests 200] [--write] [--keep-db]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from . import database
from .report import plan_summary as report_plan_summary

DB_NAME = "inventory_auth_bench_users"
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- users-admin:begin -->", "<!-- users-admin:end -->"
HASH_METHOD = "pbkdf2:sha256:1000"  # only the admin logs in: a cheap hash keeps the set-up short
ADMIN_EMAIL = "rectora@bench.sena.edu.co"

FIRST_NAMES = [
    "Ana",
    "Luis",
    "María",
    "Carlos",
    "Valentina",
    "Andrés",
    "Camila",
    "Juan",
    "Daniela",
    "Santiago",
    "Laura",
    "Sebastián",
    "Paula",
    "Mateo",
    "Sofía",
    "Diego",
    "Isabella",
    "Felipe",
    "Natalia",
    "Julián",
]
LAST_NAMES = [
    "Gómez",
    "Rodríguez",
    "Martínez",
    "López",
    "González",
    "Hernández",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flórez",
    "Rivera",
    "Vargas",
    "Castro",
    "Moreno",
    "Jiménez",
    "Rojas",
    "Díaz",
    "Muñoz",
    "Ortiz",
    "Cárdenas",
    "Quintero",
    "Restrepo",
    "Zapata",
    "Ospina",
    "Arango",
    "Giraldo",
    "Mejía",
    "Londoño",
    "Cardona",
    "Salazar",
    "Valencia",
    "Bedoya",
    "Agudelo",
    "Ochoa",
    "Patiño",
    "Velásquez",
    "Correa",
    "Duque",
    "Montoya",
]

# (name, query string): what the user-management screen asks.
SCENARIOS = [
    ("list page (newest 100)", "limit=100"),
    ("list page 50 (skip 5000)", "skip=5000&limit=100"),
    ("filtered page (role + active)", "role=instructor&is_active=true&limit=100"),
    ("filtered page (inactive)", "is_active=false&limit=100"),
    ("search: a surname fragment (~2.5%)", "search=quinter&limit=100"),
    ("search: an email fragment (1 user)", "search=.48213@&limit=100"),
    ("search: rare + filters", "search=ospina&role=supervisor&is_active=true&limit=100"),
    ("search: 2 letters (short)", "search=ez&limit=100"),
    ("stats", None),
]


def seed_sql() -> str:
    first = "ARRAY[" + ", ".join(f"'{name}'" for name in FIRST_NAMES) + "]"
    last = "ARRAY[" + ", ".join(f"'{name}'" for name in LAST_NAMES) + "]"
    # role by n: 70% student, 15% instructor, 8% supervisor, 6% admin, 1% admin_general
    return f"""
        INSERT INTO users (id, email, password_hash, first_name, last_name, role, is_active,
                           created_at, updated_at)
        SELECT gen_random_uuid(),
               lower(translate(f, 'áéíóúñ', 'aeioun')) || '.' || lower(translate(l, 'áéíóúñ', 'aeioun'))
                 || '.' || n || '@sena.edu.co',
               :hash, f, l,
               CASE WHEN n % 100 < 70 THEN 'student' WHEN n % 100 < 85 THEN 'instructor'
                    WHEN n % 100 < 93 THEN 'supervisor' WHEN n % 100 < 99 THEN 'admin'
                    ELSE 'admin_general' END,
               n % 10 <> 3,
               now() - (n * interval '631 seconds'),
               now() - (n * interval '631 seconds')
        FROM (
            SELECT n, ({first})[1 + n % {len(FIRST_NAMES)}] AS f,
                   ({last})[1 + (n / 7) % {len(LAST_NAMES)}] AS l
            FROM generate_series(1, CAST(:count AS integer)) AS n
        ) AS rows
    """


def seed(url: str, count: int, stored_hash: str) -> float:
    engine = sa.create_engine(url)
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(seed_sql()), {"hash": stored_hash, "count": count})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE users"))
    engine.dispose()
    return time.perf_counter() - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client, headers, path: str, requests: int, warmup: int) -> dict:
    timings = []
    for i in range(warmup + requests):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.get_data(as_text=True)}")
        if i >= warmup:
            timings.append(elapsed)
    body = response.get_json()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "returned": len(body) if isinstance(body, list) else None,
        "total": int(response.headers["X-Total-Count"]) if "X-Total-Count" in response.headers else None,
    }


def explain(app, client, headers, path: str) -> list[dict]:
    """The statements one request sends (the token check's included), each under EXPLAIN ANALYZE."""
    from inventory_auth.extensions import db

    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    plans = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in recorded:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"sql": cursor.query.decode()[len("EXPLAIN (ANALYZE, BUFFERS) ") :], "plan": plan})
        raw.rollback()
    finally:
        raw.close()
    return plans


def run(args) -> dict:
    url = database.recreate(DB_NAME)
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-0123",
        "DATABASE_URL": url,
        "PASSWORD_HASH_METHOD": HASH_METHOD,
        "RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    try:
        database.upgrade(env)
        seconds = seed(url, args.users - 1, database.password_hash(HASH_METHOD))

        from inventory_auth import create_app
        from inventory_auth.accounts import admin
        from inventory_auth.extensions import db

        app = create_app(
            environ={
                k: env[k]
                for k in (
                    "APP_ENV",
                    "SECRET_KEY",
                    "DATABASE_URL",
                    "PASSWORD_HASH_METHOD",
                    "RATE_LIMITS_ENABLED",
                    "LOG_LEVEL",
                )
            }
        )
        with app.app_context():
            admin.create(
                {
                    "email": ADMIN_EMAIL,
                    "password": database.PASSWORD,
                    "first_name": "Rosa",
                    "last_name": "Bench",
                    "role": "admin_general",
                }
            )
            db.session.commit()
        client = app.test_client()
        login = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": database.PASSWORD})
        headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}

        results, plans = [], {}
        for name, query in SCENARIOS:
            path = "/api/users/stats" if query is None else f"/api/users/?{query}"
            figures = measure(client, headers, path, args.requests, args.warmup)
            results.append({"scenario": name, "path": path, **figures})
            print(
                f"{name:<40} p50 {figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms  "
                f"total {figures['total']}",
                file=sys.stderr,
            )
            plans[name] = explain(app, client, headers, path)
        with app.app_context():
            db.engine.dispose()
        return {
            "date": datetime.date.today().isoformat(),
            "users": database.count_users(url),
            "seed_seconds": round(seconds, 1),
            "requests": args.requests,
            "postgres": database.server_version(),
            "results": results,
            "plans": plans,
        }
    finally:
        if not args.keep_db:
            database.drop(DB_NAME)


def markdown(report: dict, command: str) -> str:
    lines = [
        BEGIN,
        f"Measured {report['date']} with `{command}`: {report['users']:,} users, PostgreSQL "
        f"{report['postgres']}, {report['requests']} requests per scenario after a warm-up, one at a "
        "time through the Flask test client (application + database time, no network), on this "
        "shared 2-core machine. Every request carries an admin_general's token (its check is "
        "included).",
        "",
        "| scenario | request | p50 ms | p95 ms | X-Total-Count "
        "| plan of each statement (the token check left out) |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["results"]:
        total = "" if row["total"] is None else f"{row['total']:,}"
        plans = "; ".join(
            report_plan_summary(s["plan"])
            for s in report["plans"].get(row["scenario"], [])
            if "auth_sessions" not in s["sql"]
        )
        lines.append(
            f"| {row['scenario']} | `GET {row['path']}` | {row['p50_ms']} | {row['p95_ms']} | {total} "
            f"| {plans} |"
        )
    lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write(report: dict, command: str) -> None:
    text = DOC.read_text()
    block = markdown(report, command)
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = (
            text.rstrip("\n")
            + "\n\n## Account administration: /api/users on 100,000 users\n\n"
            + block
            + "\n"
        )
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    report = run(args)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.write:
        command = ".venv/bin/python -m bench.users_admin" + (
            "" if args.users == 100_000 else f" --users {args.users}"
        )
        write(report, command)


if __name__ == "__main__":
    main()
