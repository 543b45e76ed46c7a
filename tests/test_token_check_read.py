"""The token check's read: on the pool's own connection when nothing listens to the engine, through
a SQLAlchemy Connection (which calls the listeners) when something does; the same answer either way."""

from __future__ import annotations

import uuid

import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import bindparam, event, literal_column, select
from sqlalchemy import exc as sa_exc

from inventory_auth.extensions import db
from inventory_auth.models import User
from inventory_auth.models.user import PHONE_MAX
from inventory_auth.prepared_reads import PreparedRead
from inventory_auth.sessions import token_check

from helpers import PASSWORD, bearer, prepared_statements, using_postgres

on_postgres = pytest.mark.skipif(not using_postgres(), reason="PostgreSQL's prepared statements")


def ids_of(app, token) -> tuple[uuid.UUID, uuid.UUID]:
    with app.app_context():
        claims = decode_token(token)
    return uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])


def both_reads(app, *pairs):
    """For each (user id, session id): (the read with no listener, the read with one)."""
    with app.app_context():
        engine = db.engine
        assert not engine._has_events  # the pool's own connection
        plain = [token_check._read(*pair) for pair in pairs]
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            listened = [token_check._read(*pair) for pair in pairs]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(statements) == len(pairs)
        assert engine.pool.checkedout() == 0
    return list(zip(plain, listened, strict=True))


def test_a_live_session_reads_the_same_either_way(app, client, accounts):
    user, token = accounts.token(phone="3001234567")
    [(plain, listened)] = both_reads(app, ids_of(app, token))
    assert plain == listened
    assert plain[1] is True and plain[0].email == user["email"] and plain[0].phone == "3001234567"


def test_an_ended_session_and_an_unknown_user_read_the_same_either_way(app, client, accounts):
    _, token = accounts.token()
    user_id, session_id = ids_of(app, token)
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 200
    [(ended, ended_listened), (unknown, unknown_listened)] = both_reads(
        app, (user_id, session_id), (uuid.uuid4(), session_id)
    )
    assert ended == ended_listened and ended[0] is not None and ended[1] is False
    assert unknown == unknown_listened == (None, False)


def test_a_failed_statement_is_wrapped_and_its_connection_returned(app):
    broken = PreparedRead("inventory_auth_broken", select(literal_column("no_such_column")).select_from(
        User.__table__).where(User.__table__.c.id == bindparam("user_id")))
    with app.app_context():
        with pytest.raises(sa_exc.DBAPIError):  # as SQLAlchemy's own path raises it
            broken.first(user_id=uuid.uuid4())
        assert db.engine.pool.checkedout() == 0


# On PostgreSQL each connection prepares the check once and runs it prepared from then on: the
# server parses and plans it once per connection instead of once per request.

def on_the_connection(app, statement: str) -> None:
    with app.app_context():
        pooled = db.engine.raw_connection()
        try:
            pooled.dbapi_connection.autocommit = True
            pooled.dbapi_connection.cursor().execute(statement)
        finally:
            pooled.close()


def one_connection_app(make_app, **environ):
    return make_app(DATABASE_POOL_SIZE="1", DATABASE_MAX_OVERFLOW="0", **environ)


@on_postgres
def test_each_connection_prepares_the_check_once(make_app, create_user):
    app = one_connection_app(make_app)
    client = app.test_client()
    user = create_user()
    token = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD}).get_json()
    assert prepared_statements(app) == []
    for _ in range(3):
        answer = client.get("/api/auth/me", headers=bearer(token["access_token"]))
        assert answer.get_json()["email"] == user["email"]
    assert prepared_statements(app) == [token_check.TOKEN_CHECK.name]


@on_postgres
@pytest.mark.parametrize("lost_by", ["DEALLOCATE ALL", "a column's type changed"])
def test_a_connection_that_lost_the_statement_answers_and_prepares_it_again(make_app, create_user, lost_by):
    app = one_connection_app(make_app)
    client = app.test_client()
    user = create_user(phone="3001234567")
    token = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD}).get_json()
    me = lambda: client.get("/api/auth/me", headers=bearer(token["access_token"]))  # noqa: E731
    assert me().status_code == 200
    if lost_by == "DEALLOCATE ALL":  # what a pooler's reset or another client may do
        on_the_connection(app, "DEALLOCATE ALL")
    else:  # what a migration may do: the prepared plan's result type no longer holds
        on_the_connection(app, "ALTER TABLE users ALTER COLUMN phone TYPE varchar(41)")
    try:
        answer = me()
        assert answer.status_code == 200 and answer.get_json()["phone"] == "3001234567"
        assert me().status_code == 200
        assert prepared_statements(app) == [token_check.TOKEN_CHECK.name]
    finally:
        if lost_by != "DEALLOCATE ALL":
            on_the_connection(app, f"ALTER TABLE users ALTER COLUMN phone TYPE varchar({PHONE_MAX})")


@on_postgres
def test_prepared_statements_can_be_turned_off(make_app, create_user):
    """DATABASE_PREPARED_STATEMENTS=false: for a pooler that hands a client another server
    connection from one transaction to the next (PgBouncer's transaction mode)."""
    app = one_connection_app(make_app, DATABASE_PREPARED_STATEMENTS="false")
    client = app.test_client()
    user = create_user()
    token = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD}).get_json()
    assert client.get("/api/auth/me", headers=bearer(token["access_token"])).status_code == 200
    assert prepared_statements(app) == []
