"""Configuration from the environment."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inventory_auth import create_app
from inventory_auth.config import (
    FREE_THREADS,
    ConfigurationError,
    load_config,
    load_settings,
    normalize_database_url,
)

ROOT = Path(__file__).resolve().parent.parent


def test_database_url_from_seed_variables(tmp_path):
    config = load_config(str(tmp_path), {
        "APP_ENV": "development", "DATABASE_HOST": "db.sena.local", "DATABASE_PORT": "5433",
        "DATABASE_USER": "inv", "DATABASE_PASSWORD": "p@ss:word", "DATABASE_NAME": "gestionInventario",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg2://inv:p%40ss%3Aword@db.sena.local:5433/gestionInventario"
    )


def test_database_url_wins_over_parts(tmp_path):
    config = load_config(str(tmp_path), {
        "APP_ENV": "development", "DATABASE_URL": "postgres://u:p@h:5432/d", "DATABASE_HOST": "otro",
        "DATABASE_NAME": "x",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u:p@h:5432/d"


@pytest.mark.parametrize("url", ["postgres://u@h/d", "postgresql://u@h/d"])
def test_hosting_platform_urls_mean_psycopg2(url):
    assert normalize_database_url(url) == "postgresql+psycopg2://u@h/d"


@pytest.mark.parametrize("url", ["mysql://inv:clave-secreta@h/d", "postgresql+psycopg://u@h/d", "h/d"])
def test_a_database_url_this_project_cannot_drive_is_a_configuration_error(tmp_path, url):
    with pytest.raises(ConfigurationError, match="DATABASE_URL") as raised:
        load_config(str(tmp_path), {"APP_ENV": "development", "DATABASE_URL": url})
    assert "clave-secreta" not in str(raised.value)


def test_no_database_configured_means_sqlite_in_instance(tmp_path):
    config = load_config(str(tmp_path), {"APP_ENV": "development"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/inventory_auth.sqlite3"


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_config(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    second = load_config(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("key", [None, "", "corta", "x" * 31])
def test_production_refuses_a_missing_or_weak_secret(tmp_path, key):
    environ = {"APP_ENV": "production"}
    if key is not None:
        environ["SECRET_KEY"] = key
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config(str(tmp_path), environ)


def test_production_accepts_a_strong_secret(tmp_path):
    config = load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "k" * 32})
    assert config["JWT_SECRET_KEY"] == "k" * 32


def test_production_is_the_default(tmp_path):
    with pytest.raises(ConfigurationError):
        load_config(str(tmp_path), {})


def test_wsgi_refuses_to_start_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "APP_ENV")}
    env.update({"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY" in lines[0]


def test_an_expiry_that_looks_like_days_is_said_at_start_up(make_app, capsys):
    """The previous backend read ACCESS_TOKEN_EXPIRE as days; here it is minutes."""
    make_app(ACCESS_TOKEN_EXPIRE="30")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [warning] = [line for line in lines if line["logger"] == "inventory_auth.config"]
    assert warning["level"] == "WARNING" and "read as minutes" in warning["message"]
    make_app(ACCESS_TOKEN_EXPIRE="1440")
    make_app()  # the default says nothing
    assert "inventory_auth.config" not in capsys.readouterr().out


def test_algorithm_and_expiry(tmp_path):
    config = load_config(str(tmp_path), {"APP_ENV": "development", "ALGORITHM": "HS512",
                                         "ACCESS_TOKEN_EXPIRE": "45"})
    assert config["JWT_ALGORITHM"] == "HS512" and config["JWT_DECODE_ALGORITHMS"] == ["HS512"]
    assert config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds() == 45 * 60


def test_redis_timeout_reaches_the_rate_limiter_too(tmp_path):
    config = load_config(str(tmp_path), {"APP_ENV": "development", "REDIS_TIMEOUT_SECONDS": "1.5"})
    assert config["REDIS_TIMEOUT_SECONDS"] == 1.5
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 1.5, "socket_connect_timeout": 1.5}


@pytest.mark.parametrize("environ", [{"ALGORITHM": "none"}, {"ALGORITHM": "PS256"},
                                     {"ACCESS_TOKEN_EXPIRE": "treinta"}, {"APP_ENV": "staging"},
                                     {"REDIS_TIMEOUT_SECONDS": "medio"}, {"REDIS_TIMEOUT_SECONDS": "0"}])
def test_bad_values_are_refused(tmp_path, environ):
    with pytest.raises(ConfigurationError):
        load_config(str(tmp_path), {"APP_ENV": "development", **environ})


def test_create_app_takes_config_overrides(tmp_path):
    app = create_app(config={"MAX_CONTENT_LENGTH": 1234},
                     environ={"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/a.db",
                              "SECRET_KEY": "s" * 40})
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def settings_of(tmp_path, **environ):
    return load_settings(str(tmp_path), {"APP_ENV": "development", **environ})


@pytest.mark.parametrize("word, enabled", [("true", True), ("1", True), ("Yes", True), ("ON", True),
                                           ("false", False), ("0", False), ("no", False), ("Off", False),
                                           ("", True)])
def test_one_rule_for_true_and_false(tmp_path, word, enabled):
    settings = settings_of(tmp_path, RATE_LIMITS_ENABLED=word, MAIL_USE_TLS=word,
                           DATABASE_POOL_PRE_PING=word, DATABASE_PREPARED_STATEMENTS=word,
                           DATABASE_URL="postgresql://u@h/d")
    assert settings.RATELIMIT_ENABLED is enabled
    assert settings.DATABASE_PREPARED_STATEMENTS is enabled
    assert settings.MAIL_USE_TLS is (enabled and word != "")
    assert settings.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is (enabled and word != "")


@pytest.mark.parametrize("name", ["RATE_LIMITS_ENABLED", "MAIL_USE_SSL", "DATABASE_POOL_PRE_PING",
                                  "DATABASE_PREPARED_STATEMENTS", "GUNICORN_REUSE_PORT"])
def test_a_flag_that_is_neither_true_nor_false_is_refused(tmp_path, name):
    says = f"^{name} must be true, 1, yes, on or false, 0, no, off, got 'nope'$"
    with pytest.raises(ConfigurationError, match=says):
        settings_of(tmp_path, **{name: "nope"}, DATABASE_URL="postgresql://u@h/d")


def test_rate_limits_off_reach_the_limiter(make_app, accounts):
    """RATE_LIMITS_ENABLED=off lets more logins from one address through than LOGIN_RATE_LIMIT."""
    app = make_app(RATE_LIMITS_ENABLED="off", LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 12})
                .status_code for _ in range(4)]
    assert 429 not in statuses
    limited = make_app(LOGIN_RATE_LIMIT="2 per minute").test_client()
    statuses = [limited.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 12})
                .status_code for _ in range(4)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("name", ["LOGIN_RATE_LIMIT", "REGISTER_RATE_LIMIT", "REFRESH_RATE_LIMIT",
                                  "PASSWORD_RESET_RATE_LIMIT"])
def test_every_rate_limit_is_checked_with_the_limits_parser(tmp_path, name):
    with pytest.raises(ConfigurationError, match=f"^{name} must be limits like"):
        settings_of(tmp_path, **{name: "100 por minuto"})


@pytest.mark.parametrize("name, value, says", [
    ("PASSWORD_MIN_SCORE", "5", "from 0 to 4"),
    ("PASSWORD_MIN_SCORE", "-1", "from 0 to 4"),
    ("LOCKOUT_THRESHOLD", "0", "from 1 to 1000000"),
    ("LOCKOUT_BASE_SECONDS", "0", "from 1 to 86400 seconds"),
    ("LOCKOUT_RESET_SECONDS", "una hora", "whole number"),
    ("MAX_CONTENT_LENGTH", "10", "from 1024"),
    ("REFRESH_TOKEN_EXPIRE_DAYS", "0", "from 1 to 365 days"),
    ("JWT_LEEWAY_SECONDS", "-5", "from 0 to 300 seconds"),
    ("DATABASE_POOL_SIZE", "0", "from 1"),
    ("PORT", "70000", "from 0 to 65535"),
    ("WEB_CONCURRENCY", "0", "from 1 to 1024"),
    ("GUNICORN_THREADS", "0", "from 1 to 1024"),
    ("GUNICORN_RUNNING_THREADS", "65", "from 1 to 64"),
    ("GUNICORN_RUNNING_THREADS", "0", "from 1 to 64"),
    ("MAIL_TIMEOUT_SECONDS", "0", "more than 0 and at most 60"),
    ("MAIL_SHUTDOWN_SECONDS", "-1", "from 0 and at most 60"),
    ("LOG_LEVEL", "verbose", "one of DEBUG"),
])
def test_every_setting_is_range_checked(tmp_path, name, value, says):
    with pytest.raises(ConfigurationError, match=name) as raised:
        settings_of(tmp_path, **{name: value}, DATABASE_URL="postgresql://u@h/d")
    assert says in str(raised.value) and repr(value) in str(raised.value)


def test_the_lockout_never_ends_before_it_starts(tmp_path):
    with pytest.raises(ConfigurationError, match="LOCKOUT_MAX_SECONDS must be a whole number from 60"):
        settings_of(tmp_path, LOCKOUT_BASE_SECONDS="60", LOCKOUT_MAX_SECONDS="30")


def test_settings_are_one_frozen_object_read_by_attribute(make_app):
    app = make_app(LOCKOUT_THRESHOLD="7", GUNICORN_THREADS="10")
    settings = app.extensions["settings"]
    assert settings.LOCKOUT_THRESHOLD == 7 and app.config["LOCKOUT_THRESHOLD"] == 7
    # The hashing bulkhead is sized from the same thread count gunicorn.conf.py uses.
    assert settings.PASSWORD_HASH_CONCURRENCY + settings.PASSWORD_HASH_QUEUE <= 10 - FREE_THREADS
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.LOCKOUT_THRESHOLD = 1
