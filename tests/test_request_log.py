"""One JSON line per request on stdout, with a request id; never a password, token or header."""

import json
import uuid

import pytest

from helpers import PASSWORD, bearer, registration


def access_lines(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "inventory_auth.access"]


def test_one_line_per_request_with_its_fields(client, capsys):
    response = client.get("/api/health", headers={"X-Request-ID": "lb-1234"})
    lines = access_lines(capsys.readouterr().out)
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "lb-1234" == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/health", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["client"] == "127.0.0.1"
    assert line["time"].endswith("+00:00")


def test_errors_are_logged_too(client, capsys):
    response = client.get("/api/no-existe?token=secreto")
    assert response.status_code == 404
    (line,) = access_lines(capsys.readouterr().out)
    assert line["status"] == 404
    assert line["path"] == "/api/no-existe"  # never the query string


def test_request_id_is_generated_when_missing(client):
    first = client.get("/api/health").headers["X-Request-ID"]
    second = client.get("/api/health").headers["X-Request-ID"]
    assert first != second
    assert uuid.UUID(first) and uuid.UUID(second)


@pytest.mark.parametrize("sent", ["a" * 129, "dos palabras", "ñandú", "<script>", "a\"b", "x;y"])
def test_odd_request_ids_are_replaced(client, capsys, sent):
    response = client.get("/api/health", headers={"X-Request-ID": sent})
    returned = response.headers["X-Request-ID"]
    assert returned != sent
    assert uuid.UUID(returned)
    (line,) = access_lines(capsys.readouterr().out)
    assert line["request_id"] == returned


def test_authenticated_requests_name_the_user(client, accounts, capsys):
    user, token = accounts.token()
    capsys.readouterr()
    client.get("/api/auth/me", headers=bearer(token))
    client.get("/api/auth/me", headers=bearer(token + "x"))
    ok, refused = access_lines(capsys.readouterr().out)
    assert (ok["status"], ok["user_id"]) == (200, user["id"])
    assert (refused["status"], refused["user_id"]) == (401, None)


def test_the_user_is_the_one_get_jwt_names(app, client, accounts, capsys):
    """The line reads the verified claims where flask-jwt-extended keeps them: the same `sub` as
    get_jwt(), and none after an optional check that found no token (self-registration)."""
    from flask_jwt_extended import get_jwt

    def authenticated_user_id():
        try:
            return get_jwt().get("sub")
        except RuntimeError:  # no token was verified in this request
            return None

    _, token = accounts.token()
    named = []
    app.after_request_funcs.setdefault(None, []).append(
        lambda response: named.append((authenticated_user_id(), get_jwt().get("sub"))) or response
    )
    capsys.readouterr()
    client.get("/api/auth/me", headers=bearer(token))
    client.post("/api/auth/register", json=registration())
    me, registered = access_lines(capsys.readouterr().out)
    assert named[0] == (me["user_id"], me["user_id"]) and me["user_id"] is not None
    assert named[1] == (None, None) and registered["status"] == 201 and registered["user_id"] is None


def test_passwords_and_tokens_never_reach_the_log(client, accounts, capsys, caplog):
    caplog.set_level("DEBUG")
    user = accounts.register(password=PASSWORD)
    login = accounts.login(user["email"], PASSWORD)
    token = login["access_token"]
    client.get("/api/auth/me", headers=bearer(token))
    client.post(
        "/api/auth/me/change-password",
        headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": "Una clave nueva y larga 9"},
    )
    client.post("/api/auth/login", json={"email": user["email"], "password": "Una clave equivocada 1"})
    output = capsys.readouterr().out + caplog.text
    assert len(access_lines(output)) == 5
    for secret in (PASSWORD, "Una clave nueva y larga 9", "Una clave equivocada 1", token, "Bearer"):
        assert secret not in output
    assert token.split(".")[1] not in output  # not even the claims part


def test_unexpected_errors_are_logged_with_the_request_id(make_app, capsys):
    app = make_app()

    @app.get("/api/falla")
    def fails():
        raise RuntimeError("fallo interno de prueba")

    response = app.test_client().get("/api/falla")
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Error interno del servidor"}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert "RuntimeError: fallo interno de prueba" in error["exception"]
    assert access_lines("\n".join(json.dumps(line) for line in lines))[0]["status"] == 500


def test_client_address_comes_from_trusted_proxies_only(make_app, capsys):
    forwarded = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https"}
    make_app().test_client().get("/api/health", headers=forwarded)
    make_app(TRUSTED_PROXIES="1").test_client().get("/api/health", headers=forwarded)
    make_app(TRUSTED_PROXIES="2").test_client().get("/api/health", headers=forwarded)
    direct, one_hop, two_hops = access_lines(capsys.readouterr().out)
    assert direct["client"] == "127.0.0.1"  # forwarded headers ignored without trusted proxies
    assert one_hop["client"] == "198.51.100.7"  # what the one trusted proxy saw
    assert two_hops["client"] == "203.0.113.9"


def test_the_access_record_is_the_one_logging_makes_without_looking_for_the_caller(
        client, accounts, monkeypatch):
    """The line's record is made as `access_log.info(...)` makes it when `logging` is told not to
    search for the calling frame (the line shows no file or line)."""
    import logging

    from inventory_auth.web.request_log import access_log

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__()
            self.records = []

        def emit(self, record):
            self.records.append(record)

    keep = Keep()
    access_log.addHandler(keep)
    try:
        client.get("/api/auth/me", headers={"X-Request-ID": "rid-1"})
        [ours] = keep.records
        monkeypatch.setattr(logging, "_srcfile", None)
        fields = {name: getattr(ours, name) for name in
                  ("request_id", "method", "path", "status", "duration_ms", "user_id", "client")}
        access_log.info("%s %s %s", *ours.args, extra=fields)
        [_, theirs] = keep.records
    finally:
        access_log.removeHandler(keep)
    moments = {"created", "msecs", "relativeCreated"}
    assert {k: v for k, v in vars(ours).items() if k not in moments} == {
        k: v for k, v in vars(theirs).items() if k not in moments}
    assert ours.getMessage() == "GET /api/auth/me 401"


def test_the_json_line_is_json_dumps_of_its_fields():
    import logging
    from datetime import UTC, datetime

    from inventory_auth.web.logs import JsonFormatter

    record = logging.makeLogRecord({"name": "inventory_auth.access", "levelno": logging.INFO,
                                    "levelname": "INFO", "msg": "ñandú %s", "args": ("ü",),
                                    "when": datetime(2026, 1, 2, tzinfo=UTC), "count": 3})
    line = JsonFormatter().format(record)
    expected = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": "INFO", "logger": "inventory_auth.access", "message": "ñandú ü",
                "when": datetime(2026, 1, 2, tzinfo=UTC), "count": 3}
    assert line == json.dumps(expected, ensure_ascii=False, default=str)


def only_the_services_handler(monkeypatch):
    """The service's logger with its own handler alone (pytest adds its capture handlers)."""
    import logging

    from inventory_auth.web import logs

    root = logging.getLogger(logs.ROOT_LOGGER)
    ours = [handler for handler in root.handlers if isinstance(handler, logs.StdoutHandler)]
    monkeypatch.setattr(root, "handlers", ours)
    return root, ours[0]


def test_the_line_written_directly_is_the_one_logging_writes(client, accounts, capsys, monkeypatch):
    """With only the service's handler in the way the line is written without a record; with a
    filter on the access logger it goes through `logging`: the two lines are the same."""
    import logging

    from inventory_auth.web import logs
    from inventory_auth.web.request_log import access_log

    only_the_services_handler(monkeypatch)
    assert logs.plain_handler(access_log, logging.INFO) is not None
    capsys.readouterr()
    handled = []
    monkeypatch.setattr(access_log, "handle", handled.append)
    client.get("/api/auth/me", headers={"X-Request-ID": "rid-direct"})
    monkeypatch.delattr(access_log, "handle")
    (direct,) = access_lines(capsys.readouterr().out)
    assert handled == []  # no record made
    seen = []
    access_log.addFilter(lambda record: seen.append(record) or True)
    try:
        assert logs.plain_handler(access_log, logging.INFO) is None
        client.get("/api/auth/me", headers={"X-Request-ID": "rid-direct"})
    finally:
        access_log.filters.clear()
    (through_logging,) = access_lines(capsys.readouterr().out)
    assert len(seen) == 1
    moments = ("time", "duration_ms")
    assert list(direct) == list(through_logging)
    assert {k: v for k, v in direct.items() if k not in moments} == {
        k: v for k, v in through_logging.items() if k not in moments}


def test_json_line_is_the_formatters_line():
    import logging

    from inventory_auth.web.logs import JsonFormatter, json_line

    fields = {"request_id": "r", "method": "GET", "path": "/ñ", "status": 200, "duration_ms": 1.5,
              "user_id": None, "client": "127.0.0.1"}
    record = logging.getLogger("inventory_auth.access").makeRecord(
        "inventory_auth.access", logging.INFO, "(unknown file)", 0, "%s %s %s",
        ("GET", "/ñ", 200), None, "(unknown function)", fields)
    assert json_line(record.created, "INFO", "inventory_auth.access", "GET /ñ 200", fields) == (
        JsonFormatter().format(record))


@pytest.mark.parametrize("change", ["handler", "filter", "parent_handler", "handler_level",
                                    "formatter", "disabled"])
def test_anything_added_to_the_loggers_turns_the_direct_line_off(app, change, monkeypatch):
    import logging

    from inventory_auth.web import logs
    from inventory_auth.web.request_log import access_log

    root, ours = only_the_services_handler(monkeypatch)
    assert logs.plain_handler(access_log, logging.INFO) is ours
    extra = logging.NullHandler()
    undo = {
        "handler": (lambda: access_log.addHandler(extra), lambda: access_log.removeHandler(extra)),
        "filter": (lambda: ours.addFilter(bool), lambda: ours.removeFilter(bool)),
        "parent_handler": (lambda: root.addHandler(extra), lambda: root.removeHandler(extra)),
        "handler_level": (lambda: ours.setLevel(logging.WARNING), lambda: ours.setLevel(0)),
        "formatter": (lambda: ours.setFormatter(logging.Formatter()),
                      lambda: ours.setFormatter(logs.JsonFormatter())),
        "disabled": (lambda: setattr(access_log, "disabled", True),
                     lambda: setattr(access_log, "disabled", False)),
    }[change]
    undo[0]()
    try:
        assert logs.plain_handler(access_log, logging.INFO) is None
    finally:
        undo[1]()
    assert logs.plain_handler(access_log, logging.INFO) is ours


@pytest.mark.parametrize("user_id", [None, "0b7e4d3c-1f2a-4b5c-8d9e-0a1b2c3d4e5f", 7, True, 1.5, ["x"]])
@pytest.mark.parametrize("path", ["/api/auth/me", "/api/ñandú/\"comillas\"\\\u2028\x07"])
@pytest.mark.parametrize("client_address", ["127.0.0.1", None])
@pytest.mark.parametrize("duration_ms", [0.0, 12.34, 1e-05, 123456789.12])
def test_the_template_line_is_json_line(user_id, path, client_address, duration_ms):
    from inventory_auth.web.logs import json_line
    from inventory_auth.web.request_log import access_line

    extra = {"request_id": "rid-1", "method": "GET", "path": path, "status": 200,
             "duration_ms": duration_ms, "user_id": user_id, "client": client_address}
    message = f"GET {path} 200"
    for created in (0.0, 1767225600.123456, 1767225600.9999):
        assert access_line(created, message, extra) == json_line(
            created, "INFO", "inventory_auth.access", message, extra)


def test_a_new_request_id_is_uuid4_hex_of_the_same_random_bytes(monkeypatch):
    import os

    from inventory_auth.web.request_log import new_request_id

    for sample in (bytes(16), b"\xff" * 16, os.urandom(16), os.urandom(16)):
        monkeypatch.setattr(os, "urandom", lambda n, sample=sample: sample)
        assert new_request_id() == uuid.uuid4().hex
        assert uuid.UUID(new_request_id()).version == 4
