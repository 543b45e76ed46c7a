"""Property tests (hypothesis) where the logic is dense: password policy, email normalization,
token parsing. Each property holds for every input hypothesis can find, not only the examples
written by hand in test_password_policy.py, test_register.py and test_tokens.py.

Example counts are bounded (`derandomize=True`: the same inputs on every run, so a CI failure
reproduces locally) to keep the module at a few seconds per database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import string
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from email_validator import EmailNotValidError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inventory_auth.security import password_policy
from inventory_auth.web.fields import normalize_email

from helpers import PASSWORD, TEST_SECRET, bearer

INVALID = {"detail": "Token inválido o expirado"}
ACCEPTED_DETAILS = {None, password_policy.TOO_COMMON, password_policy.CONTAINS_PERSONAL}

fast = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
with_app = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def policy_app(make_app):
    return make_app()


# --- Password policy -------------------------------------------------------------------------

ACCENTS = "\u0301\u0300\u0308\u0303"  # combining acute, grave, diaeresis, tilde
SYMBOLS = string.punctuation + " "


def dress(word: str, data, between: str = SYMBOLS) -> str:
    """`word` with random case, combining accents on its letters, and characters of `between`
    anywhere (symbols and spaces by default)."""
    out = []
    for letter in word:
        out.append(data.draw(st.text(between, max_size=2)))
        letter = letter.upper() if data.draw(st.booleans()) else letter
        out.append(letter + data.draw(st.text(ACCENTS, max_size=1)))
    out.append(data.draw(st.text(between, max_size=3)))
    return unicodedata.normalize("NFC", "".join(out))


def letters_only_common_words():
    return [word for word in password_policy.common_words() if re.fullmatch(r"[a-z]+", word)]


@fast
@given(password=st.text(min_size=1, max_size=160))
def test_policy_answers_every_text_with_a_known_verdict(policy_app, password):
    with policy_app.app_context():
        verdict = password_policy.problems(password, email="ana.perez@sena.edu.co",
                                           first_name="Ana", last_name="Pérez")
    assert len(verdict) <= 1
    assert (verdict[0] if verdict else None) in ACCEPTED_DETAILS


@fast
@given(data=st.data())
def test_a_common_word_dressed_up_is_still_common(policy_app, data):
    word = data.draw(st.sampled_from(letters_only_common_words()))
    password = dress(word, data, between=SYMBOLS + string.digits)  # `s3n4 2024!` is still `sena`
    with policy_app.app_context():
        assert password_policy.problems(password) == [password_policy.TOO_COMMON], password


NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñü", min_size=4, max_size=12)


@fast
@given(data=st.data(), first=NAME, last=NAME, prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_a_password_holding_the_users_name_is_refused(policy_app, data, first, last, prefix, suffix):
    # The name whose folded form (no accents, no case) is at least 4 characters long.
    name = data.draw(st.sampled_from([first, last]))
    assume(len(password_policy._fold(name)) >= 4)
    password = prefix + dress(name, data) + suffix
    with policy_app.app_context():
        verdict = password_policy.problems(password, first_name=first.title(), last_name=last.title())
    assert verdict == [password_policy.CONTAINS_PERSONAL], password


@fast
@given(local=st.from_regex(r"[a-z]{4,10}(\.[a-z]{4,10})?", fullmatch=True), data=st.data())
def test_a_password_holding_the_email_local_part_is_refused(policy_app, local, data):
    email = f"{local}@sena.edu.co"
    piece = data.draw(st.sampled_from([local, *local.split(".")]))
    password = "Zq" + dress(piece, data) + "7#k"
    with policy_app.app_context():
        assert password_policy.problems(password, email=email) == [password_policy.CONTAINS_PERSONAL]


def test_the_domain_of_the_email_is_not_personal(policy_app):
    """The whole centre shares it: `sena` in a password is judged as a word, not as personal."""
    with policy_app.app_context():
        assert password_policy.problems("Correcto caballo sena edu 42", email="ana@sena.edu.co") == []


# --- Email normalization ---------------------------------------------------------------------

@fast
@given(text=st.text(max_size=300))
def test_normalize_email_accepts_or_refuses_but_never_crashes(text):
    try:
        normalized = normalize_email(text)
    except EmailNotValidError:
        return
    assert normalized == normalized.lower()
    assert normalize_email(normalized) == normalized


LOCAL = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,20}[A-Za-z0-9])?", fullmatch=True)
DOMAIN = st.from_regex(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?\.){1,3}(?:com|co|org|edu)",
                       fullmatch=True)


def recase(text: str, flips: list[bool]) -> str:
    """`text` with the case of each character swapped where `flips` says so."""
    flips = (flips + [False] * len(text))[: len(text)]
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=True))


@fast
@given(local=LOCAL, domain=DOMAIN, flips=st.lists(st.booleans(), min_size=60, max_size=60))
def test_normalized_email_ignores_case_and_is_idempotent(local, domain, flips):
    email = f"{local}@{domain}"
    try:
        normalized = normalize_email(email)
    except EmailNotValidError:
        assume(False)
    recased = recase(email, flips)
    assert normalize_email(recased) == normalized
    assert normalize_email(normalized) == normalized
    assert normalized == normalized.lower() and normalized.count("@") == 1


@with_app
@given(local=LOCAL, flips=st.lists(st.booleans(), min_size=30, max_size=30))
def test_one_account_per_email_whatever_its_case(make_app, local, flips):
    """Register with one spelling; log in and register again with another: one account."""
    app = make_app(RATE_LIMITS_ENABLED="false")
    client = app.test_client()
    email = f"{local}.{uuid.uuid4().hex[:8]}@Sena.Edu.Co"
    other = recase(email, flips)
    body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Pérez",
            "role": "student", "phone": None, "program": None}
    created = client.post("/api/auth/register", json=body)
    assume(created.status_code == 201)  # an address email-validator refuses is not this property
    again = client.post("/api/auth/register", json={**body, "email": other})
    assert again.status_code == 400
    assert again.get_json() == {"detail": "El correo electrónico ya está registrado"}
    login = client.post("/api/auth/login", json={"email": other, "password": PASSWORD})
    assert login.status_code == 200
    assert login.get_json()["user"]["id"] == created.get_json()["id"]


# --- Token parsing ---------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
CLAIM_NAMES = ["sub", "sid", "role", "type", "exp", "iat", "nbf", "jti", "fresh", "iss", "aud"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, key: str = TEST_SECRET, header: dict | None = None) -> str:
    """An HS256 JWT of any claims at all (PyJWT's encoder would refuse some: a non-string `iss`)."""
    head = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


ANONYMOUS = {"sub": "9b2f3c4d-0000-4000-8000-000000000000", "sid": "9b2f3c4d-0000-4000-8000-000000000001",
             "role": "student"}


@st.composite
def signed_claims(draw, base=ANONYMOUS):
    """The claims of a good access token of `base`'s user and session, up to four of them
    removed or replaced by any JSON value."""
    now = datetime.now(UTC)
    claims = {
        **base, "type": "access", "fresh": False, "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    for name in draw(st.lists(st.sampled_from(CLAIM_NAMES), unique=True, max_size=4)):
        if draw(st.booleans()):
            claims.pop(name, None)
        else:
            claims[name] = draw(JSON_VALUES)
    return claims


@st.composite
def garbage_tokens(draw):
    kind = draw(st.sampled_from(["text", "segments", "alg", "claims"]))
    if kind == "text":
        return draw(st.text(alphabet=string.printable.strip() + " ", max_size=300))
    if kind == "segments":  # three base64 parts of arbitrary bytes: a JWT's shape, not its content
        return ".".join(b64(draw(st.binary(max_size=60))) for _ in range(3))
    if kind == "alg":  # a header naming another algorithm, none included
        header = {"alg": draw(st.sampled_from(["none", "None", "HS384", "HS512", "RS256", "ES256", ""])),
                  "typ": "JWT"}
        payload = draw(signed_claims())
        signature = draw(st.sampled_from(["", b64(b"x" * 32)]))
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{signature}"
    # Signed with a key that is not the service's.
    key = draw(st.text(min_size=32, max_size=64).filter(lambda k: k != TEST_SECRET))
    return sign(draw(signed_claims()), key)


@with_app
@given(token=garbage_tokens(), scheme=st.sampled_from(["Bearer ", "bearer ", "Bearer  ", ""]))
def test_garbage_or_forged_tokens_are_401_json(policy_app, token, scheme):
    client = policy_app.test_client()
    for method, path in (("GET", "/api/auth/me"), ("POST", "/api/auth/logout"), ("PUT", "/api/auth/me")):
        response = client.open(path, method=method, headers={"Authorization": scheme + token},
                               json={} if method == "PUT" else None)
        assert response.status_code == 401, (path, response.status_code, response.get_json())
        assert response.get_json() == INVALID
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.fixture
def real_session(policy_app):
    """`sub`, `sid` and `role` of a live session of a real user."""
    from inventory_auth import sessions
    from inventory_auth.accounts import create_user
    from inventory_auth.extensions import db

    with policy_app.app_context():
        user = create_user(email="prop.token@sena.edu.co", password=PASSWORD, first_name="Prop",
                           last_name="Token", role="student")
        pair = sessions.start(user)
        db.session.commit()
        claims = pyjwt.decode(pair["access_token"], TEST_SECRET, algorithms=["HS256"])
    return {name: claims[name] for name in ("sub", "sid", "role")}


@with_app
@given(data=st.data())
def test_validly_signed_tokens_with_any_claims_never_crash(policy_app, real_session, data):
    """Signed with the real key, so only the claims can be wrong: the token works only while
    it names the real user, session and role; otherwise 401 (or the previous backend's 404 for a
    well-formed token naming no user). Never a 500, whatever the claims hold."""
    claims = data.draw(signed_claims(real_session))
    response = policy_app.test_client().get("/api/auth/me", headers=bearer(sign(claims)))
    assert response.status_code in (200, 401, 404), (claims, response.status_code, response.get_json())
    if response.status_code == 200:
        assert {name: claims.get(name) for name in real_session} == real_session
        assert claims.get("type", "access") == "access"
        assert response.get_json()["id"] == real_session["sub"]
    elif response.status_code == 401:
        assert response.get_json() == INVALID
    else:
        assert response.get_json() == {"detail": "Usuario no encontrado"}


@with_app
@given(token=garbage_tokens() | signed_claims().map(lambda claims: sign({**claims, "type": "refresh"})))
def test_garbage_refresh_tokens_are_401_or_422(policy_app, token):
    response = policy_app.test_client().post("/api/auth/refresh", json={"refresh_token": token})
    assert response.status_code in (401, 422), response.get_json()
    if response.status_code == 401:
        assert response.get_json() == INVALID
