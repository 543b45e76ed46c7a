"""A gunicorn worker is SIGKILLed under load.

    .venv/bin/python -m fault.worker_crash [--kills 3]

The service (2 workers × 4 threads) on a fresh database of the machine's PostgreSQL, eight load
threads (GET /me, PUT /me, logins, registrations of new accounts). `--kills` times, one worker is
killed with SIGKILL while requests are in flight, and the scenario waits for the master to replace
it.

Checks:
- the master replaces every killed worker (a new pid; the worker count is back) within 10 s;
- only requests in flight when the worker died fail: every failed request started before a kill
  and ended after it, and there are no more of them than the requests then in flight;
- every request that starts once the replacement is up succeeds;
- nothing committed is lost: every registration answered 201 has its row.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
import uuid

from .harness import (
    PASSWORD,
    FreshDatabase,
    Load,
    Service,
    latency_line,
    log,
    ms,
    query,
    register_and_login,
    registration,
    run_scenario,
    summarize,
    wait_for,
)

THREADS = 8


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()

    with FreshDatabase() as database, Service(database.url, workers=2, threads=4) as service:
        service.migrate()
        service.start()
        users = register_and_login(service.port, THREADS, "trabajador")
        registered: list[tuple[str, int | None]] = []
        lock = threading.Lock()

        def step(index: int, load: Load) -> None:
            user = users[index]
            roll = (time.monotonic_ns() // 1000) % 20
            if roll < 12:
                load.call("GET /me", "GET", "/api/auth/me", token=user["access"])
            elif roll < 15:
                load.call("PUT /me", "PUT", "/api/auth/me", {"program": f"ADSO {roll}"}, token=user["access"])
            elif roll < 17:
                answer = load.call("login", "POST", "/api/auth/login",
                                   {"email": user["email"], "password": PASSWORD})
                if answer.status == 200:
                    user["access"] = answer.body["access_token"]
            else:
                email = f"caida.{uuid.uuid4().hex[:12]}@sena.edu.co"
                answer = load.call("register", "POST", "/api/auth/register", registration(email))
                with lock:
                    registered.append((email, answer.status))

        kills = []  # (killed pid, kill time, replacement pid, replaced time)
        with Load(service.port, THREADS, step) as load:
            time.sleep(4)
            for _ in range(args.kills):
                before = service.workers()
                victim = before[0]  # the oldest worker (pids grow): busy, not still booting
                killed_at = time.monotonic()
                os.kill(victim, signal.SIGKILL)
                log(f"SIGKILL worker {victim}")

                def replaced(victim=victim, before=before):
                    now = service.workers()
                    return victim not in now and len(now) == len(before)

                wait_for(replaced, 10, interval=0.02, what="the master replacing the killed worker")
                replaced_at = time.monotonic()
                new = sorted(set(service.workers()) - set(before))
                log(f"replaced by {new} after {ms(replaced_at - killed_at)}")
                kills.append((victim, killed_at, new, replaced_at))
                time.sleep(4)
            time.sleep(2)
        records = load.snapshot()

        report.figure("requests", summarize(records))
        report.figure("latency", latency_line(records))
        replacement = [replaced - killed for _, killed, _, replaced in kills]
        report.figure("worker replaced after", ", ".join(ms(s) for s in replacement))
        report.check("the master replaced every killed worker with a new pid",
                     all(new and victim not in new for victim, _, new, _ in kills),
                     "; ".join(f"{v} → {n}" for v, _, n, _ in kills))

        failed = [r for r in records if r.status is None or r.status >= 500]
        report.figure("failed requests", f"{len(failed)} ({summarize(failed)}; "
                      f"{sorted({r.error.split(':')[0] for r in failed if r.error})})")
        for victim, killed, _, _ in kills:
            in_flight = [r for r in records if r.start <= killed <= r.end]
            failed_here = [r for r in failed if r.start <= killed <= r.end]
            report.figure(f"kill of {victim}", f"{len(in_flight)} requests in flight on the service, "
                          f"{len(failed_here)} failed")
            report.check(f"failures of the kill of {victim} are at most the requests in flight",
                         len(failed_here) <= len(in_flight))
        orphans = [r for r in failed if not any(r.start <= killed <= r.end for _, killed, _, _ in kills)]
        report.check("every failed request was in flight when a worker died", not orphans,
                     f"{len(orphans)} others: {[(r.op, r.status, r.error) for r in orphans[:3]]}")
        clear = [r for r in records if r.start >= kills[0][3]
                 and not any(r.start <= killed <= r.end for _, killed, _, _ in kills)]
        report.check("requests after the first replacement not in flight at a kill all succeed",
                     clear and all(r.status in (200, 201) for r in clear), summarize(clear))
        report.check("no 500 from the service", not [r for r in records if r.status == 500])

        rows = {e for (e,) in query(database.url,
                                    "SELECT lower(email) FROM users WHERE email LIKE 'caida.%'")}
        created = {e for e, s in registered if s == 201}
        report.figure("registrations", f"{len(registered)} sent, {len(created)} answered 201, "
                      f"{len(rows)} rows")
        report.check("every registration answered 201 has its row", created <= rows,
                     f"missing {sorted(created - rows)[:3]}")
        unanswered = {e for e, s in registered if s is None}
        report.check("no row without a 201 unless its answer was lost", rows - created <= unanswered)


if __name__ == "__main__":
    run_scenario("worker_crash", main)
