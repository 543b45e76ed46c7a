"""Redis (REDIS_URL configured) stops under load, then comes back.

    .venv/bin/python -m fault.redis_outage [--outage-seconds 8]

The service (2 workers × 4 threads) on a fresh database of the machine's PostgreSQL, with
REDIS_URL pointing at a private redis-server (no persistence) and LOGIN_RATE_LIMIT lowered to
`10 per minute` so that the flood check below stays short. Load: four threads of signed-in users
(GET /me), one thread logging in from changing addresses. Before the outage one session is
logged out (its revocation lives in the database only). Then the Redis server stops for `--outage-seconds`
and starts again, empty, as a Redis without persistence restarts.

Checks (the decisions of docs/security.md, "Revocation shared by every worker and instance"):
- during the outage authenticated requests keep working (200 within 2.5 s): the database alone
  decides whether a session is alive; a logout answers 200 and takes effect (its token is
  refused from then on);
- login keeps working, and the per-address limit still protects it: a flood of logins from one
  address gets 429 after at most the limit per worker (Flask-Limiter's in-memory fallback counts
  per process);
- `/api/health/ready` answers 503 during the outage and 200 after;
- once Redis is back the service recovers by itself (same workers), and a session logged out
  before the outage stays refused although Redis came back empty; the per-address limits are
  counted in Redis again (shared by the workers) within 45 s (Flask-Limiter's back-off);
- no request goes unanswered, none answers 500.
"""

from __future__ import annotations

import argparse
import threading
import time

from .harness import (
    PASSWORD,
    UNAVAILABLE_DETAIL,
    FreshDatabase,
    Load,
    PrivateRedis,
    Service,
    call,
    latency_line,
    log,
    ms,
    register_and_login,
    run_scenario,
    summarize,
)

READERS = 4
LOGIN_LIMIT_PER_MINUTE = 10
WORKERS = 2


def flood(port: int, address: str, attempts: int) -> list[tuple[int | None, float]]:
    """Logins from one address, each with its status and the time it ended. The bodies are
    malformed (counted by the per-address limit, then 422 before any password hashing): the flood
    takes well under a second, so it fits in the outage, and the per-account lockout never plays."""
    answers = []
    for _ in range(attempts):
        status = call(port, "POST", "/api/auth/login", {"email": "inundacion"}, client=address).status
        answers.append((status, time.monotonic()))
    return answers


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-seconds", type=float, default=8)
    args = parser.parse_args()

    with FreshDatabase() as database, PrivateRedis() as redis_server:
        redis_server.start()
        env = {"REDIS_URL": redis_server.url(), "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT_PER_MINUTE} per minute"}
        with Service(database.url, workers=WORKERS, threads=4, env=env) as service:
            service.migrate()
            service.start()
            users = register_and_login(service.port, READERS + 3, "redis")
            readers, logged_out, kept_through_logout, logger = (users[:READERS], users[READERS],
                                                                users[READERS + 1], users[READERS + 2])
            answer = call(service.port, "POST", "/api/auth/logout", token=logged_out["access"])
            report.check("logout before the outage", answer.status == 200, f"{answer.status}")
            report.check("its token is refused before the outage",
                         call(service.port, "GET", "/api/auth/me", token=logged_out["access"]).status == 401)

            def step(index: int, load: Load) -> None:
                if index < READERS:
                    load.call("GET /me", "GET", "/api/auth/me", token=readers[index]["access"])
                    time.sleep(0.02)
                else:
                    load.call("login", "POST", "/api/auth/login",
                              {"email": logger["email"], "password": PASSWORD})

            readiness: list[tuple[float, int | None]] = []
            polling = threading.Event()

            def poll_readiness() -> None:
                while not polling.is_set():
                    answer = call(service.port, "GET", "/api/health/ready")
                    readiness.append((time.monotonic(), answer.status))
                    polling.wait(0.25)

            workers_before = service.workers()
            poller = threading.Thread(target=poll_readiness, daemon=True)
            poller.start()
            with Load(service.port, READERS + 1, step) as load:
                time.sleep(4)
                log("stopping Redis")
                stop_began = time.monotonic()
                redis_server.stop()
                down = time.monotonic()
                # The probes run beside the clock, which alone decides when Redis comes back: the
                # outage lasts what was asked, however slow the probes are.
                probes: dict = {}

                def probe() -> None:
                    time.sleep(1)
                    probes["logout"] = call(service.port, "POST", "/api/auth/logout",
                                            token=kept_through_logout["access"])
                    probes["flood"] = flood(service.port, "10.99.0.1", LOGIN_LIMIT_PER_MINUTE * WORKERS + 10)

                prober = threading.Thread(target=probe, daemon=True)
                prober.start()
                time.sleep(max(0.0, args.outage_seconds - (time.monotonic() - stop_began)))
                log("starting Redis again (empty)")
                back_began = time.monotonic()
                redis_server.start()
                up = time.monotonic()
                prober.join(timeout=30)
                time.sleep(8)
            polling.set()
            poller.join(timeout=10)
            records = load.snapshot()
            report.figure("outage (Redis stopped → Redis accepting again)",
                          f"{up - down:.1f} s (asked: {args.outage_seconds:g} s)")
            report.check("the outage lasted what was asked (within 1 s)",
                         abs((back_began - stop_began) - args.outage_seconds) <= 1.0,
                         f"{back_began - stop_began:.1f} s")
            logout = probes.get("logout")
            flood_answers = probes.get("flood", [])
            report.check("the probes (a logout, the login flood) ended within the outage",
                         logout is not None and flood_answers and flood_answers[-1][1] <= back_began,
                         f"{len(flood_answers)} flood answers")
            flooded = [status for status, ended in flood_answers if ended <= back_began]

            during = [r for r in records if r.start >= down + 0.2 and r.end <= back_began]
            me_during = [r for r in during if r.op == "GET /me"]
            login_during = [r for r in during if r.op == "login"]
            report.figure("GET /me during the outage", f"{summarize(me_during)}; {latency_line(me_during)}")
            report.figure("login during the outage",
                          f"{summarize(login_during)}; {latency_line(login_during)}")
            report.check("authenticated requests keep working: 200 during the outage",
                         me_during and all(r.status == 200 for r in me_during), summarize(me_during))
            report.check("every 503 carries the Spanish detail",
                         all(r.detail == UNAVAILABLE_DETAIL for r in records if r.status == 503))
            worst = max((r.end - r.start for r in me_during), default=0.0)
            report.check("authenticated requests answered within 2.5 s", worst <= 2.5, f"max {ms(worst)}")
            report.check("login keeps working during the outage",
                         login_during and all(r.status == 200 for r in login_during), summarize(login_during))
            report.check("a logout during the outage answers 200",
                         logout is not None and logout.status == 200,
                         f"{logout.status if logout else 'no answer'}")
            passed = [s for s in flooded if s != 429]
            report.figure("login flood from one address during the outage",
                          f"{len(flooded)} attempts: {len(passed)} answered before 429 "
                          f"({summarize_statuses(flooded)})")
            report.check("the per-address limit still protects login (in-memory fallback)",
                         429 in flooded and len(passed) <= LOGIN_LIMIT_PER_MINUTE * WORKERS,
                         f"{len(passed)} let through, limit {LOGIN_LIMIT_PER_MINUTE}/min × {WORKERS} workers")

            ready_down = [s for t, s in readiness if down + 1 <= t <= back_began]
            first_ready = next((t for t, s in readiness if t >= up and s == 200), None)
            report.check("readiness 503 during the outage", ready_down and set(ready_down) == {503},
                         f"{len(ready_down)} polls")
            report.check("readiness 200 once Redis is back", first_ready is not None,
                         f"after {ms(first_ready - up)}" if first_ready else "never")

            after = [r for r in records if r.start >= up]
            last_failure = max((r.end for r in after if r.status != 200), default=up)
            report.figure("recovery (Redis accepting → last failed request)", ms(last_failure - up))
            settled = [r for r in after if r.start >= up + 2]
            report.check("recovers by itself: every request succeeds 2 s after Redis is back",
                         settled and all(r.status == 200 for r in settled), summarize(settled))
            report.check("no worker restarted", service.workers() == workers_before)
            report.check("no request unanswered, no 500",
                         all(r.status is not None and r.status != 500 for r in records), summarize(records))

            status = call(service.port, "GET", "/api/auth/me", token=kept_through_logout["access"]).status
            report.check("the logout made during the outage holds (its token is refused)", status == 401,
                         f"{status}")
            status = call(service.port, "GET", "/api/auth/me", token=logged_out["access"]).status
            report.check("a session logged out before the outage stays refused after Redis came back empty",
                         status == 401, f"{status}")
            # Flask-Limiter probes a dead storage with exponential back-off (1, 2, 4 ... 32 s) before
            # it counts there again; each worker on its own. Floods of malformed logins (counted,
            # then 422 before any password hashing) from fresh addresses tell when both do.
            shared_after = None
            for attempt in range(30):
                statuses = [call(service.port, "POST", "/api/auth/login", {"email": "x"},
                                 client=f"10.98.0.{attempt + 1}").status
                            for _ in range(LOGIN_LIMIT_PER_MINUTE + 6)]
                if sum(1 for s in statuses if s != 429) <= LOGIN_LIMIT_PER_MINUTE:
                    shared_after = time.monotonic() - up
                    break
                time.sleep(2)
            report.figure("rate limits counted in Redis again after",
                          f"{shared_after:.0f} s" if shared_after is not None else "more than 60 s")
            report.check("the per-address limit is shared in Redis again within 45 s",
                         shared_after is not None and shared_after <= 45)


def summarize_statuses(statuses) -> str:
    counts = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{s}: {n}" for s, n in sorted(counts.items(), key=lambda item: str(item[0])))


if __name__ == "__main__":
    run_scenario("redis_outage", main)
