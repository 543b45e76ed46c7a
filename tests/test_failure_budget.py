"""The per-address failure budget (security/failure_budget.py): wrong passwords, policy-failing
new passwords and bad reset tokens spend it; once spent, the address is refused (429 with
Retry-After) before any lookup or hash, while other addresses and successes are untouched.
Password-reset confirmation also has a plain per-address limit."""

import pytest

from helpers import PASSWORD, Accounts, bearer, registration

BUDGET = "3 per minute"
OVER = "Demasiados intentos fallidos desde esta red. Intente de nuevo en"
NEW = "Otra clave muy propia 93"
LAB, HOME = {"REMOTE_ADDR": "10.1.1.1"}, {"REMOTE_ADDR": "10.2.2.2"}


@pytest.fixture
def budget_app(make_app):
    return make_app(FAILURE_RATE_LIMIT=BUDGET, LOCKOUT_THRESHOLD="50")


def login(client, email, password, where=LAB):
    return client.post("/api/auth/login", json={"email": email, "password": password}, environ_base=where)


def test_failed_logins_spend_the_address_budget_then_it_is_refused_before_any_hash(budget_app, hash_checks):
    client = budget_app.test_client()
    helper = Accounts(client)
    users = [helper.register() for _ in range(4)]
    for user in users[:3]:
        assert login(client, user["email"], "no es la clave").status_code == 401
    hash_checks.clear()
    refused = login(client, users[3]["email"], PASSWORD)
    assert refused.status_code == 429
    assert refused.get_json()["detail"].startswith(OVER)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert hash_checks == []  # refused before the lookup and the hash
    # Another address is not affected, nor are the accounts.
    assert login(client, users[3]["email"], PASSWORD, where=HOME).status_code == 200


def test_successes_spend_nothing(budget_app):
    client = budget_app.test_client()
    helper = Accounts(client)
    user = helper.register()
    for _ in range(2):
        assert login(client, user["email"], "no es la clave").status_code == 401
    for _ in range(10):
        assert login(client, user["email"], PASSWORD).status_code == 200
    assert login(client, user["email"], "no es la clave").status_code == 401
    assert login(client, user["email"], PASSWORD).status_code == 429


def test_a_taken_email_spends_nothing(budget_app):
    """A class registering one shared email by mistake is told so every time: the check is cheap
    (before any hash), so it is not a costly failure."""
    client = budget_app.test_client()
    Accounts(client).register(email="comun@sena.edu.co")
    for _ in range(6):
        answer = client.post("/api/auth/register", json=registration(email="comun@sena.edu.co"),
                             environ_base=LAB)
        assert answer.status_code == 400


def test_weak_passwords_wrong_current_passwords_and_bad_reset_tokens_spend_it(budget_app):
    client = budget_app.test_client()
    _, token = Accounts(client).token()
    weak = client.post("/api/auth/register", environ_base=LAB,
                       json=registration(email="debil@sena.edu.co", password="password1"))
    assert weak.status_code == 422
    wrong = client.post("/api/auth/me/change-password", headers=bearer(token), environ_base=LAB,
                        json={"current_password": "no es la clave", "new_password": NEW})
    assert wrong.status_code == 400
    bad = client.post("/api/auth/password-reset/confirm", environ_base=LAB,
                      json={"token": "x" * 43, "new_password": "Otra clave muy propia 93"})
    assert bad.status_code == 400
    # Spent: even a valid request from that address is refused, on every endpoint that checks.
    again = client.post("/api/auth/register", json=registration(email="buena@sena.edu.co"), environ_base=LAB)
    assert again.status_code == 429
    changed = client.post("/api/auth/me/change-password", headers=bearer(token), environ_base=LAB,
                          json={"current_password": PASSWORD, "new_password": "Otra clave muy propia 93"})
    assert changed.status_code == 429
    elsewhere = client.post("/api/auth/register", json=registration(email="buena@sena.edu.co"),
                            environ_base=HOME)
    assert elsewhere.status_code == 201


def test_the_budget_goes_with_the_other_limits(make_app):
    app = make_app(FAILURE_RATE_LIMIT=BUDGET, RATE_LIMITS_ENABLED="false", LOCKOUT_THRESHOLD="50")
    client = app.test_client()
    user = Accounts(client).register()
    for _ in range(5):
        assert login(client, user["email"], "no es la clave").status_code == 401
    assert login(client, user["email"], PASSWORD).status_code == 200


def test_password_reset_confirmation_is_limited_per_address(make_app):
    app = make_app(PASSWORD_RESET_CONFIRM_RATE_LIMIT="2 per minute")
    client = app.test_client()
    body = {"token": "y" * 43, "new_password": "Otra clave muy propia 93"}
    statuses = [client.post("/api/auth/password-reset/confirm", json=body, environ_base=LAB).status_code
                for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert client.post("/api/auth/password-reset/confirm", json=body, environ_base=HOME).status_code == 400


@pytest.mark.parametrize("name", ["FAILURE_RATE_LIMIT", "PASSWORD_RESET_CONFIRM_RATE_LIMIT"])
def test_bad_limits_stop_with_one_line(make_app, name):
    from inventory_auth.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=name):
        make_app(**{name: "many per minute"})
