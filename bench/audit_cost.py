"""What the audit trail costs login: the same logins with `audit.record` on and stubbed out.

    .venv/bin/python -m bench.audit_cost [--rounds 6] [--logins 15] [--hash METHOD]

Builds the application on a fresh PostgreSQL database (`inventory_auth_audit_cost` on
`BENCH_POSTGRES_URL`, dropped at the end), registers one user, then logs it in through the WSGI
application (no HTTP server), one request after another in this thread, in alternating blocks:
the service as shipped, and the same process with `inventory_auth.audit.record` replaced by a
function that writes nothing. Alternating blocks share whatever else the machine is doing. It
prints, per variant, the median over rounds of the wall and CPU time per login, the throughput
that wall time gives one thread, the audit's overhead, the INSERTs each login sent (the
audited one sends one more: its `audit_logs` row) and the time that INSERT took. On a busy
machine the wall times of the two variants wander by more than the audit costs: read the CPU
times and the INSERT's own time. `--hash` picks the password hash method
(default: the production one, `pbkdf2:sha256:600000`); a cheap one such as `pbkdf2:sha256:1000`
shows the audit's absolute cost per login, which the production hash otherwise dwarfs.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time

from sqlalchemy import event

from . import database
from .inprocess import EMAIL, PASSWORD, post_json

DATABASE = "inventory_auth_audit_cost"
PRODUCTION_HASH = "pbkdf2:sha256:600000"


def build_app(url: str, hash_method: str):
    import os

    from inventory_auth import create_app

    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "RATE_LIMITS_ENABLED": "false",
        "PASSWORD_HASH_METHOD": hash_method,
        "LOG_LEVEL": "WARNING",  # the access line is still formatted, as in production
    }
    database.upgrade({**os.environ, **settings})
    return create_app(environ=settings)


def login_caller(app):
    body = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()

    def call() -> None:
        status = post_json(app, "/api/auth/login", body)
        if not status.startswith("200"):
            raise RuntimeError(f"login answered {status}")

    return call


def register(app) -> None:
    response = app.test_client().post(
        "/api/auth/register",
        json={"email": EMAIL, "password": PASSWORD, "first_name": "Medición", "last_name": "Local",
              "role": "student"},
    )
    if response.status_code != 201:
        raise RuntimeError(f"register answered {response.status_code}: {response.get_json()}")


class Inserts:
    """Counts the INSERT statements the engine sends, and times those into `audit_logs` (from
    sending to the answer: PostgreSQL's work on the row plus the round trip)."""

    def __init__(self, engine):
        self.count = 0
        self.audit_seconds = 0.0
        self._started = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            self.count += 1
            if "audit_logs" in statement:
                self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self._started is not None:
            self.audit_seconds += time.perf_counter() - self._started
            self._started = None


def block(call, logins: int, inserts: Inserts) -> dict:
    before, audit_before = inserts.count, inserts.audit_seconds
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(logins):
        call()
    return {
        "wall_ms": (time.perf_counter() - wall) / logins * 1e3,
        "cpu_ms": (time.process_time() - cpu) / logins * 1e3,
        "inserts": (inserts.count - before) / logins,
        "audit_insert_ms": (inserts.audit_seconds - audit_before) / logins * 1e3,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--logins", type=int, default=15, help="logins per block")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--hash", default=PRODUCTION_HASH, metavar="METHOD")
    options = parser.parse_args(argv)

    import inventory_auth.audit as audit

    url = database.recreate(DATABASE)
    real_record = audit.record
    try:
        app = build_app(url, options.hash)
        with app.app_context():
            from inventory_auth.extensions import db

            engine = db.engine
        register(app)
        call = login_caller(app)
        inserts = Inserts(engine)
        for _ in range(options.warmup):
            call()
        results = {"audited": [], "not audited": []}
        for round_number in range(options.rounds):
            order = ("audited", "not audited") if round_number % 2 == 0 else ("not audited", "audited")
            for variant in order:
                audit.record = real_record if variant == "audited" else (lambda *args, **kwargs: None)
                try:
                    results[variant].append(block(call, options.logins, inserts))
                finally:
                    audit.record = real_record
        report(results, options)
        engine.dispose()
    finally:
        audit.record = real_record
        database.drop(DATABASE)


def report(results: dict, options) -> None:
    medians = {
        variant: {key: statistics.median(block[key] for block in blocks) for key in ("wall_ms", "cpu_ms")}
        for variant, blocks in results.items()
    }
    print(
        f"POST /api/auth/login in-process, hash {options.hash}, {options.rounds} rounds x "
        f"{options.logins} logins per variant (medians over rounds):"
    )
    for variant, median in medians.items():
        inserts = statistics.mean(block["inserts"] for block in results[variant])
        print(
            f"  {variant:12} {median['wall_ms']:8.2f} ms wall, {median['cpu_ms']:8.2f} ms CPU per login, "
            f"{1e3 / median['wall_ms']:7.1f} logins/s per thread, {inserts:.0f} INSERTs per login"
        )
    on, off = medians["audited"], medians["not audited"]
    pairs = zip(results["audited"], results["not audited"], strict=True)
    ratios = [audited["wall_ms"] / plain["wall_ms"] for audited, plain in pairs]
    print(
        f"  audit cost: {on['wall_ms'] - off['wall_ms']:+.2f} ms wall "
        f"({on['wall_ms'] / off['wall_ms'] - 1:+.1%}), "
        f"{on['cpu_ms'] - off['cpu_ms']:+.2f} ms CPU ({on['cpu_ms'] / off['cpu_ms'] - 1:+.1%}) per login; "
        f"throughput {off['wall_ms'] / on['wall_ms'] - 1:+.1%}; per-round wall ratios "
        + ", ".join(f"{r:.3f}" for r in ratios)
    )
    insert_ms = statistics.median(block["audit_insert_ms"] for block in results["audited"])
    print(f"  the audit_logs INSERT itself (sent to answered): {insert_ms:.3f} ms per login")
    least = {variant: min(block["cpu_ms"] for block in blocks) for variant, blocks in results.items()}
    print(
        f"  least CPU per login over rounds (the least disturbed block): audited {least['audited']:.2f} ms, "
        f"not audited {least['not audited']:.2f} ms ({least['audited'] / least['not audited'] - 1:+.1%})"
    )


if __name__ == "__main__":
    main()
