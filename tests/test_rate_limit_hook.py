"""Flask-Limiter's per-request hook is dropped while every limit sits on its own route
(web/rate_limits.py): routes with a limit still answer 429, the others never pay for the check."""

import pytest
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from inventory_auth.extensions import limiter
from inventory_auth.web import rate_limits

from helpers import PASSWORD, Accounts, bearer


def test_no_per_request_hook_while_every_limit_is_on_its_route(make_app):
    app = make_app(RATE_LIMITS_ENABLED="true")
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert not rate_limits.needs_request_hook(limiter)


def test_a_limited_route_still_answers_429(make_app):
    app = make_app(RATE_LIMITS_ENABLED="true", LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    user = Accounts(client).register()
    answers = [client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]


def test_unlimited_routes_answer_as_before(make_app):
    app = make_app(RATE_LIMITS_ENABLED="true", LOGIN_RATE_LIMIT="1000 per minute")
    client = app.test_client()
    _, token = Accounts(client).token()
    assert {client.get("/api/auth/me", headers=bearer(token)).status_code for _ in range(30)} == {200}


@pytest.mark.parametrize("limits", [{"default_limits": ["5 per minute"]},
                                    {"application_limits": ["5 per minute"]}])
def test_the_hook_stays_when_a_limit_needs_it(limits):
    from flask import Flask

    app = Flask(__name__)
    other = Limiter(key_func=get_remote_address, app=app, **limits)
    assert rate_limits.needs_request_hook(other)
    rate_limits.init_app(app, other)
    assert other._check_request_limit in app.before_request_funcs[None]
