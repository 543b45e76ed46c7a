"""The SQL each hot endpoint really emits, and PostgreSQL's EXPLAIN ANALYZE of every statement.

Run in its own process with the service's environment (`python -m bench.sql_plans --users N`): it
builds the service's application, records every statement SQLAlchemy sends and the other round trips
to PostgreSQL (pool pre-pings, psycopg2's separate BEGIN, COMMIT, ROLLBACK) while one request of
each kind goes through the application, then replays each recorded statement under `EXPLAIN
(ANALYZE, BUFFERS)` inside a transaction that is rolled back (an INSERT gets a plain EXPLAIN).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import uuid

from sqlalchemy import event

from inventory_auth import create_app
from inventory_auth.extensions import db

from .database import DOMAIN, PASSWORD, WRONG_PASSWORD


class Recorder:
    def __init__(self):
        self.current = None

    def start(self):
        self.current = {
            "statements": [],
            "begins": 0,
            "commits": 0,
            "rollbacks": 0,
            "pre_pings": 0,
            "checkouts": 0,
        }

    def stop(self):
        recorded, self.current = self.current, None
        return recorded

    def install(self, engine):
        @event.listens_for(engine, "before_cursor_execute")
        def statement(conn, cursor, text, parameters, context, executemany):
            if self.current is not None:
                self.current["statements"].append((text, parameters))

        # psycopg2 sends BEGIN on its own before the first statement of a transaction.
        @event.listens_for(engine, "begin")
        def begin(conn):
            if self.current is not None:
                self.current["begins"] += 1

        @event.listens_for(engine, "commit")
        def commit(conn):
            if self.current is not None:
                self.current["commits"] += 1

        @event.listens_for(engine, "rollback")
        def rollback(conn):
            if self.current is not None:
                self.current["rollbacks"] += 1

        @event.listens_for(engine, "checkout")
        def checkout(dbapi_connection, connection_record, connection_proxy):
            if self.current is not None:
                self.current["checkouts"] += 1

        # The pool's reset-on-return sends ROLLBACK only when a transaction is still open.
        @event.listens_for(engine, "reset")
        def reset(dbapi_connection, connection_record, reset_state):
            if self.current is not None and dbapi_connection.get_transaction_status() != 0:
                self.current["rollbacks"] += 1

        dialect = engine.dialect
        original_ping = dialect.do_ping

        def counting_ping(dbapi_connection):
            if self.current is not None:
                self.current["pre_pings"] += 1
            return original_ping(dbapi_connection)

        dialect.do_ping = counting_ping


def explain(engine, text, parameters) -> str:
    """EXPLAIN ANALYZE of a recorded statement, rolled back. An INSERT is only EXPLAINed: replaying it
    would collide with the row the request already committed."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        analyze = not text.lstrip().upper().startswith("INSERT")
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ") + text, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.close()
    finally:
        raw.rollback()
        raw.close()
    return plan


def capture(users: int) -> dict:
    app = create_app()
    recorder = Recorder()
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        recorder.install(engine)

    def call(method, path, **kwargs):
        recorder.start()
        response = client.open(path, method=method, **kwargs)
        return response, recorder.stop()

    def login(n, password=PASSWORD):
        return call(
            "POST", "/api/auth/login", json={"email": f"bench-user-{n}@{DOMAIN}", "password": password}
        )

    # Warm the application (dialect initialization, first connections) without recording it.
    warm, _ = login(1)
    if warm.status_code != 200:
        raise RuntimeError(
            f"login of a seeded user answered {warm.status_code}: {warm.get_data(as_text=True)}"
        )
    client.get("/api/auth/me", headers={"Authorization": "Bearer " + warm.get_json()["access_token"]})

    requests = []
    middle = max(2, users // 2)
    response, recorded = login(middle)
    body = response.get_json()
    requests.append(("POST /api/auth/login (success)", response.status_code, recorded))
    token = body["access_token"]
    response, recorded = call("GET", "/api/auth/me", headers={"Authorization": "Bearer " + token})
    requests.append(("GET /api/auth/me", response.status_code, recorded))
    response, recorded = login(max(3, users // 3), WRONG_PASSWORD)
    requests.append(("POST /api/auth/login (wrong password)", response.status_code, recorded))
    response, recorded = call(
        "POST", "/api/auth/login", json={"email": f"nobody-{uuid.uuid4().hex}@{DOMAIN}", "password": PASSWORD}
    )
    requests.append(("POST /api/auth/login (unknown email)", response.status_code, recorded))
    if body.get("refresh_token"):
        response, recorded = call("POST", "/api/auth/refresh", json={"refresh_token": body["refresh_token"]})
        requests.append(("POST /api/auth/refresh", response.status_code, recorded))
    response, recorded = call(
        "POST",
        "/api/auth/register",
        json={
            "email": f"plan-{uuid.uuid4().hex[:12]}@{DOMAIN}",
            "password": PASSWORD,
            "first_name": "Ana",
            "last_name": "Prueba",
            "role": "student",
            "phone": None,
            "program": None,
        },
    )
    requests.append(("POST /api/auth/register", response.status_code, recorded))

    result = []
    with app.app_context():
        engine = db.engine
        for name, status, recorded in requests:
            statements = []
            for text, parameters in recorded["statements"]:
                statements.append({"sql": text, "plan": explain(engine, text, parameters)})
            result.append(
                {
                    "request": name,
                    "status": status,
                    "statements": statements,
                    "pool_checkouts": recorded["checkouts"],
                    "pre_pings": recorded["pre_pings"],
                    "begins": recorded["begins"],
                    "commits": recorded["commits"],
                    "rollbacks": recorded["rollbacks"],
                    "round_trips": recorded["pre_pings"]
                    + recorded["begins"]
                    + len(recorded["statements"])
                    + recorded["commits"]
                    + recorded["rollbacks"],
                }
            )
        engine.dispose()
    return {"users": users, "requests": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, required=True)
    options = parser.parse_args()
    print(json.dumps(capture(options.users)))


if __name__ == "__main__":
    main()
