"""The token check reads without a transaction; writes always keep theirs."""

import pytest
from sqlalchemy import event

from inventory_auth.extensions import db

from helpers import bearer, using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="psycopg2's autocommit mode")


def test_token_checks_autocommit_and_every_connection_returns_transactional(app, client, accounts):
    _, token = accounts.token()
    seen, returned = [], []
    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    def on_checkin(dbapi_connection, record):
        returned.append(dbapi_connection.autocommit)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "checkin", on_checkin)
    try:
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
        changed = client.put("/api/auth/me", json={"phone": "3001234567"}, headers=bearer(token))
        assert changed.status_code == 200
        assert client.get("/api/auth/me", headers=bearer(token)).get_json()["phone"] == "3001234567"
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "checkin", on_checkin)
    # GET, PUT, GET: each request starts with its token check, one statement in autocommit.
    get_me, put_me, get_again = seen[:1], seen[1:-1], seen[-1:]
    assert get_me == [("SELECT", True)] and get_again == [("SELECT", True)]
    assert put_me[0] == ("SELECT", True)
    writes = put_me[1:]
    assert writes and all(autocommit is False for _, autocommit in writes)
    assert any(verb == "UPDATE" for verb, _ in writes)
    assert returned and not any(returned)
