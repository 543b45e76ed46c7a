"""Mail settings: SMTP server, TLS, sender, reset link and limits, validated at start-up."""

import pytest

from inventory_auth import create_app
from inventory_auth.config import ConfigurationError, load_config

STRONG_SECRET = "s" * 48


def config(tmp_path, **environ):
    return load_config(str(tmp_path), {"APP_ENV": "development", **environ})


def test_defaults_need_no_mail_server(tmp_path):
    settings = config(tmp_path)
    assert settings["MAIL_SERVER"] is None
    assert (settings["MAIL_PORT"], settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (25, False, False)
    assert settings["MAIL_TIMEOUT_SECONDS"] == settings["MAIL_TIMEOUT"] == 10
    assert "{token}" in settings["PASSWORD_RESET_URL"]
    assert settings["PASSWORD_RESET_EXPIRE"] == 30
    assert settings["PASSWORD_RESET_RATE_LIMIT"] == "5 per minute;20 per hour"
    assert settings["PASSWORD_RESET_ACCOUNT_LIMIT"] == "3 per hour"


@pytest.mark.parametrize(("environ", "port"), [
    ({"MAIL_USE_TLS": "true"}, 587),
    ({"MAIL_USE_SSL": "1"}, 465),
    ({"MAIL_USE_TLS": "false", "MAIL_USE_SSL": "no"}, 25),
    ({"MAIL_USE_TLS": "true", "MAIL_PORT": "2525"}, 2525),
])
def test_port_follows_the_tls_mode_unless_set(tmp_path, environ, port):
    assert config(tmp_path, **environ)["MAIL_PORT"] == port


@pytest.mark.parametrize(("environ", "names"), [
    ({"MAIL_USE_TLS": "true", "MAIL_USE_SSL": "true"}, "MAIL_USE_TLS"),
    ({"MAIL_USE_TLS": "sí"}, "MAIL_USE_TLS"),
    ({"MAIL_USE_SSL": "2"}, "MAIL_USE_SSL"),
    ({"MAIL_PORT": "0"}, "MAIL_PORT"),
    ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
    ({"MAIL_USERNAME": "inventario"}, "MAIL_USERNAME"),
    ({"MAIL_DEFAULT_SENDER": "Inventario SENA"}, "MAIL_DEFAULT_SENDER"),
    ({"MAIL_TIMEOUT_SECONDS": "0"}, "MAIL_TIMEOUT_SECONDS"),
    ({"MAIL_TIMEOUT_SECONDS": "diez"}, "MAIL_TIMEOUT_SECONDS"),
    ({"MAIL_TIMEOUT_SECONDS": "600"}, "MAIL_TIMEOUT_SECONDS"),
    ({"PASSWORD_RESET_URL": "https://inventario.sena.edu.co/restablecer"}, "PASSWORD_RESET_URL"),
    ({"PASSWORD_RESET_URL": "https://x/{token}/{user}"}, "PASSWORD_RESET_URL"),
    ({"PASSWORD_RESET_URL": "https://x/{{token}}"}, "PASSWORD_RESET_URL"),
    ({"PASSWORD_RESET_URL": "https://x/{token"}, "PASSWORD_RESET_URL"),
    ({"PASSWORD_RESET_EXPIRE": "0"}, "PASSWORD_RESET_EXPIRE"),
    ({"PASSWORD_RESET_RATE_LIMIT": "5 per fortnight"}, "PASSWORD_RESET_RATE_LIMIT"),
    ({"PASSWORD_RESET_ACCOUNT_LIMIT": "muchos"}, "PASSWORD_RESET_ACCOUNT_LIMIT"),
    ({"MAIL_OUTBOX_SIZE": "0"}, "MAIL_OUTBOX_SIZE"),
    ({"MAIL_SHUTDOWN_SECONDS": "-1"}, "MAIL_SHUTDOWN_SECONDS"),
    ({"MAIL_SEND_RATE": "0"}, "MAIL_SEND_RATE"),
    ({"MAIL_SEND_RATE": "muchos"}, "MAIL_SEND_RATE"),
    ({"IMPORT_MAX_ROWS": "0"}, "IMPORT_MAX_ROWS"),
    ({"IMPORT_MAX_BYTES": "10"}, "IMPORT_MAX_BYTES"),
    ({"IMPORT_MAX_UNZIPPED_BYTES": "5 MiB"}, "IMPORT_MAX_UNZIPPED_BYTES"),
])
def test_bad_mail_settings_are_refused_with_one_line(tmp_path, environ, names):
    with pytest.raises(ConfigurationError) as refused:
        config(tmp_path, **environ)
    message = str(refused.value)
    assert names in message and "\n" not in message


def test_starttls_settings_are_kept(tmp_path):
    settings = config(
        tmp_path, MAIL_SERVER="smtp.sena.edu.co", MAIL_USE_TLS="true", MAIL_USERNAME="inventario",
        MAIL_PASSWORD="clave", MAIL_DEFAULT_SENDER="Inventario SENA <no-reply@sena.edu.co>",
        PASSWORD_RESET_URL="https://inventario.sena.edu.co/restablecer?token={token}",
    )
    assert settings["MAIL_SERVER"] == "smtp.sena.edu.co"
    assert (settings["MAIL_PORT"], settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (587, True, False)
    assert (settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"]) == ("inventario", "clave")


@pytest.mark.parametrize("missing", ["MAIL_DEFAULT_SENDER", "PASSWORD_RESET_URL"])
def test_production_with_a_mail_server_needs_a_sender_and_a_link(tmp_path, missing):
    environ = {
        "APP_ENV": "production", "SECRET_KEY": STRONG_SECRET, "MAIL_SERVER": "smtp.sena.edu.co",
        "MAIL_DEFAULT_SENDER": "no-reply@sena.edu.co",
        "PASSWORD_RESET_URL": "https://inventario.sena.edu.co/restablecer?token={token}",
    }
    del environ[missing]
    with pytest.raises(ConfigurationError, match=missing):
        load_config(str(tmp_path), environ)


def test_production_without_a_mail_server_starts_quietly(tmp_path, capsys):
    """Every process builds the app (each gunicorn worker, each `flask` command, `db upgrade`
    too): none of them needs mail to start, so none says anything about it. gunicorn's master
    says it once (tests/test_gunicorn.py); each message dropped is an ERROR (tests/test_mail.py)."""
    app = create_app(environ={
        "APP_ENV": "production", "SECRET_KEY": STRONG_SECRET,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
    })
    assert app.config["MAIL_SERVER"] is None
    printed = capsys.readouterr()
    assert "MAIL_SERVER" not in printed.out + printed.err


def test_development_without_a_mail_server_starts_quietly(tmp_path, caplog):
    create_app(environ={
        "APP_ENV": "development", "SECRET_KEY": STRONG_SECRET,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
    })
    assert not [r for r in caplog.records if r.name == "inventory_auth.mail"]


# PUBLIC_URL: the address links in mails are built from.

def test_public_url_builds_both_links(tmp_path):
    settings = config(tmp_path, PUBLIC_URL="https://auth.inventario.example/")
    assert settings["PUBLIC_URL"] == "https://auth.inventario.example"
    assert settings["PASSWORD_RESET_URL"] == "https://auth.inventario.example/restablecer-contrasena?token={token}"
    assert settings["INVITATION_URL"] == "https://auth.inventario.example/activar-cuenta?token={token}"
    assert settings["INVITATION_EXPIRE_HOURS"] == 168


def test_password_reset_url_names_another_reset_page(tmp_path):
    settings = config(tmp_path, PUBLIC_URL="https://auth.inventario.example",
                      PASSWORD_RESET_URL="inventario://restablecer?token={token}")
    assert settings["PASSWORD_RESET_URL"] == "inventario://restablecer?token={token}"
    assert settings["INVITATION_URL"] == "https://auth.inventario.example/activar-cuenta?token={token}"


@pytest.mark.parametrize("value", [
    "auth.inventario.example", "ftp://auth.inventario.example", "https://", "https://x/?a=1",
    "https://x/#frag", "https://x/{token}",
])
def test_a_bad_public_url_is_refused(tmp_path, value):
    with pytest.raises(ConfigurationError, match="PUBLIC_URL must be"):
        config(tmp_path, PUBLIC_URL=value)


@pytest.mark.parametrize("hours", ["0", "721", "siete"])
def test_a_bad_invitation_lifetime_is_refused(tmp_path, hours):
    with pytest.raises(ConfigurationError, match="INVITATION_EXPIRE_HOURS"):
        config(tmp_path, INVITATION_EXPIRE_HOURS=hours)


def test_production_with_a_mail_server_needs_public_url_or_reset_url(tmp_path):
    environ = {
        "APP_ENV": "production", "SECRET_KEY": STRONG_SECRET, "MAIL_SERVER": "smtp.sena.edu.co",
        "MAIL_DEFAULT_SENDER": "no-reply@sena.edu.co",
    }
    with pytest.raises(ConfigurationError, match="PUBLIC_URL .* or PASSWORD_RESET_URL must be set"):
        load_config(str(tmp_path), environ)
    settings = load_config(str(tmp_path), {**environ, "PUBLIC_URL": "https://auth.sena.edu.co"})
    assert settings["PASSWORD_RESET_URL"] == "https://auth.sena.edu.co/restablecer-contrasena?token={token}"


def test_production_never_invents_a_link(tmp_path):
    settings = load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": STRONG_SECRET})
    assert settings["PUBLIC_URL"] is settings["PASSWORD_RESET_URL"] is settings["INVITATION_URL"] is None


@pytest.mark.parametrize(("environ", "port"), [({}, 8001), ({"APP_PORT": "9000"}, 9000),
                                               ({"PORT": "5050", "APP_PORT": "9000"}, 5050)])
def test_development_links_name_the_port_gunicorn_binds(tmp_path, environ, port):
    assert config(tmp_path, **environ)["PUBLIC_URL"] == f"http://127.0.0.1:{port}"


def test_development_links_name_the_port_flask_run_was_given(tmp_path):
    import click

    seen = {}

    @click.command("run")
    @click.option("--port", type=int, default=5000)
    def run(port):
        seen["settings"] = config(tmp_path, APP_PORT="9000")

    run.main(["--port", "8123"], prog_name="run", standalone_mode=False)
    assert seen["settings"]["PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert seen["settings"]["PASSWORD_RESET_URL"] == "http://127.0.0.1:8123/restablecer-contrasena?token={token}"


def test_the_compose_file_sets_public_url():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text())
    assert compose["services"]["auth"]["environment"]["PUBLIC_URL"].startswith("${PUBLIC_URL:-http")
