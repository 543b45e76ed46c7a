"""PostgreSQL stops under load, then comes back.

    .venv/bin/python -m fault.db_outage [--outage-seconds 8] [--mode fast|immediate]

A private PostgreSQL cluster serves the service (2 workers × 4 threads). Eight load threads run:
readers (GET /me, PUT /me, a login now and then), one registering new accounts, and two changing
their own password over and over. Then `pg_ctl stop` (fast mode by default: the server
disconnects every session, as a restart does) for `--outage-seconds`, then `pg_ctl start`.

Checks:
- every request that starts and ends during the outage answers 503 JSON with the Spanish
  `detail`, within 2.5 s (pool_timeout and connect_timeout are 2 s); no request goes unanswered
  and none answers 500, before, during or after;
- `/api/health/ready` answers 503 during the outage, and 200 again after;
- the service recovers by itself: the same worker processes (no restart) serve successful
  requests again within a few seconds of PostgreSQL accepting connections;
- registrations are all or nothing. Invariant: every 201 has its row; a row whose request did
  not get a 201 is allowed only when that request got no definite answer (503, or no answer at
  all: the commit may have happened before the server went away) — and then the row is
  complete (its password logs in); a request answered 4xx never leaves a row;
- a password change is all or nothing: at every moment exactly one of {the last confirmed
  password, the password of a change whose answer was not definite} logs in, never neither;
  checked during the run and once more after recovery.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid

from .harness import (
    PASSWORD,
    UNAVAILABLE_DETAIL,
    Load,
    PrivatePostgres,
    Service,
    call,
    latency_line,
    log,
    ms,
    query,
    register_and_login,
    registration,
    run_scenario,
    summarize,
)

READERS = 5
CHANGERS = 2
THREADS = READERS + CHANGERS + 1
UNDECIDED = (503, None)  # answers after which a write may or may not have happened


class PasswordChanger:
    """One user changing its own password again and again, tracking which passwords may be
    current: the last confirmed one, plus any whose change got no definite answer."""

    def __init__(self, user: dict):
        self.email = user["email"]
        self.token: str | None = user["access"]
        self.possible = {user["password"]}
        self.changes_confirmed = 0
        self.changes_undecided = 0
        self.violations: list[str] = []

    def resolve(self, load: Load) -> None:
        """Log in with each possible password: exactly one must work."""
        answers = {}
        for candidate in sorted(self.possible):
            answer = load.call("login (password check)", "POST", "/api/auth/login",
                               {"email": self.email, "password": candidate})
            if answer.status in UNDECIDED:
                time.sleep(0.2)  # cannot tell while the database is away
                return
            answers[candidate] = answer
        working = [c for c, a in answers.items() if a.status == 200]
        if len(working) != 1:
            self.violations.append(f"{self.email}: {len(working)} of {len(answers)} candidate passwords "
                                   f"log in ({[a.status for a in answers.values()]})")
            self.possible = set(working) or self.possible
            time.sleep(0.5)
            return
        self.possible = set(working)
        self.token = answers[working[0]].body["access_token"]

    def step(self, load: Load) -> None:
        if self.token is None or len(self.possible) != 1:
            self.resolve(load)
            return
        current = next(iter(self.possible))
        new = f"Nueva clave del inventario {uuid.uuid4().hex[:10]}"
        answer = load.call("change-password", "POST", "/api/auth/me/change-password",
                           {"current_password": current, "new_password": new}, token=self.token)
        if answer.status == 200:
            self.possible = {new}
            self.token = answer.body["access_token"]
            self.changes_confirmed += 1
        elif answer.status in UNDECIDED:
            self.possible.add(new)
            self.token = None
            self.changes_undecided += 1
            time.sleep(0.1)
        elif answer.status == 401:
            self.token = None
        else:
            self.violations.append(f"{self.email}: change-password answered {answer.status} {answer.body}")
            time.sleep(0.5)


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-seconds", type=float, default=8)
    parser.add_argument("--mode", choices=["fast", "immediate"], default="fast",
                        help="pg_ctl stop mode: fast (clean shutdown) or immediate (crash)")
    args = parser.parse_args()
    report.figure("outage", f"{args.outage_seconds:g} s, pg_ctl stop -m {args.mode}")

    with PrivatePostgres() as postgres:
        postgres.start()
        database_url = postgres.create_database("inventory_auth")
        with Service(database_url, workers=2, threads=4) as service:
            service.migrate()
            service.start()
            readers = register_and_login(service.port, READERS, "lector")
            changers = [PasswordChanger(u) for u in register_and_login(service.port, CHANGERS, "clave")]
            registrations: list[tuple[str, int | None]] = []
            registrations_lock = threading.Lock()

            def step(index: int, load: Load) -> None:
                if index < READERS:
                    user = readers[index]
                    roll = (time.monotonic_ns() // 1000) % 10
                    if roll < 7:
                        load.call("GET /me", "GET", "/api/auth/me", token=user["access"])
                    elif roll < 9:
                        load.call("PUT /me", "PUT", "/api/auth/me", {"phone": str(roll) * 10},
                                  token=user["access"])
                    else:
                        answer = load.call("login", "POST", "/api/auth/login",
                                           {"email": user["email"], "password": PASSWORD})
                        if answer.status == 200:
                            user["access"] = answer.body["access_token"]
                elif index < READERS + CHANGERS:
                    changers[index - READERS].step(load)
                else:
                    email = f"registro.{uuid.uuid4().hex[:12]}@sena.edu.co"
                    answer = load.call("register", "POST", "/api/auth/register", registration(email))
                    with registrations_lock:
                        registrations.append((email, answer.status))
                    if answer.status in UNDECIDED:
                        time.sleep(0.1)

            readiness: list[tuple[float, int | None]] = []
            polling = threading.Event()

            def poll_readiness() -> None:
                while not polling.is_set():
                    answer = call(service.port, "GET", "/api/health/ready", timeout=5)
                    readiness.append((time.monotonic(), answer.status))
                    polling.wait(0.25)

            workers_before = service.workers()
            poller = threading.Thread(target=poll_readiness, daemon=True)
            poller.start()
            with Load(service.port, THREADS, step) as load:
                time.sleep(5)
                log("stopping PostgreSQL")
                stop_began = time.monotonic()
                postgres.stop(args.mode)
                down = time.monotonic()
                log(f"PostgreSQL stopped ({ms(down - stop_began)}); outage of {args.outage_seconds:g} s")
                time.sleep(args.outage_seconds)
                start_began = time.monotonic()
                postgres.start()
                up = time.monotonic()
                log(f"PostgreSQL accepting connections again ({ms(up - start_began)})")
                time.sleep(12)
            polling.set()
            poller.join(timeout=10)
            records = load.snapshot()
            workers_after = service.workers()

            # --- During the outage
            during = [r for r in records if r.start >= down and r.end <= start_began]
            report.figure("requests during the outage", summarize(during))
            report.figure("latency during the outage", latency_line(during))
            report.check("requests answered during the outage", len(during) >= 20, f"{len(during)}")
            report.check("every request during the outage answered 503",
                         all(r.status == 503 for r in during), summarize(during))
            report.check("every 503 carries the Spanish detail",
                         all(r.detail == UNAVAILABLE_DETAIL for r in records if r.status == 503))
            worst = max((r.end - r.start for r in during), default=0.0)
            report.check("every answer during the outage within 2.5 s", worst <= 2.5, f"max {ms(worst)}")

            # --- Overall
            report.figure("all requests", summarize(records))
            report.check("no request went unanswered", all(r.status is not None for r in records),
                         "; ".join(sorted({r.error for r in records if r.error}))[:300])
            errors = [r for r in records if r.status and r.status >= 500 and r.status != 503]
            report.check("no 5xx other than 503", not errors,
                         f"{summarize(errors)} on {sorted({r.op for r in errors})} "
                         f"{[r.detail for r in errors][:2]}: "
                         f"{'; '.join(service.unhandled_errors())[:600]}" if errors else "")

            # --- Readiness
            ready_down = [s for t, s in readiness if down + 1.5 <= t <= start_began]
            ready_after = [(t, s) for t, s in readiness if t >= up]
            first_ready = next((t for t, s in ready_after if s == 200), None)
            report.check("readiness 503 throughout the outage", ready_down and set(ready_down) == {503},
                         f"{len(ready_down)} polls: {sorted(set(ready_down), key=str)}")
            report.check("readiness 200 again after PostgreSQL is back", first_ready is not None,
                         f"after {ms(first_ready - up)}" if first_ready else "never")

            # --- Recovery, without a restart
            after = [r for r in records if r.start >= up]
            failing_after = [r for r in after if r.status in (503, None) or (r.status or 0) >= 500]
            last_failure = max((r.end for r in failing_after), default=up)
            first_success = min((r.end for r in after if r.status and r.status < 500), default=None)
            recovery = last_failure - up
            report.figure("requests after PostgreSQL is back", summarize(after))
            report.figure("recovery (PostgreSQL accepting → last failed request)", ms(recovery))
            report.figure("first success after PostgreSQL is back",
                          ms(first_success - up) if first_success else "none")
            report.check("recovers by itself within 5 s", first_success is not None and recovery <= 5,
                         ms(recovery))
            # (a wrong candidate password answering 401 is the password check working, not a failure)
            settled = [r for r in after if r.start >= up + 5 and r.op != "login (password check)"]
            report.check("every request succeeds once recovered",
                         settled and all(r.status in (200, 201) for r in settled), summarize(settled))
            report.check("no worker restarted (same pids)", workers_before == workers_after,
                         f"{workers_before} → {workers_after}")
            report.check("no worker timeout in gunicorn's log", "WORKER TIMEOUT" not in service.error_log())

            # --- Registrations: all or nothing
            rows = {email for (email,) in query(
                database_url, "SELECT lower(email) FROM users WHERE email LIKE 'registro.%'")}
            answered = dict(registrations)
            created = {e for e, s in registrations if s == 201}
            undecided = {e for e, s in registrations if s in UNDECIDED}
            refused = {e for e, s in registrations if s not in UNDECIDED and s != 201}
            report.figure("registrations", f"{len(registrations)} sent: {len(created)} answered 201, "
                          f"{len(undecided)} undecided (503 or no answer), {len(refused)} other")
            missing = created - rows
            committed_undecided = (rows - created) & undecided
            stray = rows - created - undecided
            report.figure("undecided registrations whose row exists", len(committed_undecided))
            report.check("every 201 registration has its row", not missing, f"missing: {sorted(missing)[:3]}")
            report.check("no row without a 201 except undecided answers", not stray,
                         f"{[(e, answered.get(e)) for e in sorted(stray)[:3]]}")
            report.check("no row for a request answered 4xx", not (rows & refused))
            complete = []
            for email in sorted(committed_undecided) + sorted(created)[:5]:
                answer = call(service.port, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})
                complete.append(answer.status == 200)
            report.check("every committed registration is complete (its password logs in)", all(complete),
                         f"{sum(complete)}/{len(complete)} checked")

            # --- Password changes: all or nothing
            for changer in changers:
                changer.token = None
                for _ in range(20):
                    if changer.token is not None:
                        break
                    changer.resolve(Load(service.port, 0, None))
            report.figure("password changes", ", ".join(
                f"{c.changes_confirmed} confirmed + {c.changes_undecided} undecided" for c in changers))
            violations = [v for c in changers for v in c.violations]
            report.check("password change all or nothing: exactly one candidate password works, always",
                         not violations and all(c.token for c in changers), "; ".join(violations[:3]))
            report.check("some password changes raced the outage",
                         sum(c.changes_undecided for c in changers) + len(undecided) > 0)


if __name__ == "__main__":
    run_scenario("db_outage", main)
