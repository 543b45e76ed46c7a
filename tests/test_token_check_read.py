"""The token check's read: on the pool's own connection when nothing listens to the engine, through
a SQLAlchemy Connection (which calls the listeners) when something does; the same answer either way."""

from __future__ import annotations

import uuid

import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from inventory_auth.extensions import db
from inventory_auth.sessions import token_check

from helpers import bearer


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


def test_a_failed_statement_is_wrapped_and_its_connection_returned(app, monkeypatch):
    with app.app_context():
        engine = db.engine
        query = token_check._RawQuery(engine.dialect)
        query.sql = "SELECT no_such_column FROM users WHERE 1 = 0"
        monkeypatch.setitem(token_check._raw_queries, engine.dialect.name, query)
        with pytest.raises(sa_exc.DBAPIError):  # as SQLAlchemy's own path raises it
            token_check._read(uuid.uuid4(), uuid.uuid4())
        assert engine.pool.checkedout() == 0
