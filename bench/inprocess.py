"""GET /api/auth/me (or POST /login, /introspect) through the application alone: no HTTP server, no
load generator.

    .venv/bin/python -m bench.inprocess [--requests 5000] [--profile 40] [--redis-url URL]
                                        [--database NAME] [--algorithm EdDSA] [--introspect]
    .venv/bin/python -m bench.inprocess --login [--hash-method pbkdf2:sha256:1000] --requests 400

Builds the application on a fresh PostgreSQL database (`inventory_auth_inprocess` on
`BENCH_POSTGRES_URL`, dropped at the end), registers and signs in one user, then calls the WSGI
application directly with that user's token, one request after another in this thread. It prints
the CPU time and wall time per request: the application's own cost, which the HTTP benchmark
(`python -m bench`) can only show mixed with gunicorn's, wrk's and PostgreSQL's. Use it to weigh a
change to the hot path in a minute; judge the result with the full benchmark. `--profile N` adds
cProfile's N most expensive functions (cumulative), measured on a separate pass. `--redis-url`
runs the application with that `REDIS_URL` (as a deployment with Redis does); `--database` names
the scratch database (`BENCH_INPROCESS_DATABASE`), so that two runs on one server do not collide.

`--env NAME=VALUE` sets a service setting (`--env RATE_LIMITS_ENABLED=true`: Flask-Limiter on, as
shipped; the default here is off). `--introspect` measures POST /api/auth/introspect (a service's
Basic credential, the user's live token as a form body) instead of GET /me, and `--algorithm`
signs with a new private key of that algorithm (EdDSA, ES256, RS256) instead of HS256.

`--login` measures a successful POST /api/auth/login instead, cycling over `--login-users` seeded
accounts (as the HTTP benchmark's login_ok does): the production hash method by default, or
`--hash-method` (a cheap one shows what login costs besides the hash).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import tempfile
import time

from werkzeug.test import EnvironBuilder

from . import database

DATABASE = "inventory_auth_inprocess"
EMAIL = "medicion@sena.edu.co"
PASSWORD = database.PASSWORD


def build_app(url: str, **extra):
    from inventory_auth import create_app

    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",  # no access line (an INFO line): its cost is outside these figures
        **extra,
    }
    database.upgrade({**os.environ, **settings})
    return create_app(environ=settings)


def signed_in_token(app) -> str:
    client = app.test_client()
    registered = client.post(
        "/api/auth/register",
        json={"email": EMAIL, "password": PASSWORD, "first_name": "Medición", "last_name": "Local",
              "role": "student"},
    )
    if registered.status_code != 201:
        raise RuntimeError(f"register answered {registered.status_code}: {registered.get_json()}")
    login = client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    if login.status_code != 200:
        raise RuntimeError(f"login answered {login.status_code}: {login.get_json()}")
    return login.get_json()["access_token"]


def post_json(app, path: str, body: bytes, *, content_type: str = "application/json",
              headers: dict | None = None) -> str:
    """POST `body` to `path` straight through the WSGI app (no test client); the status line."""
    builder = EnvironBuilder(path=path, method="POST", data=body, content_type=content_type,
                             headers=headers)
    environ = builder.get_environ()
    statuses = []
    answer = app.wsgi_app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(answer)
    answer.close()
    return statuses[0]


def caller(app, token: str):
    environ = EnvironBuilder(path="/api/auth/me", headers={"Authorization": f"Bearer {token}"}).get_environ()

    def call() -> None:
        statuses = []
        body = app.wsgi_app(dict(environ), lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"GET /me answered {statuses[0]}")

    return call


def introspect_caller(app, token: str):
    """A call that introspects `token` as a service, with the credential `flask services create`
    would make."""
    import base64
    from urllib.parse import urlencode

    from inventory_auth import service_clients
    from inventory_auth.extensions import db

    with app.app_context():
        _, secret = service_clients.create("medicion")
        db.session.commit()
    headers = {"Authorization": "Basic " + base64.b64encode(f"medicion:{secret}".encode()).decode()}
    body = urlencode({"token": token}).encode()

    def call() -> None:
        status = post_json(app, "/api/auth/introspect", body,
                           content_type="application/x-www-form-urlencoded", headers=headers)
        if not status.startswith("200"):
            raise RuntimeError(f"POST /introspect answered {status}")

    return call


def login_caller(app, users: int):
    """A call that logs in the next of `users` seeded accounts with the right password."""
    import json

    bodies = [
        json.dumps({"email": f"bench-user-{n}@{database.DOMAIN}", "password": PASSWORD}).encode()
        for n in range(1, users + 1)
    ]
    cursor = iter(range(10**12))

    def call() -> None:
        status = post_json(app, "/api/auth/login", bodies[next(cursor) % len(bodies)])
        if not status.startswith("200"):
            raise RuntimeError(f"POST /login answered {status}")

    return call


def measure(call, requests: int) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        call()
    return {
        "requests": requests,
        "cpu_us_per_request": (time.process_time() - cpu) / requests * 1e6,
        "wall_us_per_request": (time.perf_counter() - wall) / requests * 1e6,
    }


def profile(call, requests: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--login", action="store_true", help="measure POST /api/auth/login")
    parser.add_argument("--login-users", type=int, default=200)
    parser.add_argument("--hash-method", default=None, help="PASSWORD_HASH_METHOD (login only)")
    parser.add_argument("--database", default=os.environ.get("BENCH_INPROCESS_DATABASE", DATABASE))
    parser.add_argument("--introspect", action="store_true", help="measure POST /api/auth/introspect")
    parser.add_argument("--algorithm", default="HS256", help="ALGORITHM: HS256, EdDSA, ES256, RS256")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="service setting, repeatable (e.g. RATE_LIMITS_ENABLED=true, as shipped)")
    options = parser.parse_args(argv)

    url = database.recreate(options.database)
    keys = tempfile.TemporaryDirectory()
    try:
        extra = {"REDIS_URL": options.redis_url} if options.redis_url else {}
        extra.update(item.partition("=")[::2] for item in options.env)
        if options.algorithm != "HS256":
            from inventory_auth.signing import material

            key_file = os.path.join(keys.name, "key.pem")
            with open(key_file, "wb") as handle:
                handle.write(material.private_pem(material.generate(options.algorithm)))
            extra.update(ALGORITHM=options.algorithm, JWT_PRIVATE_KEY_FILE=key_file)
        if options.login:
            method = options.hash_method or "pbkdf2:sha256:600000"
            app = build_app(url, PASSWORD_HASH_METHOD=method, **extra)
            database.seed(url, 1, options.login_users, database.password_hash(method))
            call, what = login_caller(app, options.login_users), f"POST /api/auth/login ({method})"
        elif options.introspect:
            app = build_app(url, **extra)
            call = introspect_caller(app, signed_in_token(app))
            what = f"POST /api/auth/introspect ({options.algorithm})"
        else:
            app = build_app(url, **extra)
            call, what = caller(app, signed_in_token(app)), f"GET /api/auth/me ({options.algorithm})"
        for _ in range(options.warmup):
            call()
        result = measure(call, options.requests)
        print(
            f"{what} in-process, {result['requests']} requests: "
            f"{result['cpu_us_per_request']:.0f} us CPU, {result['wall_us_per_request']:.0f} us wall "
            "per request"
        )
        if options.profile:
            print(profile(call, min(options.requests, 2000), options.profile))
        with app.app_context():
            from inventory_auth.extensions import db

            db.engine.dispose()
    finally:
        keys.cleanup()
        database.drop(options.database)


if __name__ == "__main__":
    main()
