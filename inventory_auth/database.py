"""How requests use the database beyond the ORM session.

Every request with a token first checks it: one read of the user and its session. That read takes
its own pooled connection and gives it back before the view runs (a request never holds two, so
the pool cannot deadlock), and on PostgreSQL it reads in psycopg2's autocommit mode: one round trip,
where a transaction would add psycopg2's separate `BEGIN` and a `ROLLBACK` when the connection
returns to the pool. The flag is client-side (switching it sends nothing) and is switched back when
the connection returns to the pool, so the ORM session, which does every write, always gets its
transaction: a registration or a password change is all or nothing.

A password hash (~130 ms of CPU) never runs with a connection idle in a transaction: what it needs
(the account's hash, its state) is read the same way, through `read_connection`, while the ORM
session holds no connection, and the session takes one only after the hash, for the writes. So
nothing has to be ended early: the commit rule holds as written (the view or CLI command commits;
the layers below never commit nor roll back), with `own_transaction` as its one exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Connection, event

from .extensions import db


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A connection for reads outside any transaction, back in the pool on exit. Take it only
    while the ORM session holds no connection (before the request's first write or ORM read), so
    that a request never holds two."""
    with db.engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        if connection.dialect.name == "postgresql":
            dbapi_connection.autocommit = True
        yield connection


@contextmanager
def raw_read_connection(engine):
    """The pool's DBAPI connection itself, in autocommit on PostgreSQL, back in the pool on exit.

    A connection that cannot be made raises what `engine.connect()` raises (SQLAlchemy's wrapped
    error: a database that is down is a 503, web/errors.py)."""
    try:
        pooled = engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as error:
        Connection._handle_dbapi_exception_noconnection(error, engine.dialect, engine)
        raise
    try:
        if engine.dialect.name == "postgresql":
            pooled.dbapi_connection.autocommit = True
        yield pooled
    finally:
        pooled.close()


@contextmanager
def own_transaction() -> Iterator[Connection]:
    """A short transaction of its own, committed on exit, apart from the request's.

    The one deliberate exception to the commit rule: what must be visible to every worker at
    once, before the request commits (the lockout's reservation of an account before a password
    hash). On PostgreSQL each statement commits on its own (autocommit: one round trip). Take it
    only while the session holds no connection, so a request never holds two.
    """
    if db.engine.dialect.name == "postgresql":
        with read_connection() as connection:
            yield connection
    else:
        with db.engine.begin() as connection:
            yield connection


def _restore_transactions(dbapi_connection, connection_record):
    if getattr(dbapi_connection, "autocommit", False):
        dbapi_connection.autocommit = False


def remove_session(error=None) -> None:
    """Flask-SQLAlchemy's end of an app context (`db.session.remove()`), but only when the context
    made a session: most requests with a token never do (the token check reads on its own
    connection), and for them `remove()` finds nothing and discards nothing."""
    session = db.session
    if session.registry.has():
        session.remove()


def init_app(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "checkin", _restore_transactions)
    teardowns = app.teardown_appcontext_funcs
    teardowns[teardowns.index(db._teardown_session)] = remove_session


LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its `%`, `_` and escape character taken literally
    (use it with `escape=LIKE_ESCAPE`): the search boxes of the admin screens are substring
    matches, and a student named `ana_maria` is searched for as typed."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"
