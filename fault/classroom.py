"""A classroom at once: many students behind one address press "Ingresar" in the same second.

    .venv/bin/python -m fault.classroom [--sizes 20,40,60] [--registrations 20]

The service as shipped (gunicorn.conf.py's defaults: 2 workers × 64 threads, the production
hash, per-address limits at their production values, no Redis) on a fresh database of the
machine's PostgreSQL. For each size, that many accounts log in at the same moment, all from one
client address (a new one per class, as different classes are different labs), while another
client polls GET /me and /api/health/ready every 0.1 s. Then `--registrations` concurrent
registrations of one email from one address.

Checks (the contract's "A classroom at once"):
- every login of a class answers 200 (40: the last within 10 s; 60: within 15 s); nothing 5xx;
- GET /me and readiness answer every poll in under 1 s throughout;
- the registrations give one 201 and all the others 400.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .harness import (
    PASSWORD,
    FreshDatabase,
    Load,
    Service,
    call,
    log,
    ms,
    percentile,
    register_and_login,
    registration,
    run_scenario,
)

DEADLINES = {20: 10.0, 40: 10.0, 60: 15.0}  # seconds for the last login of a class (the contract)
PROBE_CLIENT = "10.90.0.1"


def at_once(port: int, requests: list[tuple[str, dict]], client: str) -> list:
    """POST every (path, body) at the same moment, all from `client`; (answer, seconds since the
    start) for each."""
    start = threading.Barrier(len(requests))
    began = []

    def one(index: int):
        path, body = requests[index]
        start.wait()
        if index == 0:
            began.append(time.monotonic())
        answer = call(port, "POST", path, body, client=client, timeout=60)
        return answer, time.monotonic()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        results = list(pool.map(one, range(len(requests))))
    return [(answer, end - began[0]) for answer, end in results]


def probes(port: int, token: str):
    """A Load step: GET /me and readiness in turn, from another address than the class."""

    def step(_index: int, load: Load) -> None:
        load.call("GET /me", "GET", "/api/auth/me", token=token, client=PROBE_CLIENT, timeout=10)
        load.call("ready", "GET", "/api/health/ready", client=PROBE_CLIENT, timeout=10)

    return step


def one_class(service: Service, accounts: list[dict], size: int, lab: str) -> dict:
    bodies = [("/api/auth/login", {"email": a["email"], "password": a["password"]}) for a in accounts[:size]]
    prober = register_and_login(service.port, 1, "sondeo")[0]
    with Load(service.port, 1, probes(service.port, prober["access"]), rate_per_second=5) as load:
        time.sleep(1)
        results = at_once(service.port, bodies, lab)
        time.sleep(1)
    polls = load.snapshot()
    statuses = Counter(answer.status for answer, _ in results)
    last = max(seconds for _, seconds in results)
    slow = [r for r in polls if r.status != 200 or r.end - r.start >= 1.0]
    latencies = [r.end - r.start for r in polls]
    log(f"class of {size} from {lab}: {dict(statuses)}, last answer after {last:.1f} s; probes: "
        f"{len(polls)}, p50 {ms(statistics.median(latencies))}, max {ms(max(latencies))}, "
        f"{len(slow)} slow or failed; load {Path('/proc/loadavg').read_text().split()[:3]}")
    return {"size": size, "statuses": statuses, "last": last, "polls": len(polls), "slow": len(slow),
            "p50": statistics.median(latencies), "p99": percentile(latencies, 0.99), "max": max(latencies)}


def registration_race(service: Service, count: int) -> Counter:
    email = f"carrera.{uuid.uuid4().hex[:6]}@sena.edu.co"
    results = at_once(service.port, [("/api/auth/register", registration(email))] * count, "10.91.0.1")
    return Counter(answer.status for answer, _ in results)


def seed(port: int, count: int) -> list[dict]:
    """`count` accounts, registered from many addresses (as students did, over days)."""

    def one(n: int) -> dict:
        email = f"aprendiz{n}.{uuid.uuid4().hex[:6]}@sena.edu.co"
        created = call(port, "POST", "/api/auth/register", registration(email), timeout=60)
        if created.status != 201:
            raise RuntimeError(f"seeding {email}: {created.status} {created.body}")
        return {"email": email, "password": PASSWORD}

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,40,60")
    parser.add_argument("--registrations", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]

    with FreshDatabase() as database, Service(database.url, workers=2, threads=None) as service:
        service.migrate()
        service.start()
        log(f"service up on port {service.port}: shipped defaults (2 workers × 64 threads), "
            f"production hash, no Redis; load {os.getloadavg()}")
        accounts = seed(service.port, max(sizes))
        classes = [one_class(service, accounts, size, f"10.80.{n}.1") for n, size in enumerate(sizes)]
        race = registration_race(service, args.registrations)
        log(f"{args.registrations} registrations of one email at once: {dict(race)}")

        for c in classes:
            report.figure(f"class of {c['size']}: statuses, last answer",
                          f"{dict(c['statuses'])}, {c['last']:.1f} s")
            report.figure(f"class of {c['size']}: /me + readiness probes",
                          f"{c['polls']}, p50 {ms(c['p50'])}, p99 {ms(c['p99'])}, max {ms(c['max'])}")
        report.figure("registrations of one email", str(dict(race)))
        report.figure("load average at the end", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
        for c in classes:
            deadline = DEADLINES.get(c["size"], 15.0)
            report.check(f"class of {c['size']}: every login 200, the last within {deadline:.0f} s",
                         c["statuses"] == Counter({200: c["size"]}) and c["last"] <= deadline,
                         f"{dict(c['statuses'])}, {c['last']:.1f} s")
            report.check(f"class of {c['size']}: /me and readiness under 1 s throughout",
                         c["slow"] == 0, f"{c['slow']} of {c['polls']} slow or failed, max {ms(c['max'])}")
        report.check(f"{args.registrations} registrations of one email: one 201, the rest 400",
                     race == Counter({201: 1, 400: args.registrations - 1}), str(dict(race)))
        errors = service.unhandled_errors()
        report.check("no unhandled error in the service's logs", not errors, "; ".join(errors[:3]))


if __name__ == "__main__":
    run_scenario("classroom", main)
