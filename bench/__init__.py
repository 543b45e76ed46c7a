"""The load benchmark of inventory_auth (issue 5). Run it with `.venv/bin/python -m bench`.

Nothing here is imported by the service or run by the test suite; tests/test_bench_harness.py
checks the harness's pure parsing logic only.
"""
