"""Settings for moving from, and back to, the previous backend: its tokens' window
(LEGACY_TOKENS_UNTIL, LEGACY_TOKEN_DAYS) and hashes it can read (PASSWORD_HASH_METHOD=bcrypt)."""

from datetime import UTC, datetime, timedelta

import pytest

from inventory_auth.config import ConfigurationError, load_config, transition_settings

from helpers import in_days


def config(tmp_path, **environ):
    return load_config(str(tmp_path), {"APP_ENV": "testing", **environ})


def test_the_window_is_off_by_default(tmp_path):
    settings = config(tmp_path)
    assert settings["LEGACY_TOKENS_UNTIL"] is None
    assert settings["LEGACY_TOKEN_LIFETIME"] == timedelta(days=30)


@pytest.mark.parametrize("value", ["2026-12-20T08:00:00Z", "2026-12-20T03:00:00-05:00",
                                   "2026-12-20T08:00:00+00:00"])
def test_the_window_is_an_instant_read_in_utc(value):
    now = datetime(2026, 11, 30, tzinfo=UTC)
    settings = transition_settings({"LEGACY_TOKENS_UNTIL": value}, [], now=now)

    assert settings["LEGACY_TOKENS_UNTIL"] == datetime(2026, 12, 20, 8, tzinfo=UTC)


@pytest.mark.parametrize("value", ["mañana", "2026-12-20", "2026-12-20T08:00:00", "20/12/2026"])
def test_the_window_needs_an_instant_with_its_offset(tmp_path, value):
    with pytest.raises(ConfigurationError, match="LEGACY_TOKENS_UNTIL must be an ISO 8601"):
        config(tmp_path, LEGACY_TOKENS_UNTIL=value)


def test_the_window_is_at_most_the_tokens_lifetime_ahead(tmp_path):
    assert config(tmp_path, LEGACY_TOKENS_UNTIL=in_days(30.9))["LEGACY_TOKENS_UNTIL"]
    with pytest.raises(ConfigurationError, match="more than 31 days away"):
        config(tmp_path, LEGACY_TOKENS_UNTIL=in_days(31.1))
    with pytest.raises(ConfigurationError, match="more than 8 days away"):
        config(tmp_path, LEGACY_TOKENS_UNTIL=in_days(10), LEGACY_TOKEN_DAYS="7")


@pytest.mark.parametrize("days", ["0", "366", "treinta"])
def test_the_previous_lifetime_is_checked(tmp_path, days):
    with pytest.raises(ConfigurationError, match="LEGACY_TOKEN_DAYS"):
        config(tmp_path, LEGACY_TOKEN_DAYS=days)


def test_the_window_is_said_at_start_up(tmp_path):
    assert any("accepted until" in line for line in
               config(tmp_path, LEGACY_TOKENS_UNTIL=in_days(3))["CONFIG_WARNINGS"])
    assert any("is past" in line for line in
               config(tmp_path, LEGACY_TOKENS_UNTIL=in_days(-3))["CONFIG_WARNINGS"])


@pytest.mark.parametrize("method", ["bcrypt", "pbkdf2", "pbkdf2:sha256", "pbkdf2:sha512:700000",
                                    "scrypt", "scrypt:32768:8:1"])
def test_hash_methods_werkzeug_or_bcrypt(tmp_path, method):
    assert config(tmp_path, PASSWORD_HASH_METHOD=method)["PASSWORD_HASH_METHOD"] == method


@pytest.mark.parametrize("method", ["argon2", "bcrypt:12", "pbkdf2:sha999", "pbkdf2:sha256:x",
                                    "scrypt:1:2", "md5"])
def test_unknown_hash_methods_are_refused_at_start_up(tmp_path, method):
    with pytest.raises(ConfigurationError, match="PASSWORD_HASH_METHOD must be"):
        config(tmp_path, PASSWORD_HASH_METHOD=method)


@pytest.mark.parametrize("rounds", ["3", "32", "doce"])
def test_bcrypt_rounds_are_checked(tmp_path, rounds):
    with pytest.raises(ConfigurationError, match="PASSWORD_BCRYPT_ROUNDS"):
        config(tmp_path, PASSWORD_BCRYPT_ROUNDS=rounds)
    assert config(tmp_path)["PASSWORD_BCRYPT_ROUNDS"] == 12
