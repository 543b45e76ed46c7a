"""Password hashing: the configured method, re-hashing, and the previous backend's bcrypt hashes."""

import uuid

import bcrypt
import pytest

from inventory_auth.security import passwords

from helpers import PASSWORD, set_hash, stored_hash


def test_default_method_meets_owasp(tmp_path):
    from inventory_auth.config import load_config

    config = load_config(str(tmp_path), {"APP_ENV": "development"})
    assert config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:600000"


def test_new_hashes_use_the_configured_method(app, accounts):
    user = accounts.register()
    assert stored_hash(app, user["email"]).startswith("pbkdf2:sha256:1000$")


def test_a_hash_with_other_parameters_is_rehashed_on_login(app, accounts):
    user = accounts.register()
    with app.app_context():
        set_hash(app, user["email"], passwords.generate_password_hash(PASSWORD, "pbkdf2:sha256:2000"))
    accounts.login(user["email"])
    assert stored_hash(app, user["email"]).startswith("pbkdf2:sha256:1000$")


def test_a_failed_login_does_not_rehash(app, client, accounts):
    user = accounts.register()
    old = passwords.generate_password_hash(PASSWORD, "pbkdf2:sha256:2000")
    set_hash(app, user["email"], old)
    client.post("/api/auth/login", json={"email": user["email"], "password": "no es la clave"})
    assert stored_hash(app, user["email"]) == old


def test_previous_backend_bcrypt_hash_verifies_and_is_replaced(app, accounts):
    user = accounts.register()
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
    assert legacy.startswith("$2b$12$")
    set_hash(app, user["email"], legacy)
    body = accounts.login(user["email"])
    assert body["user"]["id"] == user["id"]
    assert stored_hash(app, user["email"]).startswith("pbkdf2:sha256:1000$")
    accounts.login(user["email"])  # and the new hash verifies too


def test_bcrypt_hash_refuses_a_wrong_password(app, client, accounts):
    user = accounts.register()
    set_hash(app, user["email"], bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode())
    response = client.post("/api/auth/login", json={"email": user["email"], "password": "otra cosa"})
    assert response.status_code == 401


def test_long_legacy_password_verifies_as_passlib_did_and_is_then_hashed_whole(app, client, accounts):
    """passlib's bcrypt read only the first 72 bytes; once re-hashed, the whole password counts."""
    user = accounts.register()
    long_password = "una frase muy larga del inventario " * 3  # 105 bytes
    set_hash(app, user["email"], bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode())
    accounts.login(user["email"], long_password)
    truncated_only = long_password[:72] + "distinto al final"
    response = client.post("/api/auth/login", json={"email": user["email"], "password": truncated_only})
    assert response.status_code == 401


@pytest.mark.parametrize("stored", [None, "", "basura", "$2b$12$corto", "desconocido:1$sal$hash"])
def test_malformed_hashes_never_verify_nor_raise(app, stored):
    with app.app_context():
        assert passwords.verify_password(PASSWORD, stored) is False


def test_unknown_email_spends_a_verification(app, client, monkeypatch):
    calls = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client.post("/api/auth/login", json={"email": f"{uuid.uuid4().hex}@sena.edu.co", "password": "x" * 9})
    assert len(calls) == 1 and calls[0].startswith("pbkdf2:sha256:1000$")
