"""Reference (c): the essential work of GET /api/auth/me, and nothing else.

A plain Flask view, served like the floor under the service's own gunicorn settings
(`gunicorn -c gunicorn.conf.py bench.essential_app:app`, with the service's environment:
`SECRET_KEY`, `DATABASE_URL`). It does only what /me must do: read the bearer header, verify the
HS256 signature and `exp` with PyJWT, run one indexed query for the user and its live session
through a pool of psycopg2 connections in autocommit (as many as the service's pool may hold,
DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW, opened at the worker's first request; a thread that
finds them all taken waits for one, as it waits in the service's pool), and return the 14 profile
fields as JSON. No ORM, no schema library, no hooks, no request log, no security headers.

It answers the service's own tokens and reads the same rows the service's token check reads
(`inventory_auth/sessions/token_check.py`): the user by primary key, its session only if it is
the token's and not revoked, the same refusals (type, `sid`, active, role). So the difference to
/me is the service's stack, not the work.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import uuid
from contextlib import contextmanager

import jwt
import psycopg2
from flask import Flask, Response, request
from sqlalchemy.engine import make_url

FIELDS = (
    "id", "email", "first_name", "last_name", "role", "phone", "program", "ficha",
    "environment_id", "avatar_url", "is_active", "last_login", "created_at", "updated_at",
)
QUERY = (
    "SELECT " + ", ".join(f"u.{name}" for name in FIELDS) + ", s.id "
    "FROM users AS u LEFT OUTER JOIN auth_sessions AS s "
    "ON s.id = %s AND s.user_id = u.id AND s.revoked_at IS NULL "
    "WHERE u.id = %s"
)
SECRET = os.environ["SECRET_KEY"]
_dsn = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql").render_as_string(hide_password=False)
# gunicorn runs more threads (GUNICORN_THREADS, 64) than there are connections; psycopg2's own pool
# would refuse the extra threads with an error (a cheap 500 counted as an answer), so they queue.
_size = int(os.environ.get("DATABASE_POOL_SIZE") or 16) + int(os.environ.get("DATABASE_MAX_OVERFLOW") or 4)
_pool = None
_pool_lock = threading.Lock()

app = Flask(__name__)
UNAUTHORIZED = Response('{"detail":"Token inválido o expirado"}', 401, mimetype="application/json")


def pool() -> queue.Queue:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:  # made in the worker, after the fork
                connections = queue.Queue()
                for _ in range(_size):
                    conn = psycopg2.connect(_dsn)
                    conn.autocommit = True
                    connections.put(conn)
                _pool = connections
    return _pool


@contextmanager
def connection():
    conn = pool().get()
    try:
        yield conn
    finally:
        pool().put(conn)


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@app.get("/essential")
def essential():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return UNAUTHORIZED
    try:
        claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"], options={"require": ["exp"]})
        if claims.get("type") != "access":
            return UNAUTHORIZED
        user_id, session_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return UNAUTHORIZED
    with connection() as conn, conn.cursor() as cursor:
        cursor.execute(QUERY, (str(session_id), str(user_id)))
        row = cursor.fetchone()
    if row is None:
        return Response('{"detail":"Usuario no encontrado"}', 404, mimetype="application/json")
    profile = dict(zip(FIELDS, map(_plain, row[:-1]), strict=True))
    if row[-1] is None or not profile["is_active"] or claims.get("role") != profile["role"]:
        return UNAUTHORIZED
    return Response(json.dumps(profile), 200, mimetype="application/json")
