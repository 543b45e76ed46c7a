"""Revocation holds across instances: in the database by default, in Redis when configured."""

import os
import uuid

import pytest
import redis

from helpers import Accounts, bearer

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (CI sets it)")


def two_instances(make_app, **environ):
    """Two apps on the same database (and Redis): two instances of the service."""
    return make_app(**environ).test_client(), make_app(**environ).test_client()


def check_logout_is_seen_by_the_other_instance(first, second):
    helper = Accounts(first)
    user = helper.register()
    body = helper.login(user["email"])
    assert second.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 200
    assert first.post("/api/auth/logout", headers=bearer(body["access_token"])).status_code == 200
    assert second.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401
    refreshed = second.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 401
    return body


def test_database_revocation_across_instances(make_app):
    check_logout_is_seen_by_the_other_instance(*two_instances(make_app))


@needs_redis
def test_redis_revocation_across_instances_with_expiring_entries(make_app):
    first, second = two_instances(make_app, REDIS_URL=REDIS_URL)
    body = check_logout_is_seen_by_the_other_instance(first, second)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    import jwt as pyjwt

    sid = pyjwt.decode(body["access_token"], options={"verify_signature": False})["sid"]
    key = "inventory_auth:revoked-session:" + sid
    assert client.exists(key)
    assert 0 < client.ttl(key) <= 30 * 60 + 5


@needs_redis
def test_redis_mode_checks_redis_not_just_the_database(make_app):
    """With Redis configured, a revocation recorded only in Redis is already enforced."""
    app = make_app(REDIS_URL=REDIS_URL)
    client = app.test_client()
    helper = Accounts(client)
    user = helper.register()
    body = helper.login(user["email"])
    import jwt as pyjwt

    sid = pyjwt.decode(body["access_token"], options={"verify_signature": False})["sid"]
    redis.Redis.from_url(REDIS_URL).set("inventory_auth:revoked-session:" + sid, 1, ex=60)
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401


def test_unreachable_redis_fails_closed(make_app):
    """Revocation cannot be checked: authenticated requests answer 503, never let a token through."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    healthy = make_app().test_client()
    helper = Accounts(healthy)
    user = helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co")
    body = helper.login(user["email"])
    response = client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert response.status_code == 503
    assert isinstance(response.get_json()["detail"], str)
    # Logging out cannot be recorded either: 503, and the session stays as it was.
    assert client.post("/api/auth/logout", headers=bearer(body["access_token"])).status_code == 503
    assert healthy.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 200


@needs_redis
def test_revocations_survive_redis_coming_back_empty(make_app):
    """Found by fault/redis_outage.py: a Redis restarted without its data used to forget
    every revocation, and logged-out tokens worked again for the rest of their lifetime."""
    from inventory_auth.sessions.revocation import COMPLETE_SINCE_KEY, KEY_PREFIX

    client = make_app(REDIS_URL=REDIS_URL).test_client()
    helper = Accounts(client)
    body = helper.login(helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co")["email"])
    assert client.post("/api/auth/logout", headers=bearer(body["access_token"])).status_code == 200
    import jwt as pyjwt

    sid = pyjwt.decode(body["access_token"], options={"verify_signature": False})["sid"]
    store = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    # What a restart without persistence does to this service's keys.
    store.delete(KEY_PREFIX + sid, COMPLETE_SINCE_KEY)
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401
    # Redis now says since when it is complete; until a token lifetime has passed, the database
    # keeps deciding: a live session still works, the logged-out one stays refused.
    assert store.get(COMPLETE_SINCE_KEY) is not None
    other = helper.login(body["user"]["email"])
    assert client.get("/api/auth/me", headers=bearer(other["access_token"])).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401


@needs_redis
def test_when_redis_decides_the_session_the_user_is_still_checked(make_app, monkeypatch):
    """Redis complete for longer than a token lifetime: the session is looked up there and the
    database reads only the user (Redis's verdict is ALIVE). The user's own state still refuses
    its tokens: deactivated or with another role is 401, deleted is 404."""
    import time

    from sqlalchemy import Uuid, bindparam, text

    from inventory_auth.extensions import db
    from inventory_auth.sessions import revocation

    store = redis.Redis.from_url(REDIS_URL)
    store.set(revocation.COMPLETE_SINCE_KEY, int(time.time()) - 24 * 3600)
    user_only_reads = []
    original = revocation.verdict

    def spy(session_id):
        answer = original(session_id)
        if answer is revocation.Verdict.ALIVE:
            user_only_reads.append(session_id)
        return answer

    monkeypatch.setattr(revocation, "verdict", spy)
    try:
        app = make_app(REDIS_URL=REDIS_URL)
        client = app.test_client()
        helper = Accounts(client)
        users = [helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co") for _ in range(4)]
        tokens = [helper.login(user["email"])["access_token"] for user in users]
        for user, token in zip(users, tokens, strict=True):
            response = client.get("/api/auth/me", headers=bearer(token))
            assert response.status_code == 200 and response.get_json()["id"] == user["id"]
        assert len(user_only_reads) == 4

        # Changed behind the API's back (no session ended): only the user row says so.
        with app.app_context():
            for statement, user in (
                ("UPDATE users SET is_active = false WHERE id = :id", users[0]),
                ("UPDATE users SET role = 'instructor' WHERE id = :id", users[1]),
                ("DELETE FROM users WHERE id = :id", users[2]),
            ):
                typed = text(statement).bindparams(bindparam("id", type_=Uuid))
                db.session.execute(typed, {"id": uuid.UUID(user["id"])})
            db.session.commit()
        statuses = [client.get("/api/auth/me", headers=bearer(token)).status_code for token in tokens]
        assert statuses == [401, 401, 404, 200]
        assert len(user_only_reads) == 8
    finally:
        store.delete(revocation.COMPLETE_SINCE_KEY)
