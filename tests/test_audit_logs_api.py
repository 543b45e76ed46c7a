"""GET /api/audit-logs/ and /stats as the app's audit screen (an admin_general) meets them."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog

from helpers import PASSWORD, bearer

LOG_KEYS = {
    "id", "user_id", "user_name", "user_email", "action", "entity_type", "entity_id", "old_values",
    "new_values", "ip_address", "user_agent", "session_id", "created_at",
}
STATS_KEYS = {
    "total_logs", "today_logs", "warning_logs", "error_logs", "info_logs", "success_logs",
    "top_actions", "top_users",
}


@pytest.fixture
def admin(create_user, accounts):
    user = create_user(role="admin_general", first_name="Rosa", last_name="Díaz",
                       email="rectora@sena.edu.co")
    return {**user, "token": accounts.login(user["email"])["access_token"]}


@pytest.fixture
def add_log(app):
    """Insert a row as any writer of the table would, at a chosen time."""

    def add(action="login", *, ago=timedelta(0), user_id=None, entity_type="user", **values):
        with app.app_context():
            row = AuditLog(id=uuid.uuid4(), action=action, entity_type=entity_type,
                           user_id=uuid.UUID(user_id) if user_id else None,
                           created_at=datetime.now(UTC) - ago, **values)
            db.session.add(row)
            db.session.commit()
            return str(row.id)

    return add


def only_seeded(app):
    """Forget the rows the fixtures' own logins wrote."""
    with app.app_context():
        db.session.query(AuditLog).delete()
        db.session.commit()


def get(client, admin, path="/api/audit-logs/", **query):
    return client.get(path, query_string=query, headers=bearer(admin["token"]))


def test_only_an_admin_general_may_read_it(client, accounts, admin):
    _, student = accounts.token()
    for path in ("/api/audit-logs/", "/api/audit-logs/stats"):
        missing = client.get(path)
        assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
        assert client.get(path, headers=bearer("no.es.token")).status_code == 401
        refused = client.get(path, headers=bearer(student))
        assert refused.status_code == 403
        assert refused.get_json() == {"detail": "No tiene permiso para realizar esta acción"}
        assert client.get(path, headers=bearer(admin["token"])).status_code == 200


def test_a_page_has_the_apps_shape_newest_first(app, client, admin, add_log):
    only_seeded(app)
    oldest = add_log("create", ago=timedelta(hours=3), entity_type="loan",
                     new_values={"status": "pending"}, ip_address="10.0.0.7")
    newest = add_log("login", user_id=admin["id"], entity_id=uuid.UUID(admin["id"]), session_id="s-1",
                     user_agent="inventario-app/2.1")
    for path in ("/api/audit-logs/", "/api/audit-logs"):
        response = get(client, admin, path)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"logs", "total", "page", "per_page", "total_pages"}
        assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (2, 1, 20, 1)
        assert [log["id"] for log in body["logs"]] == [newest, oldest]
        first, second = body["logs"]
        assert set(first) == LOG_KEYS
        assert first["user_name"] == "Rosa Díaz" and first["user_email"] == "rectora@sena.edu.co"
        assert first["user_id"] == admin["id"] and first["entity_id"] == admin["id"]
        assert first["session_id"] == "s-1" and first["user_agent"] == "inventario-app/2.1"
        assert first["created_at"].endswith("+00:00")
        assert datetime.fromisoformat(first["created_at"]) > datetime.now(UTC) - timedelta(minutes=1)
        assert second["user_id"] is None and second["user_name"] is None and second["user_email"] is None
        assert second["new_values"] == {"status": "pending"} and second["old_values"] is None
        assert second["ip_address"] == "10.0.0.7" and second["entity_type"] == "loan"


def test_pages_are_stable_and_bounded(app, client, admin, add_log):
    only_seeded(app)
    same_moment = datetime.now(UTC)
    ids = [add_log("login", ago=datetime.now(UTC) - same_moment) for _ in range(5)]
    seen = []
    for page in (1, 2, 3):
        body = get(client, admin, page=page, per_page=2).get_json()
        assert (body["total"], body["total_pages"], body["page"], body["per_page"]) == (5, 3, page, 2)
        seen += [log["id"] for log in body["logs"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 5
    past_the_end = get(client, admin, page=10**30, per_page=100).get_json()
    assert past_the_end["logs"] == [] and past_the_end["total"] == 5
    assert get(client, admin, per_page=100).status_code == 200


@pytest.mark.parametrize("query, field", [
    ({"page": 0}, "page"), ({"page": "uno"}, "page"), ({"page": "1.5"}, "page"),
    ({"per_page": 0}, "per_page"), ({"per_page": 101}, "per_page"),
    ({"user_id": "42"}, "user_id"), ({"start_date": "ayer"}, "start_date"),
    ({"end_date": "2026-13-01"}, "end_date"), ({"start_date": "0001-01-01T00:00:00+05:00"}, "start_date"),
    ({"search": "x" * 201}, "search"), ({"search": "a\x00b"}, "search"),
])
def test_bad_query_arguments_are_a_422_in_the_contracts_shape(client, admin, query, field):
    response = get(client, admin, **query)
    assert response.status_code == 422
    body = response.get_json()
    assert body["detail"] == "Los datos enviados no son válidos" and list(body["errors"]) == [field]
    assert all(isinstance(text, str) for text in body["errors"][field])


@pytest.mark.parametrize("days", [0, 3651, "mes"])
def test_bad_stats_window_is_a_422(client, admin, days):
    response = get(client, admin, "/api/audit-logs/stats", days=days)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["days"]


def test_empty_filters_mean_any_as_the_app_sends_them(app, client, admin, add_log):
    only_seeded(app)
    add_log("login")
    body = get(client, admin, page=1, per_page=20, action_filter="", user_id="", entity_type="",
               start_date="", end_date="", search="").get_json()
    assert body["total"] == 1


def test_filters(app, client, admin, create_user, add_log):
    only_seeded(app)
    other = create_user(first_name="Otro", last_name="Usuario")
    mine = add_log("login", user_id=admin["id"])
    add_log("login", user_id=other["id"])
    failed = add_log("login_failed", ago=timedelta(days=2))
    loan = add_log("update", entity_type="loan", ago=timedelta(days=10))

    def ids(**query):
        response = get(client, admin, **query)
        assert response.status_code == 200, response.get_json()
        return {log["id"] for log in response.get_json()["logs"]}

    assert ids(action_filter="login_failed") == {failed}
    assert ids(user_id=admin["id"]) == {mine}
    assert ids(user_id=str(uuid.uuid4())) == set()
    assert ids(entity_type="loan") == {loan}
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    assert ids(start_date=two_days_ago, end_date=two_days_ago) == {failed}  # a date: the whole day
    assert failed not in ids(start_date=(datetime.now(UTC) - timedelta(days=1)).isoformat())
    bogota = timezone(timedelta(hours=-5))
    a_moment_ago = (datetime.now(UTC) - timedelta(hours=1)).astimezone(bogota).isoformat()
    assert loan not in ids(start_date=a_moment_ago) and mine in ids(start_date=a_moment_ago)
    assert ids(end_date=(datetime.now(UTC) - timedelta(days=5)).replace(tzinfo=None).isoformat()) == {loan}


def test_search_is_a_case_insensitive_substring_with_literal_wildcards(
        app, client, admin, create_user, add_log):
    only_seeded(app)
    percent = create_user(first_name="Cien", last_name="Por%Ciento", email="cien@sena.edu.co")
    by_admin = add_log("profile_update", user_id=admin["id"])
    by_percent = add_log("login", user_id=percent["id"])
    loan = add_log("approve_loan", entity_type="loan_request")
    add_log("logout")

    def ids(search):
        return {log["id"] for log in get(client, admin, search=search).get_json()["logs"]}

    assert ids("ROSA díaz") == {by_admin}  # the full name
    assert ids("RECTORA@") == {by_admin}  # the email
    assert ids("PROFILE") == {by_admin}  # the action
    assert ids("Loan_Req") == {loan}  # the entity type, `_` literal
    assert ids("_") == {by_admin, loan}  # profile_update, approve_loan: only real underscores
    assert ids("%") == {by_percent}
    assert ids("por%ci") == {by_percent}
    assert ids("cien%ciento") == set()  # `%` as a wildcard would match "Cien Por%Ciento"
    assert ids("\\") == set()


def test_stats_count_by_level_within_the_window(app, client, admin, create_user, add_log):
    only_seeded(app)
    other = create_user(first_name="Otro", last_name="Usuario", email="otro@sena.edu.co")
    add_log("login", user_id=admin["id"])  # success
    add_log("login", user_id=admin["id"])
    add_log("login_failed", ago=timedelta(days=2))  # warning
    add_log("refresh_token_reuse", user_id=other["id"], ago=timedelta(days=3))  # error
    # another writer's action: info
    add_log("create", entity_type="loan", user_id=other["id"], ago=timedelta(days=4))
    add_log("logout", user_id=admin["id"], ago=timedelta(days=5))  # info
    add_log("login", user_id=other["id"], ago=timedelta(days=40))  # outside 30 days

    for path in ("/api/audit-logs/stats", "/api/audit-logs/stats/"):
        response = get(client, admin, path)
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == STATS_KEYS
        assert (body["total_logs"], body["today_logs"]) == (6, 2)
        levels = [body[f"{level}_logs"] for level in ("success", "warning", "error", "info")]
        assert levels == [2, 1, 1, 2]
        assert body["top_actions"][0] == {"action": "login", "count": 2}
        assert {a["action"] for a in body["top_actions"]} == {
            "login", "login_failed", "refresh_token_reuse", "create", "logout"}
        assert body["top_users"] == [
            {"name": "Rosa Díaz", "email": "rectora@sena.edu.co", "count": 3},
            {"name": "Otro Usuario", "email": "otro@sena.edu.co", "count": 2},
        ]
    wide = get(client, admin, "/api/audit-logs/stats", days=60).get_json()
    assert wide["total_logs"] == 7 and wide["success_logs"] == 3


def test_the_screen_sees_what_the_auth_flows_record(client, admin, accounts):
    client.post("/api/auth/login", json={"email": admin["email"], "password": "una clave mala"})
    body = get(client, admin, action_filter="login_failed").get_json()
    [failed] = body["logs"]
    assert failed["new_values"] == {"reason": "wrong_password"} and failed["entity_id"] == admin["id"]
    assert failed["ip_address"] == "127.0.0.1"
    assert PASSWORD not in str(body)
