"""The edge's one before- and one after-request hook equal its concerns as separate hooks."""

import json

from flask import g, request

from inventory_auth import audit
from inventory_auth.web import audit_origin, headers, hooks, request_log

from helpers import Accounts, bearer

ORIGIN = "https://inventario.sena.edu.co"


def separate_hooks(app):
    """The concerns registered one hook each, in the order the edge runs them."""

    def start_log():
        request_log.start_request(request._get_current_object(), g._get_current_object())

    def start_origin():
        audit_origin.start_request(request._get_current_object(), g._get_current_object())

    def finish_log(response):
        return request_log.finish_request(response, request._get_current_object(), g._get_current_object())

    def set_headers(response):
        return headers.set_security_headers(response, request._get_current_object())

    before, after = app.before_request_funcs[None], app.after_request_funcs[None]
    before.remove(hooks.before_request)
    before[0:0] = [start_log, start_origin]
    after.remove(hooks.after_request)
    after[0:0] = [finish_log, set_headers]  # Flask runs these in reverse: headers, then the line


def exchange(client, capsys, origins, token):
    client.application.after_request_funcs[None].append(
        lambda response: origins.append(audit.current()) or response)
    capsys.readouterr()
    answers = [
        client.get("/api/auth/me", headers={**bearer(token), "X-Request-ID": "rid-1",
                                            "User-Agent": "ua/1", "Origin": ORIGIN}),
        client.get("/api/auth/me", headers={**bearer(token + "x"), "X-Request-ID": "rid-2"}),
        client.options("/api/auth/me", headers={"Origin": ORIGIN, "X-Request-ID": "rid-3",
                                                "Access-Control-Request-Method": "GET"}),
        client.get("/api/no-existe", headers={"X-Request-ID": "rid-4"}),
        client.get("/api/health", headers={"X-Request-ID": "rid-5"}),
    ]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    lines = [{k: v for k, v in line.items() if k not in ("time", "duration_ms", "user_id")}
             for line in lines if line["logger"] == "inventory_auth.access"]
    return [(a.status_code, list(a.headers.items()), a.get_data()) for a in answers], lines


def test_one_hook_each_way_answers_as_separate_hooks(make_app, capsys):
    ours = make_app(CORS_ORIGINS=ORIGIN)
    theirs = make_app(CORS_ORIGINS=ORIGIN)
    assert ours.before_request_funcs[None][0] is hooks.before_request
    assert ours.after_request_funcs[None][0] is hooks.after_request
    separate_hooks(theirs)
    our_origins, their_origins = [], []
    _, token = Accounts(ours.test_client()).token()
    our_answers, our_lines = exchange(ours.test_client(), capsys, our_origins, token)
    their_answers, their_lines = exchange(theirs.test_client(), capsys, their_origins, token)
    assert [answer[0] for answer in our_answers] == [200, 401, 200, 404, 200]
    assert ("Access-Control-Allow-Origin", ORIGIN) in our_answers[0][1]
    assert our_answers == their_answers
    assert our_lines == their_lines and len(our_lines) == 5
    assert [(o.ip_address, o.user_agent) for o in our_origins] == [
        (o.ip_address, o.user_agent) for o in their_origins]
    assert ("127.0.0.1", "ua/1") in [(o.ip_address, o.user_agent) for o in our_origins]
