"""Concurrent password guesses for one account against the lockout, on the shipped layout.

    .venv/bin/python -m fault.lockout_burst [--burst 40] [--rounds 3]

The service as shipped (2 workers × 16 threads, the production hash) on a fresh database of the
machine's PostgreSQL. Each round registers a new account and sends, at once, `--burst` logins with
wrong passwords and then one with the right password, each from its own client address (so the
per-address limits stay out of the way, as for a botnet). The audit trail says which passwords
were checked: one `login_failed` row with reason `wrong_password` per wrong password verified, one
`login` row if the right one was accepted. Then a classroom: 30 accounts logging in at once.

Checks:
- no round checks more than LOCKOUT_THRESHOLD (5) passwords;
- the right password is accepted only if it was checked before the wait began, and the failure
  counter stays on the documented ramp (a wait of at most 30 s after a burst, not the 15-minute cap);
- nothing answers 5xx;
- 30 different accounts logging in at the same moment are all accepted.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg2

from .harness import (
    CLIENTS,
    PASSWORD,
    FreshDatabase,
    Service,
    call,
    log,
    ms,
    query,
    registration,
    run_scenario,
)

THRESHOLD = 5
BASE_SECONDS = 30


def at_once(port: int, bodies: list[dict]) -> list:
    """POST every body to /login at the same moment, each from its own client address."""
    start = threading.Barrier(len(bodies))

    def one(index: int):
        start.wait()
        return call(port, "POST", "/api/auth/login", bodies[index], client=CLIENTS[index], timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, range(len(bodies))))


def checked(database_url: str, user_id: str) -> tuple[int, int]:
    """(wrong passwords verified, right password accepted) for the account, from the audit trail."""
    rows = query(
        database_url,
        "SELECT action, count(*) FROM audit_logs WHERE entity_id = %s AND (action = 'login' OR "
        "(action = 'login_failed' AND new_values->>'reason' = 'wrong_password')) GROUP BY action",
        (user_id,),
    )
    counts = dict(rows)
    return counts.get("login_failed", 0), counts.get("login", 0)


def counter(database_url: str) -> tuple[int, float]:
    """(the most failures any account has on record, the longest wait running, seconds)."""
    rows = query(
        database_url,
        "SELECT coalesce(max(failures), 0), coalesce(max(extract(epoch FROM locked_until - now())), 0) "
        "FROM login_failures",
    )
    failures, wait = rows[0]
    return int(failures), float(wait)


def forget_failures(database_url: str) -> None:
    connection = psycopg2.connect(database_url, connect_timeout=5)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("DELETE FROM login_failures")
    finally:
        connection.close()


def one_round(report, service: Service, burst: int, number: int) -> dict:
    email = f"victima{number}.{uuid.uuid4().hex[:6]}@sena.edu.co"
    created = call(service.port, "POST", "/api/auth/register", registration(email))
    if created.status != 201:
        raise RuntimeError(f"registering {email}: {created.status} {created.body}")
    user_id = created.body["id"]
    bodies = [{"email": email, "password": f"{PASSWORD} {n}"} for n in range(burst)]
    bodies.append({"email": email, "password": PASSWORD})
    started = time.monotonic()
    answers = at_once(service.port, bodies)
    elapsed = time.monotonic() - started
    wrong, accepted = checked(service.env["DATABASE_URL"], user_id)
    failures, wait = counter(service.env["DATABASE_URL"])
    statuses = Counter(answer.status for answer in answers)
    right = answers[-1].status
    log(f"round {number}: {burst}+1 logins in {ms(elapsed)}: statuses {dict(statuses)}, "
        f"{wrong} wrong passwords checked, right one {'accepted' if accepted else 'refused'} "
        f"({right}), failures on record {failures}, wait {wait:.0f} s")
    forget_failures(service.env["DATABASE_URL"])  # the next round's figures are its own
    return {"wrong": wrong, "accepted": accepted, "statuses": statuses, "failures": failures,
            "wait": wait, "seconds": elapsed}


def classroom(service: Service, students: int = 30) -> Counter:
    emails = []
    for n in range(students):
        email = f"aprendiz{n}.{uuid.uuid4().hex[:6]}@sena.edu.co"
        if call(service.port, "POST", "/api/auth/register", registration(email)).status != 201:
            raise RuntimeError(f"registering {email}")
        emails.append(email)
    answers = at_once(service.port, [{"email": e, "password": PASSWORD} for e in emails])
    return Counter(answer.status for answer in answers)


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with FreshDatabase() as database, Service(database.url, workers=2, threads=16) as service:
        service.migrate()
        service.start()
        log(f"service up on port {service.port}: 2 workers × 16 threads, production hash")
        rounds = [one_round(report, service, args.burst, n) for n in range(1, args.rounds + 1)]
        class_statuses = classroom(service)
        log(f"classroom: 30 accounts at once: {dict(class_statuses)}")

        most = max(r["wrong"] + r["accepted"] for r in rounds)
        report.figure("passwords checked per burst (wrong + right)",
                      ", ".join(str(r["wrong"] + r["accepted"]) for r in rounds))
        report.figure("right password accepted", ", ".join("yes" if r["accepted"] else "no" for r in rounds))
        report.figure("failures on record after the burst", ", ".join(str(r["failures"]) for r in rounds))
        report.figure("wait started by the burst, s", ", ".join(f"{r['wait']:.0f}" for r in rounds))
        report.figure("burst duration", ", ".join(ms(r["seconds"]) for r in rounds))
        report.figure("statuses", "; ".join(str(dict(r["statuses"])) for r in rounds))
        report.check(f"no burst checks more than {THRESHOLD} passwords", most <= THRESHOLD,
                     f"most: {most}")
        report.check(
            "the right password is accepted only before the wait begins",
            all(not r["accepted"] or r["wrong"] < THRESHOLD for r in rounds),
        )
        report.check(
            f"the wait stays on the ramp (at most {BASE_SECONDS} s after one burst)",
            all(r["wait"] <= BASE_SECONDS for r in rounds),
            f"longest: {max(r['wait'] for r in rounds):.0f} s",
        )
        report.check("nothing answers 5xx",
                     all(not any(s is None or s >= 500 for s in r["statuses"]) for r in rounds))
        report.check("30 accounts logging in at once are all accepted",
                     class_statuses == Counter({200: 30}), str(dict(class_statuses)))


if __name__ == "__main__":
    run_scenario("lockout_burst", main)
