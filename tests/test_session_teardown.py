"""The end of an app context leaves the ORM session as Flask-SQLAlchemy's `db.session.remove()` does."""

from sqlalchemy import text

from inventory_auth.database import remove_session
from inventory_auth.extensions import db


def test_the_teardown_is_ours_in_flask_sqlalchemys_place(app):
    assert remove_session in app.teardown_appcontext_funcs
    assert db._teardown_session not in app.teardown_appcontext_funcs


def test_a_used_session_is_closed_and_discarded(app):
    with app.app_context():
        session = db.session()
        session.execute(text("SELECT 1"))
        assert session.in_transaction()
    assert not session.in_transaction()  # closed: its connection went back to the pool
    assert db.session.registry.registry == {}
    with app.app_context():
        assert db.session() is not session


def test_an_unused_session_leaves_nothing_behind(app):
    before = dict(db.session.registry.registry)
    with app.app_context():
        pass
    assert db.session.registry.registry == before == {}


def test_a_request_with_a_token_makes_no_session_and_one_without_is_removed(app, client, accounts):
    from helpers import bearer

    _, token = accounts.token()
    made = []
    app.teardown_appcontext_funcs.append(lambda error: made.append(db.session.registry.has()))
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 12}
                       ).status_code in (400, 401)
    assert made == [False, True]  # seen before ours runs (Flask runs teardowns in reverse)
    assert db.session.registry.registry == {}
