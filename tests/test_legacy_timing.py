"""A wrong password costs the same work whatever the account's hash, and as an unknown email.

An account still on the previous backend's bcrypt hash used to answer a wrong password in
bcrypt's time (~240 ms of CPU), others in PBKDF2's (~140 ms): a few attempts told the dormant
accounts of the previous backend apart. Now every failure spends one check in the current
method and one bcrypt check at LEGACY_BCRYPT_ROUNDS, and no more for a password that Unicode
normalization changes (it once spent both checks for each of its two forms).
Counting the checks, not timing them, keeps the test exact on a loaded machine.
"""

import uuid

import bcrypt
import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import User
from inventory_auth.security import passwords

from helpers import PASSWORD, set_hash


@pytest.mark.parametrize("wrong", [
    "no es la clave 7",  # NFKC leaves it alone
    "no es la cla\u0301ve 7",  # NFKC composes the accent
    "ｎｏ ｅｓ ｌａ ｃｌａｖｅ ７",  # NFKC makes it ASCII
])
def test_every_failed_login_spends_the_same_checks(app, client, accounts, hash_checks, wrong):
    migrated = accounts.register()
    legacy = accounts.register()
    # As the previous backend stored them, at the cost the service is configured with (4 in tests).
    set_hash(app, legacy["email"], bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode())
    spent = {}
    for name, email in [("migrated", migrated["email"]), ("legacy", legacy["email"]),
                        ("unknown", f"{uuid.uuid4().hex}@sena.edu.co")]:
        hash_checks.clear()
        response = client.post("/api/auth/login", json={"email": email, "password": wrong})
        assert response.status_code == 401
        spent[name] = sorted(hash_checks)
    expected = sorted([("bcrypt", "$2b$04$"), ("werkzeug", "pbkdf2:sha256:1000")])
    assert spent == {"migrated": expected, "legacy": expected, "unknown": expected}


def test_old_passwords_still_log_in_and_are_rehashed_once(app, accounts, hash_checks):
    user = accounts.register()
    set_hash(app, user["email"], bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode())
    accounts.login(user["email"])
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.email == user["email"]))
    assert stored.startswith("pbkdf2:sha256:1000$")
    hash_checks.clear()
    accounts.login(user["email"])
    assert hash_checks == [("werkzeug", "pbkdf2:sha256:1000")]  # a success spends only its own check


def test_without_legacy_hashes_the_bcrypt_check_can_be_turned_off(make_app, hash_checks):
    app = make_app(LEGACY_BCRYPT_ROUNDS="0")
    with app.app_context():
        passwords.burn_verify("cualquier clave")
    assert hash_checks == [("werkzeug", "pbkdf2:sha256:1000")]


@pytest.mark.parametrize("value", ["3", "32", "-1"])
def test_legacy_rounds_are_checked(tmp_path, value):
    from inventory_auth.config import ConfigurationError, load_config

    with pytest.raises(ConfigurationError, match="LEGACY_BCRYPT_ROUNDS"):
        load_config(str(tmp_path), {"APP_ENV": "development", "LEGACY_BCRYPT_ROUNDS": value})
