"""Soak: mixed traffic at about 70% of measured capacity for ten minutes.

    .venv/bin/python -m fault.soak [--minutes 10] [--fraction 0.7] [--write]

The service (2 workers × 4 threads, production password hashing) on a fresh database of the
machine's PostgreSQL. Each of eight load threads is a signed-in user making one request at a
time from this mix: GET /me 50%, PUT /me 15%, refresh 12%, login 15%, register a new account 8%.

1. Capacity: the same threads as fast as the service answers for `--capacity-seconds`; the
   throughput is the capacity for this mix.
2. Soak: the threads paced to `--fraction` of that rate for `--minutes`. Every `--sample-seconds`
   the scenario samples each worker's resident memory (VmRSS), the service's PostgreSQL
   connections (pg_stat_activity for the soak database, application_name inventory_auth),
   throughput, latency and errors.

Checks: zero errors (every request 200 or 201); the achieved rate is at least 90% of the target;
the same worker processes throughout; worker memory does not grow (median of the last third of
the samples at most 10% above the median of the first third, the first sample being warm-up);
PostgreSQL connections stay within one per request thread and one per worker's readiness probe
(workers × (threads + 1)) and do not grow (the last third's maximum at most the first third's).
`--write` puts the table into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import UTC, datetime

from .harness import (
    ROOT,
    FreshDatabase,
    Load,
    Service,
    latency_line,
    log,
    machine,
    mixed_traffic,
    percentile,
    query,
    register_and_login,
    rss_kib,
    run_scenario,
    summarize,
)

THREADS = 8
WORKERS = 2
SERVICE_THREADS = 4  # the harness's Service default
# Each request thread holds at most one connection at a time (the token check hands its own back
# before the view runs, and no connection is held through a password hash), and each worker's
# readiness probe may hold one more: far below what the pool would allow.
POOL_BOUND = WORKERS * (SERVICE_THREADS + 1)
DOC = ROOT / "docs" / "reliability.md"


# The mix: mostly profile reads, some writes, refreshes and logins, a few registrations.
MIX = {"me": 50, "put": 15, "refresh": 12, "login": 15, "register": 8}


def third(samples, which: int):
    """The samples of the first (0) or last (2) third, the first sample excluded (warm-up)."""
    body = samples[1:] or samples
    size = max(1, len(body) // 3)
    return body[:size] if which == 0 else body[-size:]


def write_doc(table: str, header: str) -> None:
    text = DOC.read_text()
    block = f"<!-- soak:begin -->\n{header}\n\n{table}\n<!-- soak:end -->"
    new, count = re.subn(r"<!-- soak:begin -->.*?<!-- soak:end -->", block, text, flags=re.DOTALL)
    if count != 1:
        raise RuntimeError(f"{DOC} has no <!-- soak:begin --> ... <!-- soak:end --> block")
    DOC.write_text(new)
    log(f"table written to {DOC.relative_to(ROOT)}")


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--fraction", type=float, default=0.7)
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--sample-seconds", type=float, default=None,
                        help="default: a twentieth of the soak, at least 5 s")
    parser.add_argument("--write", action="store_true", help="write the table into docs/reliability.md")
    args = parser.parse_args()
    sample_every = args.sample_seconds or max(5.0, args.minutes * 60 / 20)
    started_at = datetime.now(UTC)

    with (
        FreshDatabase() as database,
        Service(database.url, workers=WORKERS, threads=SERVICE_THREADS) as service,
    ):
        service.migrate()
        service.start()
        users = register_and_login(service.port, THREADS, "soak")
        step = mixed_traffic(users, MIX, "soak")

        # 1. Capacity
        log(f"measuring capacity for {args.capacity_seconds:g} s")
        with Load(service.port, THREADS, step) as load:
            time.sleep(args.capacity_seconds)
        capacity_records = load.snapshot()
        span = max(r.end for r in capacity_records) - min(r.start for r in capacity_records)
        capacity = len(capacity_records) / span
        target = capacity * args.fraction
        report.figure("capacity (closed loop, 8 threads)", f"{capacity:.1f} req/s "
                      f"({summarize(capacity_records)}; {latency_line(capacity_records)})")
        report.figure("soak target", f"{target:.1f} req/s ({args.fraction:.0%}) for {args.minutes:g} min")
        report.check("capacity run without errors", all(r.status in (200, 201) for r in capacity_records),
                     summarize(capacity_records))

        # 2. Soak
        workers = service.workers()
        samples = []

        def connections() -> int:
            return query(database.url, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                         "AND application_name = 'inventory_auth'", (database.name,))[0][0]

        log(f"soak at {target:.1f} req/s for {args.minutes:g} min, sampling every {sample_every:g} s")
        with Load(service.port, THREADS, step, rate_per_second=target) as load:
            began = time.monotonic()
            last = began
            while time.monotonic() - began < args.minutes * 60:
                time.sleep(min(sample_every, max(0.0, began + args.minutes * 60 - time.monotonic())))
                now = time.monotonic()
                window = [r for r in load.snapshot() if last <= r.end < now]
                seconds = [r.end - r.start for r in window]
                sample = {
                    "t": now - began,
                    "rate": len(window) / (now - last),
                    "errors": sum(1 for r in window if r.status not in (200, 201)),
                    "p50": statistics.median(seconds) if seconds else float("nan"),
                    "p99": percentile(seconds, 0.99),
                    "rss": [rss_kib(pid) / 1024 for pid in workers],
                    "connections": connections(),
                }
                samples.append(sample)
                last = now
                log(f"t={sample['t']:.0f}s {sample['rate']:.1f} req/s errors={sample['errors']} "
                    f"p50={sample['p50'] * 1000:.0f}ms p99={sample['p99'] * 1000:.0f}ms "
                    f"rss={[round(m, 1) for m in sample['rss']]} MiB pg={sample['connections']}")
        records = [r for r in load.snapshot() if r.start >= began]
        workers_after = service.workers()

    rss_columns = " | ".join(f"worker {n + 1} RSS (MiB)" for n in range(len(workers)))
    rows = [f"| t (s) | req/s | errors | p50 | p99 | {rss_columns} | PG connections |",
            "|---|---|---|---|---|" + "---|" * len(workers) + "---|"]
    for s in samples:
        rows.append(f"| {s['t']:.0f} | {s['rate']:.1f} | {s['errors']} | {s['p50'] * 1000:.0f} ms | "
                    f"{s['p99'] * 1000:.0f} ms | " + " | ".join(f"{m:.1f}" for m in s["rss"])
                    + f" | {s['connections']} |")
    table = "\n".join(rows)
    print()
    print(table)

    achieved = len(records) / (args.minutes * 60)
    errors = [r for r in records if r.status not in (200, 201)]
    report.figure("soak", f"{len(records)} requests, {achieved:.1f} req/s achieved; {summarize(records)}")
    report.figure("soak latency", latency_line(records))
    by_op = {}
    for r in records:
        by_op.setdefault(r.op, []).append(r)
    report.figure("mix", ", ".join(
        f"{op} {len(rs)} (median {statistics.median(r.end - r.start for r in rs) * 1000:.0f} ms)"
        for op, rs in sorted(by_op.items())))
    report.check("zero errors", not errors,
                 f"{summarize(errors)} {[(r.op, r.status, r.error or r.detail) for r in errors[:3]]}")
    report.check("achieved at least 90% of the target rate", achieved >= 0.9 * target,
                 f"{achieved:.1f} of {target:.1f} req/s")
    report.check("same worker processes throughout", workers == workers_after, f"{workers} → {workers_after}")
    for n in range(len(workers)):
        early = statistics.median(s["rss"][n] for s in third(samples, 0))
        late = statistics.median(s["rss"][n] for s in third(samples, 2))
        report.check(f"worker {n + 1} memory does not grow", late <= early * 1.10,
                     f"{early:.1f} MiB → {late:.1f} MiB ({(late / early - 1) * 100:+.1f}%)")
    counts = [s["connections"] for s in samples]
    early_max = max(s["connections"] for s in third(samples, 0))
    late_max = max(s["connections"] for s in third(samples, 2))
    report.check("PostgreSQL connections within the pool bound", max(counts) <= POOL_BOUND,
                 f"max {max(counts)} (bound {POOL_BOUND})")
    report.check("PostgreSQL connections do not grow", late_max <= early_max,
                 f"first third max {early_max}, last third max {late_max}")

    if args.write:
        verdict = "PASS" if report.passed else "FAIL"
        header = (f"Run of {started_at:%Y-%m-%d %H:%M} UTC on {machine()}: capacity {capacity:.1f} req/s, "
                  f"target {target:.1f} req/s for {args.minutes:g} min, achieved {achieved:.1f} req/s; "
                  f"{len(records)} requests, {len(errors)} errors; {verdict}.")
        # The doc keeps every fifth sample (and the first and last); the run prints them all.
        body = rows[2:]
        shown = [row for i, row in enumerate(body) if i == 0 or i % 5 == 4 or i == len(body) - 1]
        write_doc("\n".join(rows[:2] + shown), header)


if __name__ == "__main__":
    run_scenario("soak", main)
