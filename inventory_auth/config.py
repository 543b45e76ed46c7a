"""Configuration: every setting comes from the environment (and `.env` when present).

This is the only module that reads the environment. `load_config()` turns it into the mapping the
application factory hands to Flask; tests pass their own overrides on top.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote, urlsplit

from dotenv import load_dotenv
from limits import parse_many

from .roles import ROLES
from .signing import material

MIN_SECRET_KEY_BYTES = 32
# An ACCESS_TOKEN_EXPIRE this small was probably meant as days, as the previous backend read it.
DAYS_LOOKALIKE_MAX = 31
SECRET_KEY_FILE = "secret_key"


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


def _env(environ, name, default=None):
    value = environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _int(environ, name, default):
    raw = _env(environ, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None


def _float(environ, name, default, *, minimum=0.0, maximum=None):
    raw = _env(environ, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value <= minimum or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigurationError(f"{name} must be more than {minimum}{bound}, got {raw!r}")
    return value


def _list(environ, name, default):
    raw = _env(environ, name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


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


def database_url(environ, instance_path: str) -> str:
    url = _env(environ, "DATABASE_URL")
    if url:
        return supported_database_url(normalize_database_url(url))
    host = _env(environ, "DATABASE_HOST")
    name = _env(environ, "DATABASE_NAME")
    if host and name:
        user = quote(_env(environ, "DATABASE_USER", "postgres"), safe="")
        password = _env(environ, "DATABASE_PASSWORD")
        credentials = f"{user}:{quote(password, safe='')}" if password else user
        port = _int(environ, "DATABASE_PORT", 5432)
        return f"postgresql+psycopg2://{credentials}@{host}:{port}/{quote(name, safe='')}"
    return "sqlite:///" + str(Path(instance_path) / "inventory_auth.sqlite3")


def database_settings(environ) -> str:
    """The settings that chose the database, for messages that ask an operator to check them."""
    if _env(environ, "DATABASE_URL"):
        return "DATABASE_URL"
    if _env(environ, "DATABASE_HOST") and _env(environ, "DATABASE_NAME"):
        return "DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USER, DATABASE_PASSWORD"
    return "DATABASE_URL: unset, so the SQLite file in instance/"


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


def secret_key(environ, env_name: str, instance_path: str) -> str:
    key = _env(environ, "SECRET_KEY")
    if env_name == "production":
        if key is None or len(key.encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigurationError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_BYTES} bytes in production "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return key
    return key or _development_secret_key(instance_path)


def load_config(instance_path: str, environ=None) -> dict:
    """Read the environment into Flask configuration keys."""
    if environ is None:
        load_dotenv(override=False)
        environ = os.environ
    env_name = _env(environ, "APP_ENV", "production").lower()
    if env_name not in ("production", "development", "testing"):
        raise ConfigurationError(
            f"APP_ENV must be production, development or testing, got {env_name!r}"
        )
    algorithm = _env(environ, "ALGORITHM", "HS256")
    known = material.SYMMETRIC_ALGORITHMS + material.ASYMMETRIC_ALGORITHMS
    if algorithm not in known:
        raise ConfigurationError(
            f"ALGORITHM must be one of {', '.join(known)}, got {algorithm!r}"
        )
    key = secret_key(environ, env_name, instance_path)
    access_minutes = _int(environ, "ACCESS_TOKEN_EXPIRE", 30)
    if access_minutes < 1:
        raise ConfigurationError(f"ACCESS_TOKEN_EXPIRE must be at least 1 minute, got {access_minutes}")
    warnings = []
    if _env(environ, "ACCESS_TOKEN_EXPIRE") is not None and access_minutes <= DAYS_LOOKALIKE_MAX:
        warnings.append(
            f"ACCESS_TOKEN_EXPIRE={access_minutes} is read as minutes (the previous backend read it "
            "as days): access tokens live "
            f"{access_minutes} minute(s); see docs/migrating.md, 'Token lifetime'"
        )
    self_roles = _list(environ, "SELF_REGISTRATION_ROLES", ["student"])
    unknown = sorted(set(self_roles) - set(ROLES))
    if unknown:
        raise ConfigurationError(f"SELF_REGISTRATION_ROLES names unknown roles: {unknown}")
    url = database_url(environ, instance_path)
    redis_timeout = _float(environ, "REDIS_TIMEOUT_SECONDS", 0.5, maximum=30)
    legacy_rounds = _int(environ, "LEGACY_BCRYPT_ROUNDS", 12)
    if legacy_rounds != 0 and not 4 <= legacy_rounds <= 31:
        raise ConfigurationError(f"LEGACY_BCRYPT_ROUNDS must be 0 or 4 to 31, got {legacy_rounds}")
    session_cap = _int(environ, "SESSION_MAX_PER_USER", 10)
    if session_cap < 1:
        raise ConfigurationError(f"SESSION_MAX_PER_USER must be 1 or more, got {session_cap}")

    return {
        "APP_ENV": env_name,
        "SECRET_KEY": key,
        # False when development made the key up (instance/secret_key): `flask users` refuses to
        # act with it on a database other than SQLite (cli/target.py).
        "SECRET_KEY_FROM_ENVIRONMENT": _env(environ, "SECRET_KEY") is not None,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url, environ),
        "DATABASE_SETTINGS": database_settings(environ),
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_CONTENT_LENGTH", 64 * 1024),
        "REDIS_URL": _env(environ, "REDIS_URL"),
        "REDIS_TIMEOUT_SECONDS": redis_timeout,
        # Tokens (flask-jwt-extended)
        "JWT_SECRET_KEY": key,
        "JWT_ALGORITHM": algorithm,
        "JWT_DECODE_ALGORITHMS": [algorithm],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=access_minutes),
        **signing_settings(environ, env_name, instance_path, algorithm),
        # Said once at start-up, after logging is set up (create_app).
        "CONFIG_WARNINGS": warnings,
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ERROR_MESSAGE_KEY": "detail",
        "JWT_DECODE_LEEWAY": _int(environ, "JWT_LEEWAY_SECONDS", 0),
        "JWT_COOKIE_CSRF_PROTECT": False,  # tokens travel in headers only
        # Sessions: refresh tokens rotate; a retried refresh within the grace window gets the
        # same answer again instead of ending the session.
        "REFRESH_TOKEN_EXPIRES": timedelta(days=_int(environ, "REFRESH_TOKEN_EXPIRE_DAYS", 30)),
        "SESSION_MAX_AGE": timedelta(days=_int(environ, "SESSION_MAX_DAYS", 90)),
        "REFRESH_REUSE_GRACE": timedelta(seconds=_int(environ, "REFRESH_REUSE_GRACE_SECONDS", 30)),
        # Live sessions one user may hold; a login beyond it ends the user's oldest.
        "SESSION_MAX_PER_USER": session_cap,
        # Accounts
        "SELF_REGISTRATION_ROLES": self_roles,
        "PASSWORD_HASH_METHOD": password_hash_method(environ),
        "PASSWORD_MIN_SCORE": _int(environ, "PASSWORD_MIN_SCORE", 2),
        # The cost of the previous backend's bcrypt hashes, which every failed check also spends
        # so that those accounts cannot be told apart (0: none of them is left).
        "LEGACY_BCRYPT_ROUNDS": legacy_rounds,
        # Login under attack: per-account lockout (Keycloak's model)...
        "LOCKOUT_THRESHOLD": _int(environ, "LOCKOUT_THRESHOLD", 5),
        "LOCKOUT_BASE_SECONDS": _int(environ, "LOCKOUT_BASE_SECONDS", 30),
        "LOCKOUT_MAX_SECONDS": _int(environ, "LOCKOUT_MAX_SECONDS", 15 * 60),
        "LOCKOUT_RESET_SECONDS": _int(environ, "LOCKOUT_RESET_SECONDS", 60 * 60),
        # ...and per-address limits for floods (Flask-Limiter syntax), generous enough for a
        # classroom of 40 behind one NAT address logging in at the start of class.
        "RATELIMIT_ENABLED": _env(environ, "RATE_LIMITS_ENABLED", "true").lower() != "false",
        "LOGIN_RATE_LIMIT": _env(environ, "LOGIN_RATE_LIMIT", "100 per minute;1000 per hour"),
        "REGISTER_RATE_LIMIT": _env(environ, "REGISTER_RATE_LIMIT", "60 per minute;300 per hour"),
        "REFRESH_RATE_LIMIT": _env(environ, "REFRESH_RATE_LIMIT", "120 per minute"),
        "CHANGE_PASSWORD_RATE_LIMIT": _limit(
            environ, "CHANGE_PASSWORD_RATE_LIMIT", "60 per minute;300 per hour"
        ),
        # Failed password, policy and token checks per address (security/failure_budget.py).
        "FAILURE_RATE_LIMIT": _limit(environ, "FAILURE_RATE_LIMIT", "20 per minute;100 per hour"),
        "RATELIMIT_STORAGE_URI": _env(environ, "REDIS_URL", "memory://"),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # No X-RateLimit-* headers on every response; a 429 carries Retry-After (errors.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_KEY_PREFIX": "inventory_auth",
        "RATELIMIT_STORAGE_OPTIONS": {
            "socket_timeout": redis_timeout,
            "socket_connect_timeout": redis_timeout,
        },
        # HTTP edge: proxies, CORS, logs, health checks
        **http_settings(environ, env_name),
        **mail_settings(environ, env_name),
        **transition_settings(environ, warnings),
        **hash_bulkhead_settings(environ),
        **import_settings(environ),
    }


DEVELOPMENT_KEY_FILE = "jwt_private_key_{algorithm}.pem"


def _development_private_key(instance_path: str, algorithm: str) -> Path:
    """A key pair made once in `instance/`, so development tokens survive restarts."""
    path = Path(instance_path) / DEVELOPMENT_KEY_FILE.format(algorithm=algorithm.lower())
    if not path.exists():
        _write_private_file(path, material.private_pem(material.generate(algorithm)))
    return path


def signing_settings(environ, env_name: str, instance_path: str, algorithm: str) -> dict:
    """The keys of the asymmetric algorithms (signing/): the first private key, from
    JWT_PRIVATE_KEY_FILE (made in `instance/` outside production), and how long other services and
    this service's workers may keep a copy of the published keys."""
    max_age = _int(environ, "JWKS_MAX_AGE_SECONDS", 300)
    if not 0 <= max_age <= 86400:
        raise ConfigurationError(f"JWKS_MAX_AGE_SECONDS must be 0 to 86400, got {max_age}")
    refresh = _int(environ, "SIGNING_KEYS_REFRESH_SECONDS", 30)
    if not 1 <= refresh <= 3600:
        raise ConfigurationError(f"SIGNING_KEYS_REFRESH_SECONDS must be 1 to 3600, got {refresh}")
    settings = {
        "JWT_PRIVATE_KEY_FILE": None,
        "JWT_FILE_PRIVATE_KEY": None,
        "JWKS_MAX_AGE_SECONDS": max_age,
        "SIGNING_KEYS_REFRESH_SECONDS": refresh,
    }
    raw = _env(environ, "JWT_PRIVATE_KEY_FILE")
    if algorithm in material.SYMMETRIC_ALGORITHMS:
        if raw is not None:
            raise ConfigurationError(
                f"JWT_PRIVATE_KEY_FILE is set but ALGORITHM={algorithm} signs with SECRET_KEY; "
                "set ALGORITHM to EdDSA, ES256 or RS256, or unset JWT_PRIVATE_KEY_FILE"
            )
        return settings
    if _env(environ, "LEGACY_TOKENS_UNTIL") is not None:
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


def password_hash_method(environ) -> str:
    """A Werkzeug method (`pbkdf2[:hash[:iterations]]`, `scrypt[:n:r:p]`), or `bcrypt`: hashes
    the previous backend can read, for a way back (docs/migrating.md)."""
    method = _env(environ, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000")
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


def transition_settings(environ, warnings: list, now: datetime | None = None) -> dict:
    """Settings for the days around a move from, or back to, the previous backend
    (docs/migrating.md): its tokens, and hashes it can read."""
    rounds = _int(environ, "PASSWORD_BCRYPT_ROUNDS", 12)
    if not 4 <= rounds <= 31:
        raise ConfigurationError(f"PASSWORD_BCRYPT_ROUNDS must be 4 to 31, got {rounds}")
    days = _int(environ, "LEGACY_TOKEN_DAYS", 30)
    if not 1 <= days <= 365:
        raise ConfigurationError(f"LEGACY_TOKEN_DAYS must be 1 to 365, got {days}")
    until = None
    raw = _env(environ, "LEGACY_TOKENS_UNTIL")
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


def import_settings(environ) -> dict:
    """Bounds of a roster import (enrolment/): rows, the request body of that route alone, and
    what an .xlsx may unpack to."""
    rows = _int(environ, "IMPORT_MAX_ROWS", 5000)
    if not 1 <= rows <= 100_000:
        raise ConfigurationError(f"IMPORT_MAX_ROWS must be 1 to 100000, got {rows}")
    body = _int(environ, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    if not 1024 <= body <= 100 * 1024 * 1024:
        raise ConfigurationError(f"IMPORT_MAX_BYTES must be 1024 to 104857600 bytes, got {body}")
    unzipped = _int(environ, "IMPORT_MAX_UNZIPPED_BYTES", 20 * 1024 * 1024)
    if not 1024 <= unzipped <= 1024 * 1024 * 1024:
        raise ConfigurationError(
            f"IMPORT_MAX_UNZIPPED_BYTES must be 1024 to 1073741824 bytes, got {unzipped}"
        )
    return {
        "IMPORT_MAX_ROWS": rows,
        "IMPORT_MAX_BYTES": body,
        "IMPORT_MAX_UNZIPPED_BYTES": unzipped,
    }


FREE_THREADS = 8
DEFAULT_THREADS = 64  # gunicorn.conf.py's default for GUNICORN_THREADS


def hash_bulkhead_settings(environ) -> dict:
    """How many password hashes each worker runs at once, and how long and how many it queues
    (security/hash_bulkhead.py)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # However full the queue, FREE_THREADS of each worker's threads never wait for a hash: they
    # serve readiness, /me and refresh during a surge (gunicorn.conf.py reads the same setting).
    threads = _int(environ, "GUNICORN_THREADS", DEFAULT_THREADS)
    free = max(1, threads - FREE_THREADS)
    running = _int(environ, "PASSWORD_HASH_CONCURRENCY", min(cores, free))
    queue = _int(environ, "PASSWORD_HASH_QUEUE", max(0, free - running))
    if running < 0 or queue < 0:
        raise ConfigurationError("PASSWORD_HASH_CONCURRENCY and PASSWORD_HASH_QUEUE must be 0 or more")
    return {
        "PASSWORD_HASH_CONCURRENCY": running,
        "PASSWORD_HASH_QUEUE": queue,
        "PASSWORD_HASH_WAIT_SECONDS": _float(environ, "PASSWORD_HASH_WAIT_SECONDS", 10.0, maximum=300),
    }


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def http_settings(environ, env_name: str) -> dict:
    """What sits between the network and the views: proxies, CORS, logging, health checks."""
    proxies = _int(environ, "TRUSTED_PROXIES", 0)
    if proxies < 0:
        raise ConfigurationError(f"TRUSTED_PROXIES must be 0 or more, got {proxies}")
    origins = _list(environ, "CORS_ORIGINS", ["*"] if env_name == "development" else [])
    if "*" in origins and len(origins) > 1:
        raise ConfigurationError("CORS_ORIGINS is either * alone or a list of origins, not both")
    level = _env(environ, "LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    readiness_timeout = _float(environ, "READINESS_TIMEOUT_SECONDS", 1.0, maximum=30)
    return {
        "TRUSTED_PROXIES": proxies,
        "CORS_ORIGINS": origins,
        "LOG_LEVEL": level,
        "READINESS_TIMEOUT_SECONDS": readiness_timeout,
    }


RESET_PAGE = "/restablecer-contrasena"
ACTIVATION_PAGE = "/activar-cuenta"
PAGE_PATHS = (RESET_PAGE, ACTIVATION_PAGE)  # served by inventory_auth/pages
DEVELOPMENT_PORT = 8001
DEVELOPMENT_SENDER = "Inventario SENA <no-reply@localhost>"


def _bool(environ, name, default: bool) -> bool:
    raw = _env(environ, name)
    if raw is None:
        return default
    value = raw.lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _limit(environ, name, default: str) -> str:
    value = _env(environ, name, default)
    try:
        parse_many(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be limits like '5 per minute;20 per hour', got {value!r}"
        ) from None
    return value


def mail_settings(environ, env_name: str) -> dict:
    """Outgoing mail (password reset links): the SMTP server, the link, and its limits.

    With no MAIL_SERVER nothing is sent: development and testing write the message to the log
    instead, production logs an error at start-up and for every message it cannot send.
    """
    server = _env(environ, "MAIL_SERVER")
    use_tls = _bool(environ, "MAIL_USE_TLS", False)
    use_ssl = _bool(environ, "MAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ConfigurationError(
            "MAIL_USE_TLS (STARTTLS, usually port 587) and MAIL_USE_SSL (TLS from the first byte, "
            "usually port 465) exclude each other: set one of them"
        )
    port = _int(environ, "MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25)
    if not 0 < port < 65536:
        raise ConfigurationError(f"MAIL_PORT must be a TCP port (1-65535), got {port}")
    username = _env(environ, "MAIL_USERNAME")
    password = _env(environ, "MAIL_PASSWORD")
    if (username is None) != (password is None):
        raise ConfigurationError("MAIL_USERNAME and MAIL_PASSWORD are set together or not at all")
    production_mail = env_name == "production" and server is not None
    sender = _env(environ, "MAIL_DEFAULT_SENDER")
    if sender is None:
        if production_mail:
            raise ConfigurationError(
                "MAIL_DEFAULT_SENDER must be set when MAIL_SERVER is (e.g. "
                "'Inventario SENA <no-reply@example.edu.co>')"
            )
        sender = DEVELOPMENT_SENDER
    if "@" not in parseaddr(sender)[1]:
        raise ConfigurationError(f"MAIL_DEFAULT_SENDER must be an email address, got {sender!r}")
    try:
        timeout = float(_env(environ, "MAIL_TIMEOUT_SECONDS", "10"))
    except ValueError:
        raise ConfigurationError("MAIL_TIMEOUT_SECONDS must be a number of seconds") from None
    if not 0 < timeout <= 60:
        raise ConfigurationError("MAIL_TIMEOUT_SECONDS must be more than 0 and at most 60")
    links = link_settings(environ, env_name, production_mail)
    expire = _int(environ, "PASSWORD_RESET_EXPIRE", 30)
    if not 1 <= expire <= 24 * 60:
        raise ConfigurationError("PASSWORD_RESET_EXPIRE must be 1 to 1440 minutes")
    outbox_size = _int(environ, "MAIL_OUTBOX_SIZE", 10_000)
    if not 1 <= outbox_size <= 100_000:
        raise ConfigurationError("MAIL_OUTBOX_SIZE must be 1 to 100000 messages")
    try:
        drain = float(_env(environ, "MAIL_SHUTDOWN_SECONDS", "5"))
    except ValueError:
        raise ConfigurationError("MAIL_SHUTDOWN_SECONDS must be a number of seconds") from None
    if not 0 <= drain <= 60:
        raise ConfigurationError("MAIL_SHUTDOWN_SECONDS must be 0 to 60 seconds")
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": port,
        "MAIL_USERNAME": username,
        "MAIL_PASSWORD": password,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_DEFAULT_SENDER": sender,
        "MAIL_TIMEOUT_SECONDS": timeout,
        "MAIL_TIMEOUT": timeout,  # the same, under the name Flask-Mailman reads
        "MAIL_OUTBOX_SIZE": outbox_size,
        # Messages handed to the SMTP server per second, at most (relays enforce quotas).
        "MAIL_SEND_RATE": _float(environ, "MAIL_SEND_RATE", 5.0, maximum=1000),
        "MAIL_SHUTDOWN_SECONDS": drain,
        **links,
        "PASSWORD_RESET_EXPIRE": expire,
        "PASSWORD_RESET_RATE_LIMIT": _limit(
            environ, "PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"
        ),
        "PASSWORD_RESET_ACCOUNT_LIMIT": _limit(environ, "PASSWORD_RESET_ACCOUNT_LIMIT", "3 per hour"),
        "PASSWORD_RESET_CONFIRM_RATE_LIMIT": _limit(
            environ, "PASSWORD_RESET_CONFIRM_RATE_LIMIT", "30 per minute;200 per hour"
        ),
    }


def development_port(environ) -> int:
    """The port a development server listens on: the `--port` given to the `flask run` that is
    loading the app (click's context of that command, in the reloader's child too), else what
    gunicorn binds (`PORT`, then `APP_PORT`), else 8001. Never a request's `Host`."""
    import click

    context = click.get_current_context(silent=True)
    while context is not None:
        if context.info_name == "run" and context.params.get("port"):
            return int(context.params["port"])
        context = context.parent
    return _int(environ, "PORT", _int(environ, "APP_PORT", DEVELOPMENT_PORT))


def public_url(environ, env_name: str) -> str | None:
    """`PUBLIC_URL`, the address people reach the service at (`https://auth.example`, no trailing
    slash); outside production, when unset, the development server's own address."""
    raw = _env(environ, "PUBLIC_URL")
    if raw is None:
        if env_name == "production":
            return None
        return f"http://127.0.0.1:{development_port(environ)}"
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


def link_settings(environ, env_name: str, production_mail: bool) -> dict:
    """The links mails carry: built from PUBLIC_URL (`{PUBLIC_URL}/restablecer-contrasena?token=…`,
    `{PUBLIC_URL}/activar-cuenta?token=…`) unless PASSWORD_RESET_URL names another reset page.
    None where production has neither: nothing invents a link there (the mail and `flask users`
    refuse instead), and with MAIL_SERVER set the service refuses to start."""
    base = public_url(environ, env_name)
    reset_url = _env(environ, "PASSWORD_RESET_URL")
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
    hours = _int(environ, "INVITATION_EXPIRE_HOURS", 168)
    if not 1 <= hours <= 720:
        raise ConfigurationError(f"INVITATION_EXPIRE_HOURS must be 1 to 720 hours, got {hours}")
    return {
        "PUBLIC_URL": base,
        "PASSWORD_RESET_URL": reset_url,
        "INVITATION_URL": f"{base}{ACTIVATION_PAGE}?token={{token}}" if base is not None else None,
        "INVITATION_EXPIRE_HOURS": hours,
    }


def engine_options(url: str, environ) -> dict:
    if url.startswith("sqlite"):
        return {}
    return {
        # No `SELECT 1` before every checkout (a round trip per request): a connection the server
        # dropped fails its request with 503 and SQLAlchemy then replaces the whole pool.
        "pool_pre_ping": _env(environ, "DATABASE_POOL_PRE_PING", "false").lower() == "true",
        # One kept connection per gunicorn thread (16), each thread holding at most one at a time:
        # no request waits for a connection, and none is opened and closed per request, as
        # overflow connections are (docs/benchmarks.md, "Worker layout").
        "pool_size": _int(environ, "DATABASE_POOL_SIZE", 16),
        "max_overflow": _int(environ, "DATABASE_MAX_OVERFLOW", 4),
        "pool_timeout": _int(environ, "DATABASE_POOL_TIMEOUT", 2),
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": _int(environ, "DATABASE_CONNECT_TIMEOUT", 2),
            "application_name": "inventory_auth",
        },
    }
