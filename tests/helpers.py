"""What tests share besides fixtures: constants, request bodies, and a client-side account helper.

Fixtures live in conftest.py; test modules import these names from here, never from each other.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import jwt
import sqlalchemy as sa

from inventory_auth.config import normalize_database_url
from inventory_auth.extensions import db
from inventory_auth.models import AuditLog, User

# The default is written the same in README.md and docs/operations.md (tests/test_docs_agree.py).
TEST_POSTGRES_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_SERVER = normalize_database_url(os.environ.get("TEST_POSTGRES_URL", TEST_POSTGRES_URL_DEFAULT))
# Tests that need Redis use TEST_REDIS_URL, or this default when a Redis answers there, and skip
# only when none answers (documented in docs/operations.md, checked by tests/test_docs_agree.py).
TEST_REDIS_URL_DEFAULT = "redis://127.0.0.1:6379/15"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", TEST_REDIS_URL_DEFAULT)
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
# Tests hash a great many passwords; a cheap method keeps them fast. The production default is
# tested on its own (tests/test_passwords.py).
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "Correcto caballo 42"

# UserResponse: exactly these keys.
USER_KEYS = {
    "id", "email", "first_name", "last_name", "role", "phone", "program", "ficha",
    "avatar_url", "is_active", "last_login", "created_at", "updated_at", "environment_id",
}


def registration(**overrides) -> dict:
    """A /register body as the app sends it, with `overrides` applied."""
    body = {
        "email": "nuevo@sena.edu.co",
        "password": PASSWORD,
        "first_name": "Nuevo",
        "last_name": "Aprendiz",
        "role": "student",
        "phone": None,
        "program": None,
    }
    body.update(overrides)
    return body


def using_postgres() -> bool:
    return os.environ.get("TEST_DATABASE", "sqlite").lower() in ("postgresql", "postgres", "pg")


def _server_engine():
    return sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")


def create_postgres_database(name: str) -> str:
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def base_environ(database_url: str, **overrides) -> dict:
    environ = {
        "APP_ENV": "testing",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "LEGACY_BCRYPT_ROUNDS": "4",
    }
    environ.update(overrides)
    return environ


def change_settings(app, **changes) -> None:
    """Change some of a built app's settings (they are frozen: the app gets a changed copy)."""
    app.extensions["settings"] = app.extensions["settings"].replace(**changes)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Accounts:
    """Make and sign in users through the HTTP API, as the app does."""

    def __init__(self, client):
        self.client = client
        self.counter = 0

    def register(self, email=None, password=PASSWORD, **fields):
        self.counter += 1
        body = {
            "email": email or f"aprendiz{self.counter}@sena.edu.co",
            "password": password,
            "first_name": "Aprendiz",
            "last_name": f"Número {self.counter}",
            "role": "student",
            "phone": None,
            "program": None,
        }
        body.update(fields)
        response = self.client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def login(self, email, password=PASSWORD):
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def token(self, email=None, password=PASSWORD, **fields):
        """Register a fresh user and return (user, access token)."""
        user = self.register(email=email, password=password, **fields)
        return user, self.login(user["email"], password)["access_token"]


def legacy_token(user_id, role, *, secret=TEST_SECRET, issued=None, days=30, **claims) -> str:
    """An access token exactly as the previous backend minted it: HS256, the claims `sub`,
    `role` and `exp` only (`exp` 30 days after issue, in whole seconds), no session."""
    issued = issued or datetime.now(UTC)
    body = {"sub": str(user_id), "role": role, "exp": issued + timedelta(days=days), **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def in_days(days: float) -> str:
    """An ISO 8601 UTC instant `days` from now, as LEGACY_TOKENS_UNTIL takes it."""
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def without_target(text: str) -> str:
    """A command's output without the line every `flask users`/`sessions`/`audit` command starts
    with on stderr (`environment X, database Y`: what it acts on, cli/target.py)."""
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("environment ")]
    return "".join(lines)


def stored_hash(app, email: str) -> str:
    """The password hash stored for `email`, as the database holds it."""
    with app.app_context():
        return db.session.scalar(sa.select(User.password_hash).where(User.email == email))


def set_hash(app, email: str, value: str) -> None:
    """Store `value` as the password hash of `email` (a hash another system wrote)."""
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(password_hash=value))
        db.session.commit()


def audit_rows(app, action=None) -> list:
    """The audit trail's rows, oldest first (only those of `action`, when given)."""
    with app.app_context():
        query = sa.select(AuditLog).order_by(AuditLog.created_at, AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


class Page(HTMLParser):
    """An HTML page as a test reads it: the text, the inputs (their attributes, by name or id),
    the links, the heading, and the text of each element that has an id."""

    VOID = {"input", "meta", "link", "br", "img", "hr"}

    def __init__(self, html: str):
        super().__init__()
        self.html = html
        self.inputs: list[dict] = []
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._chunks: list[str] = []
        self.h1 = ""
        self.feed(html)
        self.text = " ".join(" ".join(self._chunks).split())

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input":
            self.inputs.append(attributes)
        elif tag == "a":
            self.links.append(attributes.get("href", ""))
        elif tag == "form":
            self.forms.append(attributes)
        if tag not in self.VOID:
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.by_id[attributes["id"]] = ""

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        self._chunks.append(data)
        for tag, element_id in self._open:
            if element_id:
                self.by_id[element_id] += data
            if tag == "h1":
                self.h1 += data

    def field(self, name: str) -> dict | None:
        return next((item for item in self.inputs if item.get("name") == name), None)

    def described(self, name: str) -> str:
        """The text of everything the input `name` is described by (aria-describedby)."""
        ids = (self.field(name) or {}).get("aria-describedby", "").split()
        return " ".join(" ".join(self.by_id.get(i, "").split()) for i in ids)
def private_key_file(folder, algorithm: str = "EdDSA", name: str | None = None) -> str:
    """A new PEM private key for `algorithm` in `folder`, as JWT_PRIVATE_KEY_FILE names one."""
    from inventory_auth.signing import material

    path = folder / (name or f"{algorithm.lower()}.pem")
    path.write_bytes(material.private_pem(material.generate(algorithm)))
    return str(path)


def prepared_statements(app) -> list[str]:
    """The statements prepared in the session of `app`'s pooled connection (give the app a pool
    of one), by name."""
    with app.app_context():
        pooled = db.engine.raw_connection()
        try:
            cursor = pooled.dbapi_connection.cursor()
            cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
            names = [name for (name,) in cursor.fetchall()]
            pooled.dbapi_connection.rollback()
            return names
        finally:
            pooled.close()


@contextmanager
def statements_run(app):
    """The SQL statements `app` sends while the block runs, in order."""
    with app.app_context():
        engine = db.engine
    seen = []

    def on_execute(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def redis_answers(url: str = TEST_REDIS_URL) -> bool:
    """Whether a Redis answers at `url` within half a second (tests that need one skip otherwise)."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False
