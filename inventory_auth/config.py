"""Configuration: every setting comes from the environment (and `.env` when present).

This is the only module that reads the environment. `load_settings()` reads and validates it once
into `Settings`, a frozen object the application keeps in `app.extensions["settings"]` and code
reads by attribute (`settings().LOCKOUT_THRESHOLD`); gunicorn.conf.py reads the same object.
`Settings.flask_config()` derives, in one place, the keys Flask and its extensions read from
`app.config`. One parser per kind of value (`Environment`), each with one rule and a range, so a
bad value of any setting stops the service with one line naming it.

A dataclass rather than pydantic-settings: the parsing rules are few and ours, and the service
needs no further runtime dependency for them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote, urlsplit

from dotenv import load_dotenv
from flask import current_app
from limits import parse_many

from .roles import ROLES
from .signing import material

MIN_SECRET_KEY_BYTES = 32
# An ACCESS_TOKEN_EXPIRE this small was probably meant as days, as the previous backend read it.
DAYS_LOOKALIKE_MAX = 31
SECRET_KEY_FILE = "secret_key"
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
RESET_PAGE = "/restablecer-contrasena"
ACTIVATION_PAGE = "/activar-cuenta"
PAGE_PATHS = (RESET_PAGE, ACTIVATION_PAGE)  # served by inventory_auth/web/pages
DEVELOPMENT_PORT = 8001
DEVELOPMENT_SENDER = "Inventario SENA <no-reply@localhost>"
# Threads per gunicorn worker, and how many of them run a request at once: measured
# (gunicorn.conf.py says why).
DEFAULT_THREADS = 64
DEFAULT_RUNNING_THREADS = 16
# However full the hashing queue, this many of each worker's threads never wait for a password
# hash: they serve readiness, /me and refresh during a surge (security/hash_bulkhead.py).
FREE_THREADS = 8
# The bcrypt cost of the previous backend, and of hashes made for a way back to it.
BCRYPT_ROUNDS = 12


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


class Environment:
    """The environment, read one kind of value at a time. Unset and blank mean the default; any
    other value is parsed by one rule and range-checked, or refused with a line naming the
    setting."""

    def __init__(self, environ):
        self.environ = environ

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def given(self, name: str) -> bool:
        return self.text(name) is not None

    def whole(self, name: str, default: int, low: int, high: int, unit: str = "") -> int:
        """A whole number from `low` to `high`."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ConfigurationError(
                f"{name} must be a whole number from {low} to {high}{unit}, got {raw!r}"
            )
        return value

    def number(self, name: str, default: float, low: float, high: float, *,
               low_included: bool = False) -> float:
        """A number above `low` (or from it, with `low_included`) and at most `high`."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = None
        above_low = value is not None and (value >= low if low_included else value > low)
        if not above_low or not value <= high:
            lower = f"from {low}" if low_included else f"more than {low}"
            raise ConfigurationError(f"{name} must be a number {lower} and at most {high}, got {raw!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        """true, 1, yes, on or false, 0, no, off (any case); nothing else."""
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        raise ConfigurationError(
            f"{name} must be true, 1, yes, on or false, 0, no, off, got {raw!r}"
        )

    def choice(self, name: str, default: str, options: tuple[str, ...], *, upper: bool = False) -> str:
        raw = self.text(name, default)
        value = raw.upper() if upper else raw.lower()
        if value not in options:
            raise ConfigurationError(f"{name} must be one of {', '.join(options)}, got {raw!r}")
        return value

    def limit(self, name: str, default: str) -> str:
        """Rate limits in the limits library's syntax, checked by its own parser."""
        value = self.text(name, default)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be limits like '5 per minute;20 per hour', got {value!r}"
            ) from None
        return value

    def items(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A comma-separated list."""
        raw = self.text(name)
        if raw is None:
            return tuple(default)
        return tuple(item.strip() for item in raw.split(",") if item.strip())


def _reader(environ) -> Environment:
    return environ if isinstance(environ, Environment) else Environment(environ)


def normalize_database_url(url: str) -> str:
    """Make hosting platforms' URLs mean PostgreSQL through psycopg2.

    `postgres://` is what Heroku-style platforms write; SQLAlchemy 2.1 maps a bare
    `postgresql://` to psycopg 3, which this project does not install.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def supported_database_url(url: str) -> str:
    """`url`, if it names a database this project drives (PostgreSQL through psycopg2, or SQLite);
    else a ConfigurationError naming the scheme only (the URL may hold a password)."""
    if url.startswith(("postgresql+psycopg2://", "sqlite://")):
        return url
    scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
    raise ConfigurationError(
        f"DATABASE_URL must be a postgresql:// (or postgres://) or sqlite:// URL, got {scheme!r}"
    )


def database_url(env: Environment, instance_path: str) -> str:
    url = env.text("DATABASE_URL")
    if url:
        return supported_database_url(normalize_database_url(url))
    host = env.text("DATABASE_HOST")
    name = env.text("DATABASE_NAME")
    if host and name:
        user = quote(env.text("DATABASE_USER", "postgres"), safe="")
        password = env.text("DATABASE_PASSWORD")
        credentials = f"{user}:{quote(password, safe='')}" if password else user
        port = env.whole("DATABASE_PORT", 5432, 1, 65535)
        return f"postgresql+psycopg2://{credentials}@{host}:{port}/{quote(name, safe='')}"
    return "sqlite:///" + str(Path(instance_path) / "inventory_auth.sqlite3")


def database_settings(env: Environment) -> str:
    """The settings that chose the database, for messages that ask an operator to check them."""
    if env.given("DATABASE_URL"):
        return "DATABASE_URL"
    if env.given("DATABASE_HOST") and env.given("DATABASE_NAME"):
        return "DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USER, DATABASE_PASSWORD"
    return "DATABASE_URL: unset, so the SQLite file in instance/"


def engine_options(url: str, env: Environment) -> dict:
    if url.startswith("sqlite"):
        return {}
    return {
        # No `SELECT 1` before every checkout (a round trip per request): a connection the server
        # dropped fails its request with 503 and SQLAlchemy then replaces the whole pool.
        "pool_pre_ping": env.flag("DATABASE_POOL_PRE_PING", False),
        # Per worker, 16 kept connections and 4 overflow: one kept per request running at once
        # (GUNICORN_RUNNING_THREADS, 16), so a running request does not wait for one. A thread
        # holds at most one at a time, and only while it uses the database (the token check gives
        # its own back before the view runs; a login queued for a hash holds none). The overflow
        # covers requests back from a wait past the 16 (server/request_threads.py); beyond 20 a
        # thread waits up to DATABASE_POOL_TIMEOUT.
        # PostgreSQL's connection limit is shared by every worker: WEB_CONCURRENCY x 20 in all.
        "pool_size": env.whole("DATABASE_POOL_SIZE", 16, 1, 1000),
        "max_overflow": env.whole("DATABASE_MAX_OVERFLOW", 4, 0, 1000),
        "pool_timeout": env.whole("DATABASE_POOL_TIMEOUT", 2, 1, 300, " seconds"),
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": env.whole("DATABASE_CONNECT_TIMEOUT", 2, 1, 300, " seconds"),
            "application_name": "inventory_auth",
        },
    }


def _write_private_file(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only; leave it alone if another process made it first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _development_secret_key(instance_path: str) -> str:
    """A random key kept in `instance/`, so development tokens survive restarts."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if not path.exists():
        _write_private_file(path, (secrets.token_urlsafe(48) + "\n").encode())
    return path.read_text().strip()


def secret_key(env: Environment, env_name: str, instance_path: str) -> str:
    key = env.text("SECRET_KEY")
    if env_name == "production":
        if key is None or len(key.encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigurationError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_BYTES} bytes in production "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return key
    return key or _development_secret_key(instance_path)


def token_settings(env: Environment, env_name: str, instance_path: str, warnings: list) -> dict:
    """How tokens are signed and how long they and the sessions behind them live."""
    algorithm = env.text("ALGORITHM", "HS256")
    known = material.SYMMETRIC_ALGORITHMS + material.ASYMMETRIC_ALGORITHMS
    if algorithm not in known:
        raise ConfigurationError(f"ALGORITHM must be one of {', '.join(known)}, got {algorithm!r}")
    access_minutes = env.whole("ACCESS_TOKEN_EXPIRE", 30, 1, 43200, " minutes")
    if env.given("ACCESS_TOKEN_EXPIRE") and access_minutes <= DAYS_LOOKALIKE_MAX:
        warnings.append(
            f"ACCESS_TOKEN_EXPIRE={access_minutes} is read as minutes (the previous backend read it "
            "as days): access tokens live "
            f"{access_minutes} minute(s); see docs/migrating.md, 'Tokens and their lifetime'"
        )
    return {
        "JWT_ALGORITHM": algorithm,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=access_minutes),
        "JWT_DECODE_LEEWAY": env.whole("JWT_LEEWAY_SECONDS", 0, 0, 300, " seconds"),
        # Sessions: refresh tokens rotate; a retried refresh within the grace window gets the
        # same answer again instead of ending the session.
        "REFRESH_TOKEN_EXPIRES": timedelta(days=env.whole("REFRESH_TOKEN_EXPIRE_DAYS", 30, 1, 365, " days")),
        "SESSION_MAX_AGE": timedelta(days=env.whole("SESSION_MAX_DAYS", 90, 1, 3650, " days")),
        "REFRESH_REUSE_GRACE": timedelta(
            seconds=env.whole("REFRESH_REUSE_GRACE_SECONDS", 30, 0, 300, " seconds")
        ),
        # Live sessions one user may hold; a login beyond it ends the user's oldest.
        "SESSION_MAX_PER_USER": env.whole("SESSION_MAX_PER_USER", 10, 1, 1000),
        **signing_settings(env, env_name, instance_path, algorithm),
    }


DEVELOPMENT_KEY_FILE = "jwt_private_key_{algorithm}.pem"


def _development_private_key(instance_path: str, algorithm: str) -> Path:
    """A key pair made once in `instance/`, so development tokens survive restarts."""
    path = Path(instance_path) / DEVELOPMENT_KEY_FILE.format(algorithm=algorithm.lower())
    if not path.exists():
        _write_private_file(path, material.private_pem(material.generate(algorithm)))
    return path


def signing_settings(env: Environment, env_name: str, instance_path: str, algorithm: str) -> dict:
    """The keys of the asymmetric algorithms (signing/): the first private key, from
    JWT_PRIVATE_KEY_FILE (made in `instance/` outside production), and how long other services and
    this service's workers may keep a copy of the published keys."""
    settings = {
        "JWT_PRIVATE_KEY_FILE": None,
        "JWT_FILE_PRIVATE_KEY": None,
        "JWKS_MAX_AGE_SECONDS": env.whole("JWKS_MAX_AGE_SECONDS", 300, 0, 86400, " seconds"),
        "SIGNING_KEYS_REFRESH_SECONDS": env.whole("SIGNING_KEYS_REFRESH_SECONDS", 30, 1, 3600, " seconds"),
    }
    raw = env.text("JWT_PRIVATE_KEY_FILE")
    if algorithm in material.SYMMETRIC_ALGORITHMS:
        if raw is not None:
            raise ConfigurationError(
                f"JWT_PRIVATE_KEY_FILE is set but ALGORITHM={algorithm} signs with SECRET_KEY; "
                "set ALGORITHM to EdDSA, ES256 or RS256, or unset JWT_PRIVATE_KEY_FILE"
            )
        return settings
    if env.given("LEGACY_TOKENS_UNTIL"):
        raise ConfigurationError(
            f"LEGACY_TOKENS_UNTIL needs ALGORITHM=HS256: the previous backend's tokens are HS256 "
            f"with SECRET_KEY, which ALGORITHM={algorithm} does not accept; unset one of them"
        )
    if raw is None:
        if env_name == "production":
            raise ConfigurationError(
                f"JWT_PRIVATE_KEY_FILE must name the PEM private key ALGORITHM={algorithm} signs "
                f"with (make one with: python -m inventory_auth.signing {algorithm} PATH)"
            )
        path = _development_private_key(instance_path, algorithm)
    else:
        path = Path(raw)
    try:
        key = material.read_pem_file(path, algorithm)
    except ValueError as error:
        raise ConfigurationError(f"JWT_PRIVATE_KEY_FILE {str(path)!r} {error}") from None
    settings.update({"JWT_PRIVATE_KEY_FILE": str(path), "JWT_FILE_PRIVATE_KEY": key})
    return settings


def password_hash_method(env: Environment) -> str:
    """A Werkzeug method (`pbkdf2[:hash[:iterations]]`, `scrypt[:n:r:p]`), or `bcrypt`: hashes
    the previous backend can read, for a way back (docs/migrating.md)."""
    method = env.text("PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000")
    name, *params = method.split(":")
    valid = {
        "bcrypt": not params,
        "scrypt": len(params) in (0, 3) and all(p.isdigit() and int(p) > 0 for p in params),
        "pbkdf2": len(params) <= 2
        and (not params or params[0] in hashlib.algorithms_available)
        and (len(params) < 2 or params[1].isdigit() and int(params[1]) > 0),
    }
    if not valid.get(name, False):
        raise ConfigurationError(
            "PASSWORD_HASH_METHOD must be pbkdf2[:hash[:iterations]], scrypt[:n:r:p] or bcrypt, "
            f"got {method!r}"
        )
    return method


def account_settings(env: Environment) -> dict:
    """Who may register, how passwords are hashed and judged, and the lockout of an account."""
    self_roles = env.items("SELF_REGISTRATION_ROLES", ("student",))
    unknown = sorted(set(self_roles) - set(ROLES))
    if unknown:
        raise ConfigurationError(f"SELF_REGISTRATION_ROLES names unknown roles: {unknown}")
    legacy_rounds = env.whole("LEGACY_BCRYPT_ROUNDS", BCRYPT_ROUNDS, 0, 31)
    if legacy_rounds != 0 and legacy_rounds < 4:
        raise ConfigurationError(f"LEGACY_BCRYPT_ROUNDS must be 0 or 4 to 31, got {legacy_rounds}")
    base = env.whole("LOCKOUT_BASE_SECONDS", 30, 1, 86400, " seconds")
    return {
        "SELF_REGISTRATION_ROLES": self_roles,
        "PASSWORD_HASH_METHOD": password_hash_method(env),
        "PASSWORD_MIN_SCORE": env.whole("PASSWORD_MIN_SCORE", 2, 0, 4),
        # The cost of the previous backend's bcrypt hashes, which every failed check also spends
        # so that those accounts cannot be told apart (0: none of them is left).
        "LEGACY_BCRYPT_ROUNDS": legacy_rounds,
        # Login under attack: per-account lockout (Keycloak's model).
        "LOCKOUT_THRESHOLD": env.whole("LOCKOUT_THRESHOLD", 5, 1, 1_000_000),
        "LOCKOUT_BASE_SECONDS": base,
        "LOCKOUT_MAX_SECONDS": env.whole("LOCKOUT_MAX_SECONDS", 15 * 60, base, 7 * 86400, " seconds"),
        "LOCKOUT_RESET_SECONDS": env.whole("LOCKOUT_RESET_SECONDS", 60 * 60, 1, 30 * 86400, " seconds"),
    }


def rate_limit_settings(env: Environment) -> dict:
    """Per-address limits for floods (the limits library's syntax), generous enough for a
    classroom of 40 behind one NAT address logging in at the start of class."""
    return {
        "RATELIMIT_ENABLED": env.flag("RATE_LIMITS_ENABLED", True),
        "LOGIN_RATE_LIMIT": env.limit("LOGIN_RATE_LIMIT", "100 per minute;1000 per hour"),
        "REGISTER_RATE_LIMIT": env.limit("REGISTER_RATE_LIMIT", "60 per minute;300 per hour"),
        "REFRESH_RATE_LIMIT": env.limit("REFRESH_RATE_LIMIT", "120 per minute"),
        "CHANGE_PASSWORD_RATE_LIMIT": env.limit("CHANGE_PASSWORD_RATE_LIMIT", "60 per minute;300 per hour"),
        # Failed password, policy and token checks per address (security/failure_budget.py).
        "FAILURE_RATE_LIMIT": env.limit("FAILURE_RATE_LIMIT", "20 per minute;100 per hour"),
        "PASSWORD_RESET_CONFIRM_RATE_LIMIT": env.limit(
            "PASSWORD_RESET_CONFIRM_RATE_LIMIT", "30 per minute;200 per hour"
        ),
        "PASSWORD_RESET_RATE_LIMIT": env.limit("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "PASSWORD_RESET_ACCOUNT_LIMIT": env.limit("PASSWORD_RESET_ACCOUNT_LIMIT", "3 per hour"),
    }


def transition_settings(environ, warnings: list, now: datetime | None = None) -> dict:
    """Settings for the days around a move from, or back to, the previous backend
    (docs/migrating.md): its tokens, and hashes it can read."""
    env = _reader(environ)
    rounds = env.whole("PASSWORD_BCRYPT_ROUNDS", BCRYPT_ROUNDS, 4, 31)
    days = env.whole("LEGACY_TOKEN_DAYS", 30, 1, 365, " days")
    until = None
    raw = env.text("LEGACY_TOKENS_UNTIL")
    if raw is not None:
        try:
            until = datetime.fromisoformat(raw)
        except ValueError:
            until = None
        if until is None or until.tzinfo is None:
            raise ConfigurationError(
                "LEGACY_TOKENS_UNTIL must be an ISO 8601 date and time with its offset, in UTC "
                f"(e.g. 2026-12-31T23:59:59Z), got {raw!r}"
            )
        until = until.astimezone(UTC)
        now = now or datetime.now(UTC)
        latest = now + timedelta(days=days + 1)
        if until > latest:
            raise ConfigurationError(
                f"LEGACY_TOKENS_UNTIL is more than {days + 1} days away ({until.isoformat()}): "
                f"the previous backend's tokens live {days} days at most (LEGACY_TOKEN_DAYS); "
                f"set it to {latest.replace(microsecond=0).isoformat()} or earlier"
            )
        if until <= now:
            warnings.append(f"LEGACY_TOKENS_UNTIL={raw} is past: tokens of the previous backend "
                            "are refused")
        else:
            warnings.append(f"tokens of the previous backend are accepted until {until.isoformat()} "
                            "(LEGACY_TOKENS_UNTIL); see docs/migrating.md")
    return {
        # Bcrypt hashes are made from the password as typed, at this cost (PASSWORD_HASH_METHOD
        # bcrypt, the way back: docs/migrating.md).
        "PASSWORD_BCRYPT_ROUNDS": rounds,
        # Until then the previous backend's access tokens are accepted (sessions/legacy_tokens.py).
        "LEGACY_TOKENS_UNTIL": until,
        "LEGACY_TOKEN_LIFETIME": timedelta(days=days),
    }


def import_settings(env: Environment) -> dict:
    """Bounds of a roster import (enrolment/): rows, the request body of that route alone, and
    what an .xlsx may unpack to."""
    return {
        "IMPORT_MAX_ROWS": env.whole("IMPORT_MAX_ROWS", 5000, 1, 100_000),
        "IMPORT_MAX_BYTES": env.whole("IMPORT_MAX_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024, " bytes"),
        "IMPORT_MAX_UNZIPPED_BYTES": env.whole(
            "IMPORT_MAX_UNZIPPED_BYTES", 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024, " bytes"
        ),
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def server_settings(env: Environment) -> dict:
    """What gunicorn.conf.py reads: where to listen, processes, threads, timeouts, logs. The
    hashing bulkhead (security/hash_bulkhead.py) is sized from the same thread count."""
    threads = env.whole("GUNICORN_THREADS", DEFAULT_THREADS, 1, 1024)
    port = env.whole("PORT", env.whole("APP_PORT", DEVELOPMENT_PORT, 0, 65535), 0, 65535)
    reuse_port = env.text("GUNICORN_REUSE_PORT", "auto").lower()
    if reuse_port != "auto":
        reuse_port = env.flag("GUNICORN_REUSE_PORT", False)
    free = max(1, threads - FREE_THREADS)
    running = env.whole("PASSWORD_HASH_CONCURRENCY", min(_cores(), free), 0, 1024)
    return {
        "BIND_HOST": env.text("BIND_HOST", "127.0.0.1"),
        "PORT": port,
        "WEB_CONCURRENCY": env.whole("WEB_CONCURRENCY", os.cpu_count() or 1, 1, 1024),
        "GUNICORN_THREADS": threads,
        "GUNICORN_RUNNING_THREADS": env.whole(
            "GUNICORN_RUNNING_THREADS", min(DEFAULT_RUNNING_THREADS, threads), 1, threads
        ),
        # "auto" (a socket per worker only where the kernel hands on queued connections), or a flag.
        "GUNICORN_REUSE_PORT": reuse_port,
        "GUNICORN_TIMEOUT": env.whole("GUNICORN_TIMEOUT", 30, 0, 3600, " seconds"),
        "GUNICORN_GRACEFUL_TIMEOUT": env.whole("GUNICORN_GRACEFUL_TIMEOUT", 30, 0, 3600, " seconds"),
        "GUNICORN_ACCESS_LOG": env.text("GUNICORN_ACCESS_LOG"),
        "GUNICORN_CONTROL_SOCKET": env.text("GUNICORN_CONTROL_SOCKET"),
        "PASSWORD_HASH_CONCURRENCY": running,
        "PASSWORD_HASH_QUEUE": env.whole(
            "PASSWORD_HASH_QUEUE", max(0, free - running), 0, 4096
        ),
        "PASSWORD_HASH_WAIT_SECONDS": env.number("PASSWORD_HASH_WAIT_SECONDS", 10.0, 0, 300),
    }


def http_settings(env: Environment, env_name: str) -> dict:
    """What sits between the network and the views: proxies, CORS, logging, health checks."""
    origins = env.items("CORS_ORIGINS", ("*",) if env_name == "development" else ())
    if "*" in origins and len(origins) > 1:
        raise ConfigurationError("CORS_ORIGINS is either * alone or a list of origins, not both")
    return {
        "TRUSTED_PROXIES": env.whole("TRUSTED_PROXIES", 0, 0, 10),
        "CORS_ORIGINS": origins,
        "LOG_LEVEL": env.choice("LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        "READINESS_TIMEOUT_SECONDS": env.number("READINESS_TIMEOUT_SECONDS", 1.0, 0, 30),
        "MAX_CONTENT_LENGTH": env.whole("MAX_CONTENT_LENGTH", 64 * 1024, 1024, 16 * 1024 * 1024, " bytes"),
    }


def mail_settings(env: Environment, env_name: str) -> dict:
    """Outgoing mail (password reset links, invitations): the SMTP server, the links, their limits.

    With no MAIL_SERVER nothing is sent: development and testing write the message to the log
    instead, production logs an error at start-up and for every message it cannot send.
    """
    server = env.text("MAIL_SERVER")
    use_tls = env.flag("MAIL_USE_TLS", False)
    use_ssl = env.flag("MAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ConfigurationError(
            "MAIL_USE_TLS (STARTTLS, usually port 587) and MAIL_USE_SSL (TLS from the first byte, "
            "usually port 465) exclude each other: set one of them"
        )
    port = env.whole("MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25, 1, 65535)
    username = env.text("MAIL_USERNAME")
    password = env.text("MAIL_PASSWORD")
    if (username is None) != (password is None):
        raise ConfigurationError("MAIL_USERNAME and MAIL_PASSWORD are set together or not at all")
    production_mail = env_name == "production" and server is not None
    sender = env.text("MAIL_DEFAULT_SENDER")
    if sender is None:
        if production_mail:
            raise ConfigurationError(
                "MAIL_DEFAULT_SENDER must be set when MAIL_SERVER is (e.g. "
                "'Inventario SENA <no-reply@example.edu.co>')"
            )
        sender = DEVELOPMENT_SENDER
    if "@" not in parseaddr(sender)[1]:
        raise ConfigurationError(f"MAIL_DEFAULT_SENDER must be an email address, got {sender!r}")
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": port,
        "MAIL_USERNAME": username,
        "MAIL_PASSWORD": password,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_DEFAULT_SENDER": sender,
        "MAIL_TIMEOUT_SECONDS": env.number("MAIL_TIMEOUT_SECONDS", 10.0, 0, 60),
        "MAIL_OUTBOX_SIZE": env.whole("MAIL_OUTBOX_SIZE", 10_000, 1, 100_000, " messages"),
        # Messages handed to the SMTP server per second, at most (relays enforce quotas).
        "MAIL_SEND_RATE": env.number("MAIL_SEND_RATE", 5.0, 0, 1000),
        "MAIL_SHUTDOWN_SECONDS": env.number("MAIL_SHUTDOWN_SECONDS", 5.0, 0, 60, low_included=True),
        "PASSWORD_RESET_EXPIRE": env.whole("PASSWORD_RESET_EXPIRE", 30, 1, 24 * 60, " minutes"),
        **link_settings(env, env_name, production_mail),
    }


def development_port(env: Environment) -> int:
    """The port a development server listens on: the `--port` given to the `flask run` that is
    loading the app (click's context of that command, in the reloader's child too), else what
    gunicorn binds (`PORT`, then `APP_PORT`), else 8001. Never a request's `Host`."""
    import click

    context = click.get_current_context(silent=True)
    while context is not None:
        if context.info_name == "run" and context.params.get("port"):
            return int(context.params["port"])
        context = context.parent
    return env.whole("PORT", env.whole("APP_PORT", DEVELOPMENT_PORT, 0, 65535), 0, 65535)


def public_url(env: Environment, env_name: str) -> str | None:
    """`PUBLIC_URL`, the address people reach the service at (`https://auth.example`, no trailing
    slash); outside production, when unset, the development server's own address."""
    raw = env.text("PUBLIC_URL")
    if raw is None:
        if env_name == "production":
            return None
        return f"http://127.0.0.1:{development_port(env)}"
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(char in raw for char in "{} ")
    ):
        raise ConfigurationError(
            "PUBLIC_URL must be the service's address as people reach it, http:// or https://, "
            f"with no query or fragment (e.g. https://auth.inventario.example), got {raw!r}"
        )
    return raw.rstrip("/")


def _link_template(name: str, url: str) -> str:
    try:
        with_token = url.format(token="TOKEN")
    except (KeyError, IndexError, ValueError):
        with_token = ""
    if "{token}" not in url or "TOKEN" not in with_token:
        raise ConfigurationError(f"{name} must contain {{token}} and no other {{...}} field, got {url!r}")
    return url


def link_settings(env: Environment, env_name: str, production_mail: bool) -> dict:
    """The links mails carry: built from PUBLIC_URL (`{PUBLIC_URL}/restablecer-contrasena?token=…`,
    `{PUBLIC_URL}/activar-cuenta?token=…`) unless PASSWORD_RESET_URL names another reset page.
    None where production has neither: nothing invents a link there (the mail and `flask users`
    refuse instead), and with MAIL_SERVER set the service refuses to start."""
    base = public_url(env, env_name)
    reset_url = env.text("PASSWORD_RESET_URL")
    if reset_url is not None:
        reset_url = _link_template("PASSWORD_RESET_URL", reset_url)
    elif base is not None:
        reset_url = f"{base}{RESET_PAGE}?token={{token}}"
    elif production_mail:
        raise ConfigurationError(
            "PUBLIC_URL (the service's address as people reach it, e.g. "
            "https://auth.inventario.example) or PASSWORD_RESET_URL must be set when MAIL_SERVER "
            "is: mails carry links built from it"
        )
    hours = env.whole("INVITATION_EXPIRE_HOURS", 168, 1, 720, " hours")
    return {
        "PUBLIC_URL": base,
        "PASSWORD_RESET_URL": reset_url,
        "INVITATION_URL": f"{base}{ACTIVATION_PAGE}?token={{token}}" if base is not None else None,
        "INVITATION_EXPIRE_HOURS": hours,
    }


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, read and validated once (`load_settings`). Field names are the
    `app.config` keys they were known by; README's table maps them to the environment."""

    APP_ENV: str
    SECRET_KEY: str
    # False when development made the key up (instance/secret_key): `flask users` refuses to act
    # with it on a database other than SQLite (cli/target.py).
    SECRET_KEY_FROM_ENVIRONMENT: bool
    SQLALCHEMY_DATABASE_URI: str
    SQLALCHEMY_ENGINE_OPTIONS: dict
    DATABASE_SETTINGS: str
    # The token check's and introspection's reads prepared once per PostgreSQL connection
    # (prepared_reads.py).
    DATABASE_PREPARED_STATEMENTS: bool
    REDIS_URL: str | None
    REDIS_TIMEOUT_SECONDS: float
    # Said once at start-up, after logging is set up (create_app).
    CONFIG_WARNINGS: tuple[str, ...]
    # Tokens and sessions
    JWT_ALGORITHM: str
    JWT_ACCESS_TOKEN_EXPIRES: timedelta
    JWT_DECODE_LEEWAY: int
    REFRESH_TOKEN_EXPIRES: timedelta
    SESSION_MAX_AGE: timedelta
    REFRESH_REUSE_GRACE: timedelta
    SESSION_MAX_PER_USER: int
    JWT_PRIVATE_KEY_FILE: str | None
    JWT_FILE_PRIVATE_KEY: object
    JWKS_MAX_AGE_SECONDS: int
    SIGNING_KEYS_REFRESH_SECONDS: int
    # Accounts, passwords, lockout
    SELF_REGISTRATION_ROLES: tuple[str, ...]
    PASSWORD_HASH_METHOD: str
    PASSWORD_MIN_SCORE: int
    LEGACY_BCRYPT_ROUNDS: int
    LOCKOUT_THRESHOLD: int
    LOCKOUT_BASE_SECONDS: int
    LOCKOUT_MAX_SECONDS: int
    LOCKOUT_RESET_SECONDS: int
    # Rate limits (RATE_LIMITS_ENABLED in the environment)
    RATELIMIT_ENABLED: bool
    LOGIN_RATE_LIMIT: str
    REGISTER_RATE_LIMIT: str
    REFRESH_RATE_LIMIT: str
    CHANGE_PASSWORD_RATE_LIMIT: str
    FAILURE_RATE_LIMIT: str
    PASSWORD_RESET_CONFIRM_RATE_LIMIT: str
    PASSWORD_RESET_RATE_LIMIT: str
    PASSWORD_RESET_ACCOUNT_LIMIT: str
    # The previous backend (docs/migrating.md)
    PASSWORD_BCRYPT_ROUNDS: int
    LEGACY_TOKENS_UNTIL: datetime | None
    LEGACY_TOKEN_LIFETIME: timedelta
    # Roster imports
    IMPORT_MAX_ROWS: int
    IMPORT_MAX_BYTES: int
    IMPORT_MAX_UNZIPPED_BYTES: int
    # The server (gunicorn.conf.py) and the hashing bulkhead sized from its threads
    BIND_HOST: str
    PORT: int
    WEB_CONCURRENCY: int
    GUNICORN_THREADS: int
    GUNICORN_RUNNING_THREADS: int
    GUNICORN_REUSE_PORT: str | bool
    GUNICORN_TIMEOUT: int
    GUNICORN_GRACEFUL_TIMEOUT: int
    GUNICORN_ACCESS_LOG: str | None
    GUNICORN_CONTROL_SOCKET: str | None
    PASSWORD_HASH_CONCURRENCY: int
    PASSWORD_HASH_QUEUE: int
    PASSWORD_HASH_WAIT_SECONDS: float
    # HTTP edge
    TRUSTED_PROXIES: int
    CORS_ORIGINS: tuple[str, ...]
    LOG_LEVEL: str
    READINESS_TIMEOUT_SECONDS: float
    MAX_CONTENT_LENGTH: int
    # Mail and the links it carries
    MAIL_SERVER: str | None
    MAIL_PORT: int
    MAIL_USERNAME: str | None
    MAIL_PASSWORD: str | None
    MAIL_USE_TLS: bool
    MAIL_USE_SSL: bool
    MAIL_DEFAULT_SENDER: str
    MAIL_TIMEOUT_SECONDS: float
    MAIL_OUTBOX_SIZE: int
    MAIL_SEND_RATE: float
    MAIL_SHUTDOWN_SECONDS: float
    PASSWORD_RESET_EXPIRE: int
    PUBLIC_URL: str | None
    PASSWORD_RESET_URL: str | None
    INVITATION_URL: str | None
    INVITATION_EXPIRE_HOURS: int

    def flask_config(self) -> dict:
        """The `app.config` mapping: every setting under its name, plus the keys Flask,
        flask-jwt-extended and Flask-Limiter read, derived here and nowhere else."""
        config = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        config.update({
            "JWT_SECRET_KEY": self.SECRET_KEY,
            "JWT_DECODE_ALGORITHMS": [self.JWT_ALGORITHM],
            "JWT_TOKEN_LOCATION": ["headers"],
            "JWT_ERROR_MESSAGE_KEY": "detail",
            "JWT_COOKIE_CSRF_PROTECT": False,  # tokens travel in headers only
            "MAIL_TIMEOUT": self.MAIL_TIMEOUT_SECONDS,  # the name Flask-Mailman reads
            "RATELIMIT_STORAGE_URI": self.REDIS_URL or "memory://",
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            # No X-RateLimit-* headers on every response; a 429 carries Retry-After (errors.py).
            "RATELIMIT_HEADERS_ENABLED": False,
            "RATELIMIT_KEY_PREFIX": "inventory_auth",
            "RATELIMIT_STORAGE_OPTIONS": {
                "socket_timeout": self.REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": self.REDIS_TIMEOUT_SECONDS,
            },
        })
        return config

    def replace(self, **changes) -> Settings:
        """A copy with some settings changed (tests; the value is taken as given)."""
        return dataclasses.replace(self, **changes)


FIELDS = frozenset(field.name for field in dataclasses.fields(Settings))


def load_settings(instance_path: str, environ=None) -> Settings:
    """Read the environment (the process's and `.env`, unless `environ` is given) into Settings,
    or raise ConfigurationError naming the first bad setting."""
    if environ is None:
        load_dotenv(override=False)
        environ = os.environ
    env = _reader(environ)
    env_name = env.choice("APP_ENV", "production", ("production", "development", "testing"))
    warnings: list[str] = []
    url = database_url(env, instance_path)
    values = {
        "APP_ENV": env_name,
        "SECRET_KEY": secret_key(env, env_name, instance_path),
        "SECRET_KEY_FROM_ENVIRONMENT": env.given("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url, env),
        "DATABASE_SETTINGS": database_settings(env),
        "DATABASE_PREPARED_STATEMENTS": env.flag("DATABASE_PREPARED_STATEMENTS", True),
        "REDIS_URL": env.text("REDIS_URL"),
        "REDIS_TIMEOUT_SECONDS": env.number("REDIS_TIMEOUT_SECONDS", 0.5, 0, 30),
        **token_settings(env, env_name, instance_path, warnings),
        **account_settings(env),
        **rate_limit_settings(env),
        **transition_settings(env, warnings),
        **import_settings(env),
        **server_settings(env),
        **http_settings(env, env_name),
        **mail_settings(env, env_name),
    }
    return Settings(CONFIG_WARNINGS=tuple(warnings), **values)


def load_config(instance_path: str, environ=None) -> dict:
    """The settings as the `app.config` mapping (Settings.flask_config)."""
    return load_settings(instance_path, environ).flask_config()


def settings(app=None) -> Settings:
    """The settings of `app`, else of the current application."""
    return (app if app is not None else current_app).extensions["settings"]
