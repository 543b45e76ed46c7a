"""A wrong password costs one check, and lasts as long, whatever the account's hash or none.

An account still on the previous backend's bcrypt hash used to answer a wrong password in
bcrypt's time (~240 ms), others in PBKDF2's (~140 ms): a few attempts told the dormant accounts of
the previous backend apart. Then every failure spent both checks (~2.7 hashes of CPU). Now a
failure spends the one check it needs and sleeps, out of the hashing slot, for the difference to
the other kind's measured duration. Counting the checks, and timing them on a fake clock, keeps
the tests exact on a loaded machine.
"""

import uuid

import bcrypt
import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import User
from inventory_auth.security import passwords

from helpers import PASSWORD, set_hash

WRONG = [
    "no es la clave 7",  # NFKC leaves it alone
    "no es la cla\u0301ve 7",  # NFKC composes the accent
    "ｎｏ ｅｓ ｌａ ｃｌａｖｅ ７",  # NFKC makes it ASCII
]
CURRENT, LEGACY = ("werkzeug", "pbkdf2:sha256:1000"), ("bcrypt", "$2b$04$")


def accounts_of_each_kind(app, accounts) -> dict[str, str]:
    """name -> email: migrated, still on the previous backend's bcrypt (at the cost the service
    is configured with, 4 in tests), invited (no password yet), unknown."""
    migrated, legacy, invited = accounts.register(), accounts.register(), accounts.register()
    set_hash(app, legacy["email"], bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode())
    set_hash(app, invited["email"], passwords.unusable_hash())
    return {"migrated": migrated["email"], "legacy": legacy["email"], "invited": invited["email"],
            "unknown": f"{uuid.uuid4().hex}@sena.edu.co"}


@pytest.mark.parametrize("wrong", WRONG)
def test_every_failed_login_spends_exactly_one_check(app, client, accounts, hash_checks, wrong):
    spent = {}
    for name, email in accounts_of_each_kind(app, accounts).items():
        hash_checks.clear()
        response = client.post("/api/auth/login", json={"email": email, "password": wrong})
        assert response.status_code == 401
        spent[name] = hash_checks[:]
    assert spent == {"migrated": [CURRENT], "legacy": [LEGACY], "invited": [CURRENT], "unknown": [CURRENT]}


@pytest.fixture
def fake_time(monkeypatch):
    """A fake clock on which a check in the current method takes `took["werkzeug"]` seconds and a
    bcrypt check `took["bcrypt"]`; the dummies were made in 0.14 and 0.23 s. Records the sleeps,
    and each login's whole duration on that clock in `walls`."""
    now = [0.0]
    took = {"werkzeug": 0.14, "bcrypt": 0.23}
    slept = []
    real_werkzeug, real_bcrypt = passwords.check_password_hash, bcrypt.checkpw

    def werkzeug_check(stored, password):
        now[0] += took["werkzeug"]
        return real_werkzeug(stored, password)

    def bcrypt_check(password, stored):
        now[0] += took["bcrypt"]
        return real_bcrypt(password, stored)

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    monkeypatch.setattr(passwords, "check_password_hash", werkzeug_check)
    monkeypatch.setattr(bcrypt, "checkpw", bcrypt_check)
    monkeypatch.setattr(passwords, "clock", lambda: now[0])
    monkeypatch.setattr(passwords, "sleep", sleep)
    monkeypatch.setattr(passwords, "_made_in", {"pbkdf2:sha256:1000": 0.14, "bcrypt:4": 0.23})
    monkeypatch.setattr(passwords, "_check_times", {})
    return now, took, slept


def login_wall(client, now, email, password):
    started = now[0]
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    return response.status_code, round(now[0] - started, 6)


@pytest.mark.parametrize("wrong", WRONG)
def test_a_failure_sleeps_the_other_kinds_measured_difference(app, client, accounts, fake_time, wrong):
    now, took, slept = fake_time
    emails = accounts_of_each_kind(app, accounts)
    walls = {}
    for name, email in emails.items():
        slept.clear()
        status, walls[name] = login_wall(client, now, email, wrong)
        assert status == 401
        # A check in the current method is padded to bcrypt's 0.23 s; bcrypt's own is not padded.
        assert slept == ([] if name == "legacy" else [0.09]), name
    assert walls == dict.fromkeys(emails, 0.23)


def test_the_padding_follows_the_machine_under_load(app, client, accounts, fake_time):
    """Checks that stretch (a busy machine) stretch the padding with them, bcrypt's included,
    measured only through the checks in the current method that every failure makes."""
    now, took, slept = fake_time
    emails = accounts_of_each_kind(app, accounts)
    took.update(werkzeug=0.28, bcrypt=0.46)  # twice as slow
    with app.app_context():  # failures seen by the process (not over HTTP: the address budget)
        paddings = [passwords.burn_verify("una clave cualquiera") for _ in range(40)]
    assert paddings[-1] == pytest.approx(0.18, abs=1e-3)
    walls = {name: login_wall(client, now, email, WRONG[0])[1] for name, email in emails.items()}
    assert walls == pytest.approx(dict.fromkeys(emails, 0.46), abs=1e-3)


def test_a_success_is_not_padded_and_is_rehashed(app, accounts, hash_checks, fake_time):
    now, took, slept = fake_time
    user = accounts.register()
    set_hash(app, user["email"], bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode())
    accounts.login(user["email"])
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.email == user["email"]))
    assert stored.startswith("pbkdf2:sha256:1000$")
    hash_checks.clear()
    accounts.login(user["email"])
    assert hash_checks == [CURRENT]  # a success spends only its own check
    assert slept == []


def test_without_legacy_hashes_nothing_is_padded(make_app, hash_checks, fake_time):
    now, took, slept = fake_time
    app = make_app(LEGACY_BCRYPT_ROUNDS="0")
    with app.app_context():
        assert passwords.burn_verify("cualquier clave") == 0
        assert passwords.verify("otra clave", passwords.hash_password(PASSWORD)).pad == 0
    assert hash_checks == [CURRENT, CURRENT] and slept == []


def test_the_running_durations():
    times = passwords.CheckTimes(current=0.14, legacy=0.23)
    assert (times.pad(passwords.CURRENT), times.pad(passwords.LEGACY)) == pytest.approx((0.09, 0))
    times.saw(passwords.LEGACY, 0.28)  # a real bcrypt check, slower than thought
    assert times.legacy == pytest.approx(0.23 + 0.05 * passwords.SMOOTHING)
    slower_current = passwords.CheckTimes(current=0.3, legacy=0.2)  # e.g. scrypt as the method
    assert slower_current.pad(passwords.LEGACY) == pytest.approx(0.1)
    assert slower_current.pad(passwords.CURRENT) == 0


@pytest.mark.parametrize("value", ["3", "32", "-1"])
def test_legacy_rounds_are_checked(tmp_path, value):
    from inventory_auth.config import ConfigurationError, load_config

    with pytest.raises(ConfigurationError, match="LEGACY_BCRYPT_ROUNDS"):
        load_config(str(tmp_path), {"APP_ENV": "development", "LEGACY_BCRYPT_ROUNDS": value})
