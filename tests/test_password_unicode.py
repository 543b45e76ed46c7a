"""Passwords are compared in Unicode NFKC form: the same password typed on another keyboard or
system (composed or decomposed accents, full-width characters) is the same password."""

import unicodedata

import bcrypt
import pytest
from werkzeug.security import generate_password_hash

from inventory_auth.security import password_policy, passwords

from helpers import registration

PHRASE = "Señal del ñandú en la bodega 42"
NFC = unicodedata.normalize("NFC", PHRASE)
NFD = unicodedata.normalize("NFD", PHRASE)
FAST = "pbkdf2:sha256:1000"




@pytest.mark.parametrize("registered, typed", [(NFC, NFD), (NFD, NFC)])
def test_register_in_one_form_and_log_in_with_the_other(client, registered, typed):
    assert NFC != NFD
    body = registration(email="teclado@sena.edu.co", password=registered)
    assert client.post("/api/auth/register", json=body).status_code == 201
    response = client.post("/api/auth/login", json={"email": "teclado@sena.edu.co", "password": typed})
    assert response.status_code == 200, response.get_json()


def test_full_width_characters_are_the_ordinary_ones(client):
    body = registration(email="ancho@sena.edu.co", password="Ｃｏｒｒｅｃｔｏ ｃａｂａｌｌｏ ４２")
    assert client.post("/api/auth/register", json=body).status_code == 201
    login = {"email": "ancho@sena.edu.co", "password": "Correcto caballo 42"}
    assert client.post("/api/auth/login", json=login).status_code == 200


def test_the_policy_judges_the_normalized_form(policy_app):
    with policy_app.app_context():
        assert password_policy.problems("ｓｅｎａ２０２４") == [password_policy.TOO_COMMON]


def test_a_werkzeug_hash_is_checked_against_the_normalized_form_only(app, hash_checks):
    """One form per check, so that a password NFKC changes costs no more than another: a hash
    made from the raw form of such a password (before passwords were normalized) no longer
    verifies; its owner resets the password (docs/security.md, "Password storage")."""
    old = generate_password_hash(NFD, FAST)
    with app.app_context():
        hash_checks.clear()
        assert not passwords.verify(NFD, old).ok
        assert [method for method, _ in hash_checks].count("werkzeug") == 1
        renewed = passwords.hash_password(NFD)
        assert passwords.verify(NFD, renewed) == (True, False)
        assert passwords.verify(NFC, renewed) == (True, False)  # either form logs in


def test_the_current_form_needs_no_rehash(app):
    with app.app_context():
        assert passwords.verify(NFC, passwords.hash_password(NFC)) == (True, False)


@pytest.mark.parametrize("registered, typed, ok", [(NFD, NFD, True), (NFC, NFC, True), (NFC, NFD, False)])
def test_previous_backend_bcrypt_hash_of_the_raw_bytes_verifies(app, registered, typed, ok):
    """passlib hashed the raw UTF-8 bytes (the first 72), and the previous backend checks the
    password as typed: so does this service, for a bcrypt hash (and only that form)."""
    legacy = bcrypt.hashpw(registered.encode()[:72], bcrypt.gensalt(4)).decode()
    with app.app_context():
        assert passwords.verify(typed, legacy) == ((True, True) if ok else (False, False))


def test_long_bcrypt_password_of_non_ascii_characters_verifies(app):
    long_password = NFD * 3  # well beyond 72 bytes
    legacy = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    with app.app_context():
        assert passwords.verify(long_password, legacy).ok
        assert not passwords.verify("x" + long_password, legacy).ok


@pytest.fixture
def policy_app(make_app):
    return make_app()
