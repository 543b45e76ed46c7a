"""A database or Redis that a command cannot use is one line on stderr and exit status 1, never a
traceback: every `flask` command of the service (`users`, `sessions`, `db upgrade`, ...) goes
through `one_line_errors`.

The line says what failed and which setting to check: a database that cannot be reached or does
not exist (the `DATABASE_*` settings), a database without the service's tables (run
`flask db upgrade`), a Redis that cannot be reached (`REDIS_URL`). Passwords in URLs are masked.
Any other exception is a defect and keeps its traceback.

How it is wired: `flask` is Flask's own command, so the service cannot replace its group. When the
`flask` command loads the app, `install` hangs `one_line_errors` on that command's root click
context, whose exit sees every exception a subcommand raised (click passes it to the resources of
a context, and turns the `ClickException` raised there into "Error: ..." and exit 1). Command
groups of the service also wrap their own invocation (`cli/origin.py`), which covers the test
runner, where no `flask` command loads the app.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import click
import redis
from flask import has_app_context
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from ..config import Settings, settings

# PostgreSQL's SQLSTATE for a missing table and a missing column: a database not (fully) migrated.
MISSING_SCHEMA_CODES = {"42P01", "42703"}
MISSING_SCHEMA_SQLITE = ("no such table", "no such column")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


def _database(config) -> tuple[str, str]:
    """The database as it may be shown (no password), and the settings that name it."""
    if config is None:
        return "the database", "DATABASE_URL"
    shown = make_url(config.SQLALCHEMY_DATABASE_URI).render_as_string(hide_password=True)
    return shown, config.DATABASE_SETTINGS


def _redis(config) -> str:
    url = config.REDIS_URL if config is not None else None
    if not url:
        return "Redis"
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        parts = parts._replace(netloc=user + netloc)
    return urlunsplit(parts)


def _missing_schema(error: sa_exc.DBAPIError) -> bool:
    code = getattr(error.orig, "pgcode", None)
    if code in MISSING_SCHEMA_CODES:
        return True
    return str(error.orig).lower().startswith(MISSING_SCHEMA_SQLITE)


def describe(error: BaseException, config: Settings | None = None) -> str | None:
    """The one line for a failure of the database or Redis; None for anything else. `config`: the
    app's settings (default: the current app's), to name the database and the settings to check."""
    if config is None and has_app_context():
        config = settings()
    if isinstance(error, (sa_exc.OperationalError, sa_exc.ProgrammingError)) and _missing_schema(error):
        shown, _ = _database(config)
        return (
            f"the database {shown} does not have the service's tables yet ({_first_line(error)}); "
            "run `flask db upgrade`"
        )
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        shown, names = _database(config)
        return f"cannot use the database {shown}: {_first_line(error)} (check {names})"
    if isinstance(error, redis.RedisError):
        return (f"cannot reach Redis at {_redis(config)}: {_first_line(error)}; nothing was changed "
                "(check REDIS_URL)")
    return None


@contextmanager
def one_line_errors(config=None):
    try:
        yield
    except (sa_exc.SQLAlchemyError, redis.RedisError) as error:
        line = describe(error, config)
        if line is None:
            raise
        raise click.ClickException(line) from None


def install(app) -> None:
    """Under the `flask` command, make its failures of the database or Redis one line."""
    from flask.cli import ScriptInfo

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    root = ctx.find_root()
    if isinstance(root.obj, ScriptInfo) and not root.meta.get(__name__):
        root.meta[__name__] = True
        root.with_resource(one_line_errors(settings(app)))
