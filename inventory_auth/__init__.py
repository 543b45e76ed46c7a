"""inventory_auth: the authentication service of the SENA inventory system."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from . import mail, web
from .config import FIELDS, load_settings
from .web.application import ServiceFlask

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"

API_SETTINGS = {
    "API_TITLE": "inventory_auth",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def create_app(config: dict | None = None, environ: dict | None = None) -> Flask:
    """Build the application.

    `environ` replaces the process environment as the source of settings (tests use it);
    `config` overrides individual settings (config.Settings) or Flask keys after that.
    """
    app = ServiceFlask(__name__, instance_relative_config=True)
    config = dict(config or {})
    settings = load_settings(app.instance_path, environ).replace(
        **{name: config.pop(name) for name in list(config) if name in FIELDS}
    )
    app.extensions["settings"] = settings
    app.config.from_mapping(API_SETTINGS)
    app.config.from_mapping(settings.flask_config())
    app.config.update(config)
    app.url_map.strict_slashes = False
    app.json.sort_keys = False

    register_extensions(app)
    web.init_app(app)
    mail.init_app(app)
    for warning in settings.CONFIG_WARNINGS:
        logging.getLogger("inventory_auth.config").warning(warning)
    register_blueprints(app)
    register_commands(app)
    from .extensions import limiter
    from .web import rate_limits

    rate_limits.init_app(app, limiter)  # after the blueprints: their limits are known by now
    return app


def register_extensions(app: Flask) -> None:
    from . import database, models, redis_client  # noqa: F401  (models: tables known to SQLAlchemy and Alembic)
    from .extensions import db, limiter, migrate
    from .security import hash_bulkhead, lockout, passwords
    from .sessions import token_check
    from .sessions.jwt_manager import jwt
    from .signing import keyring
    from .web.openapi import api

    db.init_app(app)
    database.init_app(app)
    lockout.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIRECTORY))
    jwt.init_app(app)
    keyring.init_app(app)
    token_check.init_app(jwt)
    api.init_app(app)
    redis_client.init_app(app)
    limiter.init_app(app)
    settings = app.extensions["settings"]
    passwords.warm_up(
        settings.PASSWORD_HASH_METHOD, settings.LEGACY_BCRYPT_ROUNDS, settings.PASSWORD_BCRYPT_ROUNDS
    )
    hash_bulkhead.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .web import pages
    from .web.audit_logs import bp as audit_logs_bp
    from .web.auth import bp as auth_bp
    from .web.health import bp as health_bp
    from .web.health import checks
    from .web.openapi import api
    from .web.users import bp as users_bp
    from .web.verification import bp as verification_bp

    checks.init_app(app)
    for blueprint in (auth_bp, verification_bp, audit_logs_bp, health_bp, users_bp):
        api.register_blueprint(blueprint)
    pages.init_app(app)  # the HTML pages a link in a mail leads to (not part of the API document)


def register_commands(app: Flask) -> None:
    from .cli import register_commands as register

    register(app)
