"""Benchmarks of inventory_auth. The load benchmark: `.venv/bin/python -m bench`; login timing
with and without an existing email: `.venv/bin/python -m bench.login_timing`.

Nothing here is imported by the service or run by the test suite; tests/test_bench_harness.py
checks the harness's pure parsing logic only.
"""
