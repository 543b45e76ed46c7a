"""The check every request with an access token passes, top to bottom.

flask-jwt-extended verifies the signature, the algorithm and the lifetime (with one decode:
`jwt_manager.py`) and then calls `load_token_user` with the claims. From there:

1. The token must be an access token (`type: access`) with an `exp`: the library takes a token of
   any other type for one, and PyJWT lets a token without `exp` live for ever.
2. `sub` and `sid` must be UUIDs (a malformed one is a bad token, never a 500).
3. Is the session alive? The database decides, in the same round trip that reads the user: its
   `auth_sessions` row is the record, and nothing else is consulted, Redis included: a copy
   elsewhere could lag behind a logout (docs/security.md).
4. The user must exist (else 404, as the previous backend answered), be active, and still hold
   the role the token claims.

The user is read with one prebuilt Core statement into a small frozen snapshot (`TokenUser`)
rather than an ORM entity: the identity map, attribute instrumentation and unit of work are not
needed to answer GET /me, and they would be most of its CPU (docs/benchmarks.md). The statement
is compiled once per dialect and run on the pooled connection's DBAPI cursor, its values
converted by the columns' own type processors: SQLAlchemy's execution layer (execution context,
result metadata, row objects) would cost more than the rest of the read. The read takes its own
pooled connection and gives it back before the view runs. While nothing listens to the engine's
events it uses the pool's connection as is (`Engine.raw_connection`), without a SQLAlchemy
`Connection` around it; a failed statement is still handed to SQLAlchemy's error handling. With
a listener (tracing, tests counting statements) the read goes through a `Connection`, which
calls it. On PostgreSQL the statement is prepared once per connection (`PREPARE`, on its first
check) and run by name from then on: the server then parses and plans it once per connection
instead of once per request (a quarter of its CPU per check; docs/benchmarks.md).
`DATABASE_PREPARED_STATEMENTS=false` turns this off for a pooler that may hand each transaction
another server connection. Views that change the account load the entity themselves.

Every refusal answers 401 `Token inválido o expirado` with `WWW-Authenticate: Bearer` (the web
layer's error handlers, `web/errors.py`, for these and for the library's own refusals).
"""

from __future__ import annotations

import uuid
import weakref

from flask_jwt_extended import JWTManager
from sqlalchemy import Connection, and_, bindparam, select

from ..config import settings
from ..database import raw_read_connection, read_connection
from ..exceptions import InvalidToken, UserNotFound
from ..extensions import db
from ..models import AuthSession, User
from .legacy_tokens import load_legacy_user
from .token_user import COLUMNS, TokenUser
from .tokens import uuid_claim

_users = User.__table__
_sessions = AuthSession.__table__
_columns = COLUMNS
_width = len(_columns)

# The token's session, joined to its user, if it is alive (not revoked): also introspection's.
LIVE_SESSION = and_(
    _sessions.c.id == bindparam("session_id"),
    _sessions.c.user_id == _users.c.id,
    _sessions.c.revoked_at.is_(None),
)

# The user and, in the same round trip, its session's id if the session is alive (not revoked).
USER_AND_LIVE_SESSION = (
    select(*_columns, _sessions.c.id.label("live_session_id"))
    .outerjoin(_sessions, LIVE_SESSION)
    .where(_users.c.id == bindparam("user_id"))
)


def load_token_user(_jwt_header, claims: dict) -> TokenUser:
    """The token's user, if the token is still good for it; else InvalidToken or UserNotFound."""
    if claims.get("type") != "access" or "exp" not in claims:
        raise InvalidToken()
    if "sid" not in claims:  # perhaps a token of the previous backend, in its transition window
        return load_legacy_user(claims)
    user_id = uuid_claim(claims, "sub")
    session_id = uuid_claim(claims, "sid")

    user, session_alive = _read(user_id, session_id)
    if user is None:
        raise UserNotFound()
    if not session_alive or not user.is_active or claims.get("role") != user.role:
        raise InvalidToken()
    return user


class _RawQuery:
    """USER_AND_LIVE_SESSION compiled for one engine: its SQL text, how to bind the two ids, the
    columns' result processors (the conversions SQLAlchemy would apply to the row) and, on
    PostgreSQL, the statement that prepares it and the one that runs it prepared."""

    def __init__(self, dialect, prepared: bool):
        compiled = USER_AND_LIVE_SESSION.compile(dialect=dialect)
        self.sql = compiled.string
        to_db = _users.c.id.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
        if compiled.positional:
            order = compiled.positiontup
            self.parameters = lambda ids: tuple(to_db(ids[name]) for name in order)
        else:
            self.parameters = lambda ids: {name: to_db(value) for name, value in ids.items()}
        self.processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in _columns
        ]
        self.prepare = self.execute = None
        if prepared and dialect.name == "postgresql" and not compiled.positional:
            numbered = USER_AND_LIVE_SESSION.compile(dialect=type(dialect)(paramstyle="numeric_dollar"))
            self.prepare = f"PREPARE {PREPARED_NAME} AS {numbered.string}"
            arguments = ", ".join(f"%({name})s" for name in numbered.positiontup)
            self.execute = f"EXECUTE {PREPARED_NAME}({arguments})"

    def user(self, row) -> TokenUser:
        return TokenUser(*[
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, row, strict=False)
        ])


# The name the token check's statement is prepared under, in each connection's session.
PREPARED_NAME = "inventory_auth_token_check"
# What PostgreSQL answers when a connection no longer holds it as prepared: not there (a
# `DEALLOCATE ALL`, a pooler handing out another server connection), or prepared against columns
# a migration has since changed.
_MISSING, _STALE = "26000", "0A000"
_STATEMENT_GONE = frozenset({_MISSING, _STALE})

_raw_queries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _query(engine) -> _RawQuery:
    query = _raw_queries.get(engine)
    if query is None:
        prepared = settings().DATABASE_PREPARED_STATEMENTS
        query = _raw_queries[engine] = _RawQuery(engine.dialect, prepared)
    return query


def _read(user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[TokenUser | None, bool]:
    """The user (None if gone) and whether the session is alive, in one database round trip."""
    engine = db.engine
    if engine._has_events or Connection._has_events:
        return _read_with_events(user_id, session_id)
    query = _query(engine)
    sql, parameters = query.sql, query.parameters({"user_id": user_id, "session_id": session_id})
    with raw_read_connection(engine) as pooled:
        cursor = pooled.dbapi_connection.cursor()
        try:
            if query.execute is None:
                cursor.execute(sql, parameters)
            else:
                sql = _execute_prepared(pooled, cursor, query, parameters)
            row = cursor.fetchone()
        except Exception as error:
            # Wrapped as SQLAlchemy's own path would (see below).
            Connection(engine, connection=pooled)._handle_dbapi_exception(
                error, sql, parameters, cursor, None
            )
        finally:
            cursor.close()
    if row is None:
        return None, False
    return query.user(row), row[_width] is not None


def _execute_prepared(pooled, cursor, query: _RawQuery, parameters) -> str:
    """Run the token check as this connection's prepared statement, preparing it on the
    connection's first check (`pooled.info` lives as long as the connection); the plain statement
    when the connection no longer holds it. Returns the statement that ran. The connection is in
    autocommit: a failed statement leaves nothing to roll back."""
    if PREPARED_NAME not in pooled.info:
        cursor.execute(query.prepare)
        pooled.info[PREPARED_NAME] = True
    try:
        cursor.execute(query.execute, parameters)
        return query.execute
    except pooled.dbapi_connection.DatabaseError as error:
        gone = getattr(error, "pgcode", None)
        if gone not in _STATEMENT_GONE:
            raise
    del pooled.info[PREPARED_NAME]  # prepared again by the connection's next check
    if gone == _STALE:
        cursor.execute(f"DEALLOCATE {PREPARED_NAME}")
    cursor.execute(query.sql, parameters)
    return query.sql


def _read_with_events(user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[TokenUser | None, bool]:
    with read_connection() as connection:
        query = _query(connection.engine)
        sql, parameters = query.sql, query.parameters({"user_id": user_id, "session_id": session_id})
        # The engine's cursor events still see the statement (tracing, tests counting statements),
        # as SQLAlchemy's own execution path would call them; nothing runs when none is listening.
        events = connection._has_events or connection.engine._has_events
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            if events:
                for listener in connection.dispatch.before_cursor_execute:
                    sql, parameters = listener(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            if events:
                for listener in connection.dispatch.after_cursor_execute:
                    listener(connection, cursor, sql, parameters, None, False)
            row = cursor.fetchone()
        except Exception as error:
            # As SQLAlchemy's own path would: wrapped (a lost server is a 503, web/errors.py), the
            # pool invalidated on a disconnect, the engine's handle_error events called.
            connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
        finally:
            cursor.close()
    if row is None:
        return None, False
    return query.user(row), row[_width] is not None


def init_app(jwt: JWTManager) -> None:
    """Make this check the one flask-jwt-extended runs after verifying a token."""
    jwt.user_lookup_loader(load_token_user)
