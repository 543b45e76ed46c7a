"""PASSWORD_HASH_METHOD=bcrypt: hashes the previous backend can read, for the way back.

passlib's bcrypt, which the previous backend verified with, checks `bcrypt.checkpw` of the raw
password's first 72 bytes against a `$2b$` hash: `readable_by_previous_backend` does exactly that.
"""

import uuid

import bcrypt
import pytest

from inventory_auth.security import passwords

from helpers import PASSWORD, bearer, set_hash, stored_hash

# NFKC changes it (a decomposed accent, a ligature, full-width digits): the raw form is hashed.
UNNORMALIZED = "La cla\u0301ve del \ufb01cus es \uff14\uff12 siempre"
# 73 bytes: 71 ASCII characters and an ñ.
TOO_LONG = "Esta frase de paso sirve para el ambiente doscientos cuatro del centro " + "ñ"
JUST_FITS = TOO_LONG[:-2] + "ñ"  # 72 bytes
assert len(TOO_LONG.encode()) == 73 and len(JUST_FITS.encode()) == 72


def readable_by_previous_backend(stored: str, password: str, cost: int) -> bool:
    return stored.startswith(f"$2b${cost:02d}$") and bcrypt.checkpw(password.encode()[:72], stored.encode())


@pytest.fixture
def bcrypt_app(make_app):
    return make_app(PASSWORD_HASH_METHOD="bcrypt", PASSWORD_BCRYPT_ROUNDS="4")


@pytest.fixture
def client(bcrypt_app):
    return bcrypt_app.test_client()






def register(client, email, password):
    return client.post("/api/auth/register", json={
        "email": email, "password": password, "first_name": "Ana", "last_name": "Ruiz",
        "role": "student"})


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_new_hashes_are_the_previous_backends_of_the_password_as_typed(bcrypt_app, client):
    assert register(client, "ana@sena.edu.co", UNNORMALIZED).status_code == 201

    stored = stored_hash(bcrypt_app, "ana@sena.edu.co")

    assert readable_by_previous_backend(stored, UNNORMALIZED, 4)
    assert not bcrypt.checkpw(passwords.normalize(UNNORMALIZED).encode(), stored.encode())
    assert login(client, "ana@sena.edu.co", UNNORMALIZED).status_code == 200
    assert stored_hash(bcrypt_app, "ana@sena.edu.co") == stored  # kept: no rehash


def test_the_previous_backends_hashes_are_kept_at_login(bcrypt_app, client):
    register(client, "viejo@sena.edu.co", PASSWORD)
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4, prefix=b"2b")).decode()
    set_hash(bcrypt_app, "viejo@sena.edu.co", legacy)

    assert login(client, "viejo@sena.edu.co", PASSWORD).status_code == 200

    assert stored_hash(bcrypt_app, "viejo@sena.edu.co") == legacy


def test_a_hash_at_another_cost_is_replaced(bcrypt_app, client):
    register(client, "coste@sena.edu.co", PASSWORD)
    set_hash(bcrypt_app, "coste@sena.edu.co",
             bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(5)).decode())
    assert login(client, "coste@sena.edu.co", PASSWORD).status_code == 200
    assert readable_by_previous_backend(stored_hash(bcrypt_app, "coste@sena.edu.co"), PASSWORD, 4)


def test_a_hash_made_here_before_is_made_readable_again_at_login(make_app, bcrypt_app, client):
    default = make_app().test_client()
    register(default, "migrada@sena.edu.co", UNNORMALIZED)
    assert stored_hash(bcrypt_app, "migrada@sena.edu.co").startswith("pbkdf2:")

    assert login(client, "migrada@sena.edu.co", UNNORMALIZED).status_code == 200

    assert readable_by_previous_backend(stored_hash(bcrypt_app, "migrada@sena.edu.co"), UNNORMALIZED, 4)


def test_switching_the_method_back_rehashes_at_the_next_login(make_app, bcrypt_app, client):
    register(client, "vuelta@sena.edu.co", UNNORMALIZED)
    assert stored_hash(bcrypt_app, "vuelta@sena.edu.co").startswith("$2b$04$")
    default = make_app().test_client()

    assert login(default, "vuelta@sena.edu.co", UNNORMALIZED).status_code == 200

    assert stored_hash(bcrypt_app, "vuelta@sena.edu.co").startswith("pbkdf2:sha256:1000$")
    assert login(default, "vuelta@sena.edu.co", passwords.normalize(UNNORMALIZED)).status_code == 200


def test_passwords_longer_than_72_bytes_are_refused_while_bcrypt_is_the_method(bcrypt_app, client):
    refused = register(client, "larga@sena.edu.co", TOO_LONG)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["password"] == [
        "La contraseña es demasiado larga: por ahora se admiten hasta 72 bytes "
        "(las letras con tilde y la ñ ocupan dos)."]

    assert register(client, "justa@sena.edu.co", JUST_FITS).status_code == 201
    tokens = login(client, "justa@sena.edu.co", JUST_FITS).get_json()
    changed = client.post("/api/auth/me/change-password", headers=bearer(tokens["access_token"]),
                          json={"current_password": JUST_FITS, "new_password": TOO_LONG})
    assert changed.status_code == 422
    assert "72 bytes" in str(changed.get_json()["errors"]["new_password"])

    result = bcrypt_app.test_cli_runner().invoke(
        args=["users", "set-password", "--password-stdin", "justa@sena.edu.co"], input=TOO_LONG)
    assert result.exit_code == 1
    assert "longer than 72 bytes" in result.output


def test_long_passwords_are_fine_with_the_other_methods(make_app):
    client = make_app().test_client()
    assert register(client, "larga@sena.edu.co", TOO_LONG).status_code == 201




@pytest.mark.parametrize("wrong", ["no es la clave 7", "no es la cla\u0301ve 7"])  # NFKC: same, changed
def test_every_failure_still_spends_the_same_checks(bcrypt_app, client, hash_checks, wrong):
    register(client, "nueva@sena.edu.co", PASSWORD)
    register(client, "vieja@sena.edu.co", PASSWORD)
    set_hash(bcrypt_app, "vieja@sena.edu.co", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode())
    spent = {}
    for name, email in [("new", "nueva@sena.edu.co"), ("previous backend's", "vieja@sena.edu.co"),
                        ("unknown", f"{uuid.uuid4().hex}@sena.edu.co")]:
        hash_checks.clear()
        assert login(client, email, wrong).status_code == 401
        spent[name] = sorted(hash_checks)

    # One check in the current method (bcrypt, cost 4) and one at LEGACY_BCRYPT_ROUNDS (4).
    expected = [("bcrypt", "$2b$04$")] * 2
    assert spent == {"new": expected, "previous backend's": expected, "unknown": expected}


def test_a_success_spends_only_its_own_check(bcrypt_app, client, hash_checks):
    register(client, "una@sena.edu.co", PASSWORD)
    hash_checks.clear()
    assert login(client, "una@sena.edu.co", PASSWORD).status_code == 200
    assert hash_checks == [("bcrypt", "$2b$04$")]
