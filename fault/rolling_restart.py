"""A rolling restart (`kill -HUP` the gunicorn master) under load.

    .venv/bin/python -m fault.rolling_restart [--restarts 2]

The service (2 workers × 4 threads) on a fresh database of the machine's PostgreSQL, eight load
threads, each a signed-in user (GET /me, PUT /me, refresh, a login now and then, registrations).
Tokens are taken before the first restart. `--restarts` times, SIGHUP goes to the master, and the
scenario waits until every worker is a new process.

Checks:
- zero failed requests: every request of the run answers 200 or 201 (no connection refused or
  reset, no 5xx, no 401);
- every worker was replaced by each restart (all pids new), and the master is the same process;
- the access and refresh tokens issued before the restarts still work after them.
"""

from __future__ import annotations

import argparse
import os
import signal
import time

from .harness import (
    FreshDatabase,
    Load,
    Service,
    call,
    latency_line,
    log,
    mixed_traffic,
    ms,
    register_and_login,
    run_scenario,
    summarize,
    wait_for,
)

THREADS = 8


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=2)
    args = parser.parse_args()

    with FreshDatabase() as database, Service(database.url, workers=2, threads=4) as service:
        service.migrate()
        service.start()
        users = register_and_login(service.port, THREADS, "reinicio")
        # Sessions of their own, opened before any restart and not touched by the load.
        kept = register_and_login(service.port, 3, "antes")

        step = mixed_traffic(users, {"me": 11, "put": 3, "refresh": 3, "login": 1, "register": 2},
                             "nuevo")

        master = service.pid
        restarts = []
        with Load(service.port, THREADS, step) as load:
            time.sleep(4)
            for _ in range(args.restarts):
                before = set(service.workers())
                began = time.monotonic()
                os.kill(master, signal.SIGHUP)
                log(f"SIGHUP to the master {master}; workers were {sorted(before)}")
                def all_new(before=before):
                    now = set(service.workers())
                    return len(now) == len(before) and not (now & before)

                wait_for(all_new, 60, interval=0.05, what="every worker replaced")
                took = time.monotonic() - began
                after = set(service.workers())
                log(f"all workers new after {ms(took)}: {sorted(after)}")
                restarts.append((sorted(before), sorted(after), took))
                time.sleep(4)
            time.sleep(2)
        records = load.snapshot()

        report.figure("requests", summarize(records))
        report.figure("latency", latency_line(records))
        report.figure("restarts", "; ".join(f"{b} → {a} in {ms(t)}" for b, a, t in restarts))
        failed = [r for r in records if r.status not in (200, 201)]
        report.check("zero failed requests", not failed,
                     f"{summarize(failed)} {[(r.op, r.status, r.error or r.detail) for r in failed[:3]]}")
        report.check("enough load across the restarts", len(records) > 200, f"{len(records)} requests")
        report.check("every restart replaced every worker", len(restarts) == args.restarts and all(
            not (set(b) & set(a)) for b, a, _ in restarts))
        report.check("the master kept running (same pid)",
                     service.process.poll() is None and service.pid == master)

        me = [call(service.port, "GET", "/api/auth/me", token=u["access"]).status for u in kept]
        report.check("access tokens issued before the restarts still work", me == [200] * len(kept), f"{me}")
        refreshed = [call(service.port, "POST", "/api/auth/refresh", {"refresh_token": u["refresh"]}).status
                     for u in kept]
        report.check("refresh tokens issued before the restarts still work", refreshed == [200] * len(kept),
                     f"{refreshed}")


if __name__ == "__main__":
    run_scenario("rolling_restart", main)
