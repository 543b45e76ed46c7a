"""Instructions per GET /me (or per request of the essential work), counted by callgrind.

    .venv/bin/python -m bench.instructions [--system me|essential] [--log-level INFO]

Counts, unlike timings, repeat on a busy machine: this is how the changes to /me were decided
(docs/benchmarks.md). The application runs in-process (WSGI, no server) on a fresh database of
the local PostgreSQL (`bench/database.py`), warmed up, then valgrind collects only inside two
`exec()` blocks of `--first` and `--second` requests; per request is the difference of the two
totals over the difference of the counts, so start-up and warm-up cancel out. `--log-level
INFO` (production's) writes the JSON access line of each request, to /dev/null. Needs valgrind.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import secrets
import subprocess
import sys
import tempfile

from werkzeug.test import EnvironBuilder

from . import database, inprocess


def dumps(prefix: str) -> set[str]:
    return {path for path in glob.glob(prefix + ".*") if re.search(r"\.\d+\.\d+$", path)}


def measure(system: str, first: int, second: int, warmup: int, log_level: str, prefix: str) -> None:
    """Run inside valgrind: serve the requests, the two counted blocks inside `exec()`, and name
    their two dumps in `{prefix}.blocks` (the libraries run exec() too: Alembic's env.py, say)."""
    name = f"inventory_auth_instructions_{os.getpid()}"
    url = database.recreate(name)
    secret = secrets.token_urlsafe(48)
    try:
        app = inprocess.build_app(url, SECRET_KEY=secret, LOG_LEVEL=log_level)
        token = inprocess.signed_in_token(app)
        if system == "essential":
            os.environ.update(SECRET_KEY=secret, DATABASE_URL=url)
            from . import essential_app

            wsgi, path = essential_app.app.wsgi_app, "/essential"
        else:
            wsgi, path = app.wsgi_app, "/api/auth/me"
        environ = EnvironBuilder(path=path, headers={"Authorization": f"Bearer {token}"}).get_environ()

        def call():
            statuses = []
            body = wsgi(dict(environ), lambda status, headers, exc_info=None: statuses.append(status))
            b"".join(body)
            body.close()
            if not statuses[0].startswith("200"):
                raise RuntimeError(statuses[0])

        for _ in range(warmup):
            call()
        before = dumps(prefix)
        for count in (first, second):
            exec(f"for _ in range({count}): call()", {"call": call})  # noqa: S102  (the counted block)
        ours = sorted(dumps(prefix) - before, key=lambda path: int(path.rsplit(".", 1)[1]))
        with open(prefix + ".blocks", "w") as blocks:
            blocks.write("\n".join(ours))
        with app.app_context():
            from inventory_auth.extensions import db

            db.engine.dispose()
    finally:
        database.drop(name)


def counted_blocks(prefix: str) -> tuple[int, int]:
    """The instructions of the two counted blocks, from the dumps the measurement named."""
    with open(prefix + ".blocks") as blocks:
        paths = blocks.read().split()
    found = []
    for path in paths:
        with open(path) as dump:
            found += [int(line.split()[1]) for line in dump if line.startswith(("totals:", "summary:"))][:1]
    first, second = found
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", choices=("me", "essential"), default="me")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--second", type=int, default=250)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the dumps' prefix, inside valgrind
    options = parser.parse_args()
    if options.inside:
        return measure(
            options.system, options.first, options.second, options.warmup, options.log_level, options.inside
        )
    with tempfile.TemporaryDirectory() as folder:
        prefix = os.path.join(folder, "callgrind")
        command = [
            "valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=builtin_exec",
            "--dump-after=builtin_exec", f"--callgrind-out-file={prefix}.%p",
            # `-c`, not `-m`: runpy would run the whole module inside an exec() of its own.
            sys.executable, "-c", "from bench.instructions import main; main()", "--inside", prefix,
            "--system", options.system,
            "--log-level", options.log_level, "--first", str(options.first),
            "--second", str(options.second), "--warmup", str(options.warmup),
        ]
        environ = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first, second = counted_blocks(prefix)
    per_request = (second - first) / (options.second - options.first)
    print(f"{options.system}: {per_request / 1000:,.0f}k instructions per request "
          f"(log level {options.log_level})")


if __name__ == "__main__":
    main()
