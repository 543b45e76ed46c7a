"""GET /me writes the profile out by hand (web/auth/schemas.py, `user_profile`) instead of dumping it
through UserSchema: the two must give the same JSON for every user."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from flask import json
from flask_jwt_extended import decode_token
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_auth.sessions.token_check import TokenUser, load_token_user
from inventory_auth.web.auth.schemas import UserSchema, user_profile

from helpers import Accounts, bearer

_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=_offsets)
_text = st.text(max_size=40)
_users = st.builds(
    TokenUser,
    id=st.uuids(),
    email=_text,
    first_name=_text,
    last_name=_text,
    role=st.sampled_from(["student", "instructor", "supervisor", "admin_general"]) | _text,
    phone=st.none() | _text,
    program=st.none() | _text,
    ficha=st.none() | _text,
    environment_id=st.none() | st.uuids(),
    avatar_url=st.none() | _text,
    is_active=st.booleans(),
    last_login=st.none() | _moments,
    created_at=_moments,
    updated_at=_moments,
)


@settings(max_examples=500, deadline=None)
@given(_users)
def test_the_profile_is_the_schemas_dump(user):
    expected = UserSchema().dump(user)
    written = user_profile(user)
    assert written == expected
    assert list(written) == list(expected)  # same key order, so the same bytes
    assert json.dumps(written) == json.dumps(expected)


def test_a_stored_profile_through_get_me(app, client):
    """Through HTTP and the database: None fields, non-ASCII text, timestamps with microseconds."""
    accounts = Accounts(client)
    user, token = accounts.token(first_name="Ñandú José", last_name="Gómez-Ürsula 🛠", phone=None,
                                 program="Tecnólogo en Análisis")
    answer = client.get("/api/auth/me", headers=bearer(token))
    assert answer.status_code == 200
    with app.app_context():
        stored = load_token_user({}, decode_token(token))
        assert stored.last_login is not None and stored.last_login.tzinfo is not None
        assert answer.get_json() == UserSchema().dump(stored)
        assert answer.data == app.json.response(UserSchema().dump(stored)).data
    assert answer.get_json()["first_name"] == "Ñandú José"
    assert answer.get_json()["phone"] is None
    assert uuid.UUID(answer.get_json()["id"]) and user["id"] == answer.get_json()["id"]
    assert datetime.fromisoformat(answer.get_json()["created_at"]).utcoffset() == UTC.utcoffset(None)
