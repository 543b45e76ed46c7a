"""A login surge against the real service, and what it does to the cheap requests.

    .venv/bin/python -m bench.login_surge [--logins 100] [--duration 20] [--service-env NAME=VALUE ...]

The service as shipped (gunicorn with gunicorn.conf.py: 2 workers x 16 threads, the control
socket off, its own free port on 127.0.0.1) on a fresh PostgreSQL database (on the machine's
server, dropped at the end) seeded with one account per login thread, `TRUSTED_PROXIES=1`.
`--logins` client threads each log in to their own account (right password) again and again,
each request from a random `X-Forwarded-For` address among 2,000, so that no per-address limit
plays and every login hashes; a client told 503 or 429 waits `Retry-After` seconds, as the app
does (`--ignore-retry-after`: it retries at once). Meanwhile one signed-in user polls
`GET /api/auth/me` every 0.2 s, refreshes its tokens every second, and a load balancer's probe
polls `GET /api/health/ready` every 0.5 s with a 5 s timeout. Before the flood the same polls
run for `--quiet` seconds alone.

It prints, for the quiet period and for the flood, the count, statuses, p50, p99 and max latency
of each kind of request, and how many logins per second succeeded. `--service-env` passes extra
settings to the service (e.g. `PASSWORD_HASH_CONCURRENCY=0` turns the hashing bulkhead off).
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time

from fault.harness import CLIENTS, FreshDatabase, Load, Service, call, log, machine, percentile

from . import database

ME_INTERVAL = 0.2
REFRESH_INTERVAL = 1.0
READY_INTERVAL = 0.5
PROBE_TIMEOUT = 5.0


def email(n: int) -> str:
    return f"bench-user-{n}@{database.DOMAIN}"


class Pollers:
    """The cheap requests: /me, refresh and readiness, each on its own thread and rhythm."""

    def __init__(self, port: int, session: dict):
        self.port = port
        self.access = session["access_token"]
        self.refresh_token = session["refresh_token"]
        self.records: list[tuple[str, float, float, int | None]] = []  # op, start, seconds, status
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._loop, args=(op, interval), daemon=True)
            for op, interval in (("GET /me", ME_INTERVAL), ("POST /refresh", REFRESH_INTERVAL),
                                 ("GET /health/ready", READY_INTERVAL))
        ]

    def _once(self, op: str):
        if op == "GET /me":
            return call(self.port, "GET", "/api/auth/me", token=self.access)
        if op == "GET /health/ready":
            return call(self.port, "GET", "/api/health/ready", timeout=PROBE_TIMEOUT)
        answer = call(self.port, "POST", "/api/auth/refresh", {"refresh_token": self.refresh_token})
        if answer.status == 200:
            self.access = answer.body["access_token"]
            self.refresh_token = answer.body["refresh_token"]
        return answer

    def _loop(self, op: str, interval: float) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            answer = self._once(op)
            with self._lock:
                self.records.append((op, started, answer.seconds, answer.status))
            self._stop.wait(max(0.0, interval - answer.seconds))

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def row(name: str, samples: list[tuple[float, int | None]]) -> str:
    seconds = [s for s, _ in samples]
    statuses: dict = {}
    for _, status in samples:
        key = "timeout" if status is None else status
        statuses[key] = statuses.get(key, 0) + 1
    over = sum(1 for s in seconds if s > 1.0)
    status_text = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    return (f"| {name} | {len(samples)} | {status_text} | {percentile(seconds, 0.5) * 1000:.0f} | "
            f"{percentile(seconds, 0.99) * 1000:.0f} | {max(seconds, default=0) * 1000:.0f} | {over} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=100, help="concurrent login threads")
    parser.add_argument("--duration", type=float, default=20, help="seconds of flood")
    parser.add_argument("--quiet", type=float, default=4, help="seconds of polls before the flood")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--ignore-retry-after", dest="honour_retry_after", action="store_false",
                        help="login clients retry at once instead of waiting Retry-After seconds")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE")
    options = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in options.service_env)

    with FreshDatabase() as fresh:
        env = {"LOG_LEVEL": "WARNING", **extra}
        with Service(fresh.url, workers=options.workers, threads=options.threads, env=env) as service:
            service.migrate()
            method = service.env.get("PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000")
            seed_url = fresh.url.replace("postgresql://", "postgresql+psycopg2://", 1)
            database.seed(seed_url, 1, options.logins + 1, database.password_hash(method))
            service.start()
            signed_in = call(service.port, "POST", "/api/auth/login",
                             {"email": email(1), "password": database.PASSWORD})
            if signed_in.status != 200:
                raise SystemExit(f"the polling user cannot log in: {signed_in.status} {signed_in.body}")

            pollers = Pollers(service.port, signed_in.body)
            pollers.start()
            log(f"quiet: {options.quiet:.0f} s of polls alone")
            time.sleep(options.quiet)

            def login(index: int, load: Load) -> None:
                answer = load.call("login", "POST", "/api/auth/login",
                                   {"email": email(index + 2), "password": database.PASSWORD},
                                   client=random.choice(CLIENTS), timeout=60)
                retry_after = answer.headers.get("Retry-After")
                if options.honour_retry_after and answer.status in (429, 503) and retry_after:
                    time.sleep(float(retry_after))

            log(f"flood: {options.logins} concurrent logins for {options.duration:.0f} s")
            flood_began = time.monotonic()
            with Load(service.port, options.logins, login) as load:
                time.sleep(options.duration)
                flood_ended = time.monotonic()
            pollers.stop()
            errors = service.unhandled_errors()

    logins = [r for r in load.records if r.start < flood_ended]
    succeeded = [r for r in logins if r.status == 200 and r.end <= flood_ended]
    print(f"\nbench.login_surge, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    print(f"{options.workers} workers x {options.threads} threads; {options.logins} concurrent logins for "
          f"{options.duration:.0f} s ({'honouring' if options.honour_retry_after else 'ignoring'} "
          f"Retry-After); service settings: {extra or 'defaults'}\n")
    print("| requests | count | statuses | p50 ms | p99 ms | max ms | over 1 s |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for phase, low, high in (("quiet", 0, flood_began), ("flood", flood_began, flood_ended)):
        for op in ("GET /me", "POST /refresh", "GET /health/ready"):
            samples = [(s, st) for o, t, s, st in pollers.records if o == op and low <= t < high]
            print(row(f"{phase}: {op}", samples))
    print(row("flood: POST /login", [(r.end - r.start, r.status) for r in logins]))
    print(f"\nlogins answered 200 within the flood: {len(succeeded) / options.duration:.1f}/s; "
          f"unhandled errors in the service log: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
