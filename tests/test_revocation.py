"""Revocation holds across instances: the database decides, with or without Redis, and whatever
Redis loses."""

import uuid

import pytest
import redis

from helpers import TEST_REDIS_URL, Accounts, bearer, redis_answers

REDIS_URL = TEST_REDIS_URL
needs_redis = pytest.mark.skipif(not redis_answers(), reason=f"no Redis answers at {REDIS_URL}")


def _sid(token):
    import jwt as pyjwt

    return pyjwt.decode(token, options={"verify_signature": False})["sid"]


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
def test_redis_revocation_across_instances(make_app):
    """With Redis configured, a logout is seen by the other instance, and no revocation lives in
    Redis: there is nothing there whose loss could revive a session."""
    first, second = two_instances(make_app, REDIS_URL=REDIS_URL)
    body = check_logout_is_seen_by_the_other_instance(first, second)
    store = redis.Redis.from_url(REDIS_URL)
    assert not list(store.scan_iter("inventory_auth:*" + _sid(body["access_token"]) + "*"))


def test_unreachable_redis_changes_no_revocation_decision(make_app):
    """Redis unreachable: a revoked token is still refused, never let through, and since the
    database alone decides, live tokens keep working and a logout still takes effect."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    healthy = make_app().test_client()
    helper = Accounts(healthy)
    user = helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co")
    body = helper.login(user["email"])
    revoked = helper.login(user["email"])
    assert healthy.post("/api/auth/logout", headers=bearer(revoked["access_token"])).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(revoked["access_token"])).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 200
    assert client.post("/api/auth/logout", headers=bearer(body["access_token"])).status_code == 200
    for instance in (client, healthy):
        assert instance.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401


@needs_redis
def test_revocations_survive_redis_coming_back_empty(make_app):
    """Found by fault/redis_outage.py: a Redis restarted without its data used to forget
    every revocation, and logged-out tokens worked again for the rest of their lifetime."""
    client = make_app(REDIS_URL=REDIS_URL).test_client()
    helper = Accounts(client)
    body = helper.login(helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co")["email"])
    assert client.post("/api/auth/logout", headers=bearer(body["access_token"])).status_code == 200
    store = redis.Redis.from_url(REDIS_URL)
    # What a restart without persistence does to this service's keys.
    for key in store.scan_iter("inventory_auth:*"):
        store.delete(key)
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401
    other = helper.login(body["user"]["email"])
    assert client.get("/api/auth/me", headers=bearer(other["access_token"])).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401


@needs_redis
def test_with_redis_the_user_is_still_checked(make_app):
    """With Redis configured, the user's own state still refuses its tokens: deactivated or with
    another role is 401, deleted is 404 (changed behind the API's back: no session ended)."""
    from sqlalchemy import Uuid, bindparam, text

    from inventory_auth.extensions import db

    app = make_app(REDIS_URL=REDIS_URL)
    client = app.test_client()
    helper = Accounts(client)
    users = [helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co") for _ in range(4)]
    tokens = [helper.login(user["email"])["access_token"] for user in users]
    for user, token in zip(users, tokens, strict=True):
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 200 and response.get_json()["id"] == user["id"]
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


@needs_redis
def test_partial_loss_of_redis_revives_no_revoked_session(make_app):
    """Losing some keys of Redis (a failover to a lagging replica, an older snapshot, an eviction)
    must not revive a logged-out token on any instance. It used to: with the "complete since"
    marker kept, deleting one session's `revoked-session` key made its token work again."""
    first, second = two_instances(make_app, REDIS_URL=REDIS_URL)
    store = redis.Redis.from_url(REDIS_URL)
    # Redis has seen every revocation for long: the state in which it used to answer alone.
    store.set("inventory_auth:revocations-complete-since", 0)
    try:
        helper = Accounts(first)
        user = helper.register(email=f"{uuid.uuid4().hex[:8]}@sena.edu.co")
        logged_out = helper.login(user["email"])
        kept = helper.login(user["email"])
        assert first.post("/api/auth/logout", headers=bearer(logged_out["access_token"])).status_code == 200
        assert second.get("/api/auth/me", headers=bearer(logged_out["access_token"])).status_code == 401
        # The partial loss: this one session's keys go, everything else stays.
        for key in store.scan_iter("inventory_auth:*" + _sid(logged_out["access_token"]) + "*"):
            store.delete(key)
        for instance in (first, second):
            assert instance.get("/api/auth/me", headers=bearer(logged_out["access_token"])).status_code == 401
            assert instance.get("/api/auth/me", headers=bearer(kept["access_token"])).status_code == 200
        refreshed = second.post("/api/auth/refresh", json={"refresh_token": logged_out["refresh_token"]})
        assert refreshed.status_code == 401
    finally:
        store.delete("inventory_auth:revocations-complete-since")
