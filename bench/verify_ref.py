"""Reference (a): the time of one password verification with the configured method.

Run in its own process (`python -m bench.verify_ref --method M --runs N`), on an idle service, so
that nothing else shares its core. Verification goes through the service's own
`inventory_auth.security.passwords.verify_password`, the function login calls. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from inventory_auth.security.passwords import hash_password, verify_password

from .database import hashing_app

PASSWORD = "Tornillo morado 83 lampara"


def measure(method: str, runs: int) -> dict:
    with hashing_app(method).app_context():
        stored = hash_password(PASSWORD)
        verify_password(PASSWORD, stored)  # warm
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            ok = verify_password(PASSWORD, stored)
            times.append(time.perf_counter() - start)
            if not ok:
                raise RuntimeError("the reference hash did not verify")
    return {
        "method": method,
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "stored_prefix": stored.split("$", 1)[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    print(json.dumps(measure(options.method, options.runs)))


if __name__ == "__main__":
    main()
