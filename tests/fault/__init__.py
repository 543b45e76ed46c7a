"""Fault scenarios: the real service under gunicorn, real servers, load, and a fault.

One script per scenario, each run with one command from the repository root:

    .venv/bin/python -m tests.fault.db_outage
    .venv/bin/python -m tests.fault.redis_outage
    .venv/bin/python -m tests.fault.worker_crash
    .venv/bin/python -m tests.fault.rolling_restart
    .venv/bin/python -m tests.fault.soak [--minutes 10]

Each prints its measured figures and PASS or FAIL, and exits non-zero on failure. They need
minutes and real servers, so CI does not run them (pytest does not collect them: no `test_`
prefix). `harness.py` holds what they share; docs/reliability.md reports what they showed.
"""
