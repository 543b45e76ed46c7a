"""How a request uses the database beyond the ORM defaults.

A read-only request (GET, HEAD) has nothing to commit or roll back, so on PostgreSQL it reads in
psycopg2's autocommit mode: one round trip per query, where a transaction would add psycopg2's
separate `BEGIN` and the `ROLLBACK` when the session closes. The flag is client-side (switching it
sends nothing) and is switched back when the connection returns to the pool, so writes always get
their transaction: a registration or a password change is all or nothing.
"""

from flask import Flask, has_request_context, request
from sqlalchemy import event

from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def read_without_transaction() -> None:
    """Call before the first query of a request; a no-op for requests that may write."""
    if not (has_request_context() and request.method in READ_ONLY_METHODS):
        return
    session = db.session()
    if session.in_transaction():
        return
    dbapi_connection = session.connection().connection.dbapi_connection
    if hasattr(dbapi_connection, "autocommit") and db.engine.dialect.name == "postgresql":
        dbapi_connection.autocommit = True


def _restore_transactions(dbapi_connection, connection_record):
    if getattr(dbapi_connection, "autocommit", False):
        dbapi_connection.autocommit = False


def init_app(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "checkin", _restore_transactions)
