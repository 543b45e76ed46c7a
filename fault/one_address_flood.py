"""One address floods the requests that hash or judge a password; other people keep logging in.

    .venv/bin/python -m fault.one_address_flood [--kinds all] [--seconds 20] [--threads 32]

The service as shipped (gunicorn.conf.py's defaults: 2 workers × 64 threads, the production
hash, per-address limits at their production values, no Redis) on a fresh database of the
machine's PostgreSQL. For each kind of flood, `--threads` threads send requests as fast as the
service answers (ignoring Retry-After), all from one client address (a new one per kind), for
`--seconds`; meanwhile a legitimate prober logs in to other accounts, one login at a time from
two threads, each login from its own address. Kinds:

- `login-wrong`: wrong passwords in full-width characters (the most expensive to check) for
  existing and unknown emails;
- `login-wrong-paced`: the same at 154 a minute (below the per-address login limit);
- `register`: new accounts with good passwords, and with policy-failing ones;
- `reset-weak`: the flood's own valid reset token with a policy-failing password (422; the token
  stays usable);
- `reset-garbage`: random reset tokens;
- `change-password`: the flood's own session, wrong current passwords and weak new ones.

Checks, for each kind: at least 90 % of the prober's logins answer 200, their median under 2 s;
nothing answers 5xx but the 503 of the hashing bound; no connection goes unanswered.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

from .harness import (
    CLIENTS,
    PASSWORD,
    FreshDatabase,
    Load,
    Service,
    log,
    ms,
    percentile,
    register_and_login,
    registration,
    run_scenario,
    summarize,
)

KINDS = ["login-wrong", "login-wrong-paced", "register", "reset-weak", "reset-garbage", "change-password"]
PACED_PER_MINUTE = 154
WEAK = "password1"
FULL_WIDTH_WRONG = "Ｃｌａｖｅ ｅｑｕｉｖｏｃａｄａ ２０２６"


def reset_token(database_url: str, user_id: str) -> str:
    """A valid reset token for `user_id`, stored as the service stores one (its SHA-256)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC).replace(tzinfo=None)
    connection = psycopg2.connect(database_url, connect_timeout=5)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO password_reset_tokens (id, user_id, token_hash, created_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (str(uuid.uuid4()), user_id, hashlib.sha256(token.encode()).hexdigest(), now,
                 now + timedelta(hours=1)),
            )
    finally:
        connection.close()
    return token


def flood_step(kind: str, attacker: str, service: Service, victims: list[str], own: dict):
    """A Load step sending one request of the flood `kind` from `attacker`."""
    token = reset_token(service.env["DATABASE_URL"], own["id"]) if kind == "reset-weak" else None

    def step(index: int, load: Load) -> None:
        n = time.monotonic_ns()
        if kind.startswith("login-wrong"):
            email = victims[n % len(victims)] if n % 3 else f"nadie{n}@sena.edu.co"
            load.call("flood", "POST", "/api/auth/login", {"email": email, "password": FULL_WIDTH_WRONG},
                      client=attacker, timeout=30)
        elif kind == "register":
            password = WEAK if n % 2 else f"{PASSWORD} {n}"
            load.call("flood", "POST", "/api/auth/register",
                      registration(f"bot{n}@sena.edu.co", password), client=attacker, timeout=30)
        elif kind == "reset-weak":
            load.call("flood", "POST", "/api/auth/password-reset/confirm",
                      {"token": token, "new_password": WEAK}, client=attacker, timeout=30)
        elif kind == "reset-garbage":
            load.call("flood", "POST", "/api/auth/password-reset/confirm",
                      {"token": secrets.token_urlsafe(32), "new_password": f"{PASSWORD} {n}"},
                      client=attacker, timeout=30)
        else:  # change-password
            body = ({"current_password": f"no es {n}", "new_password": f"{PASSWORD} {n}"} if n % 2
                    else {"current_password": PASSWORD, "new_password": WEAK})
            load.call("flood", "POST", "/api/auth/me/change-password", body, token=own["access"],
                      client=attacker, timeout=30)

    return step


def prober_step(accounts: list[dict]):
    """A Load step: one login of the next legitimate account, from an address of its own."""
    turn = iter(range(10**9))

    def step(index: int, load: Load) -> None:
        n = next(turn)
        account = accounts[n % len(accounts)]
        load.call("login", "POST", "/api/auth/login", {"email": account["email"], "password": PASSWORD},
                  client=CLIENTS[100 + n % 1500], timeout=30)

    return step


def run_flood(service: Service, kind: str, number: int, seconds: float, threads: int,
              victims: list[str], people: list[dict]) -> dict:
    attacker = f"10.66.{number}.1"
    own = register_and_login(service.port, 1, f"atacante{number}")[0]
    paced = kind == "login-wrong-paced"
    flood = Load(service.port, 4 if paced else threads, flood_step(kind, attacker, service, victims, own),
                 rate_per_second=PACED_PER_MINUTE / 60 if paced else None)
    prober = Load(service.port, 2, prober_step(people))
    began = time.monotonic()
    with flood, prober:
        time.sleep(seconds)
    load = Path("/proc/loadavg").read_text().split()[:3]
    logins = prober.snapshot()
    flooded = flood.snapshot()
    latencies = [r.end - r.start for r in logins]
    ok = sum(1 for r in logins if r.status == 200)
    result = {
        "kind": kind, "logins": len(logins), "ok": ok, "share": ok / len(logins) if logins else 0.0,
        "median": statistics.median(latencies) if latencies else float("inf"),
        "p90": percentile(latencies, 0.9), "prober": summarize(logins), "flood": summarize(flooded),
        "flood_count": len(flooded), "load": " ".join(load),
        "bad": [r for r in flooded + logins if r.status is None or (r.status >= 500 and r.status != 503)],
        "timeline": timeline(logins, began, seconds),
    }
    log(f"{kind}: prober {result['prober']} (median {ms(result['median'])}, p90 {ms(result['p90'])}); "
        f"flood {result['flood']}; load {result['load']}; prober's median by 5 s: {result['timeline']}")
    return result


def timeline(records, began: float, seconds: float, step: float = 5.0) -> str:
    """The median latency of the records started in each `step` seconds of the flood."""
    parts = []
    for start in range(0, int(seconds), int(step)):
        inside = [r.end - r.start for r in records if start <= r.start - began < start + step]
        parts.append(f"{start}-{start + int(step)} s: {ms(statistics.median(inside)) if inside else '-'}")
    return ", ".join(parts)


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="all", help=f"comma-separated among {', '.join(KINDS)}")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    kinds = KINDS if args.kinds == "all" else args.kinds.split(",")

    with FreshDatabase() as database, Service(database.url, workers=2, threads=None) as service:
        service.migrate()
        service.start()
        log(f"service up on port {service.port}: shipped defaults, production hash, no Redis; "
            f"load {os.getloadavg()}")
        people = register_and_login(service.port, 40, "persona")
        victims = [v["email"] for v in register_and_login(service.port, 20, "victima")]
        results = [run_flood(service, kind, n, args.seconds, args.threads, victims, people)
                   for n, kind in enumerate(kinds)]
        for r in results:
            report.figure(f"{r['kind']}: other people's logins",
                          f"{r['ok']} of {r['logins']} 200 ({r['share']:.0%}), median {ms(r['median'])}, "
                          f"p90 {ms(r['p90'])}")
            report.figure(f"{r['kind']}: their median by 5 s of the flood", r["timeline"])
            report.figure(f"{r['kind']}: the flood's answers", f"{r['flood_count']}: {r['flood']}")
            report.figure(f"{r['kind']}: load average after", r["load"])
        for r in results:
            report.check(f"{r['kind']}: ≥ 90 % of other people's logins succeed, median under 2 s",
                         r["share"] >= 0.9 and r["median"] < 2.0,
                         f"{r['share']:.0%}, median {ms(r['median'])}")
            report.check(f"{r['kind']}: no 5xx but the hashing bound's 503, no connection unanswered",
                         not r["bad"], summarize(r["bad"]) if r["bad"] else "")
        errors = service.unhandled_errors()
        report.check("no unhandled error in the service's logs", not errors, "; ".join(errors[:3]))


if __name__ == "__main__":
    run_scenario("one_address_flood", main)
