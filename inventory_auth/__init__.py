"""inventory_auth: the authentication service of the SENA inventory system."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import load_config

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
    `config` overrides individual Flask settings after that.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(API_SETTINGS)
    app.config.from_mapping(load_config(app.instance_path, environ))
    if config:
        app.config.update(config)
    app.url_map.strict_slashes = False
    app.json.sort_keys = False

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_http_layer(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import database, models, redis_client  # noqa: F401  (models: tables known to SQLAlchemy and Alembic)
    from .extensions import api, db, jwt, limiter, migrate
    from .security import passwords, tokens  # noqa: F401  (token rules registered on jwt)

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIRECTORY))
    jwt.init_app(app)
    api.init_app(app)
    redis_client.init_app(app)
    limiter.init_app(app)
    passwords.warm_up(app.config["PASSWORD_HASH_METHOD"], app.config["LEGACY_BCRYPT_ROUNDS"])


def register_blueprints(app: Flask) -> None:
    from .auth import bp as auth_bp
    from .extensions import api

    for blueprint in (auth_bp,):
        api.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register_commands as register

    register(app)


def register_http_layer(app: Flask) -> None:
    """What every request passes through, and the endpoints that describe and watch the service."""
    from . import cors, docs_ui, http_headers, logs, proxy, request_log, stateless
    from .extensions import api
    from .health import bp as health_bp
    from .health import checks

    logs.init_app(app)
    request_log.init_app(app)
    stateless.init_app(app)
    http_headers.init_app(app)
    cors.init_app(app)
    proxy.init_app(app)
    checks.init_app(app)
    api.register_blueprint(health_bp)
    docs_ui.init_app(app)

