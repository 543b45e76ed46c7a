"""Fault scenarios: the real service under gunicorn, real servers, load, and a fault.

One script per scenario, each run with one command from the repository root:

    .venv/bin/python -m fault.db_outage
    .venv/bin/python -m fault.redis_outage
    .venv/bin/python -m fault.worker_crash
    .venv/bin/python -m fault.rolling_restart
    .venv/bin/python -m fault.soak [--minutes 10]
    .venv/bin/python -m fault.slow_clients [--connections 32]

Each prints its measured figures and PASS or FAIL, and exits non-zero on failure. They need
minutes and real servers, so CI does not run them (they live outside `tests/`,
next to `bench/`). `harness.py` holds what they share; docs/reliability.md reports what they
showed.
"""
