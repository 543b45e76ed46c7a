"""The real server command, `python -m inventory_auth.serve` (which becomes `gunicorn -c
gunicorn.conf.py wsgi:app`), as the Procfile and the Docker image run it: a misconfigured service
stops with one line, and two instances share a host."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fault.harness import free_port

from helpers import private_key_file

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow



def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def server_environment(tmp_path: Path, port: int, **overrides: str) -> dict:
    """A production environment of its own: a private HOME (where gunicorn would put its default
    control socket), a SQLite file, a free port on 127.0.0.1. An empty value means unset (it also
    keeps a developer's `.env` from filling it in)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environ = {
        "PATH": os.getenv("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}",
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
    }
    environ.update(overrides)
    return environ


class Server:
    def __init__(self, tmp_path: Path, name: str, args: list[str], environ: dict):
        self.log_path = tmp_path / f"{name}.log"
        self._log = self.log_path.open("w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=environ,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def wait(self, timeout: float) -> tuple[int | None, float]:
        """The exit status (None: still running after `timeout`) and the seconds it ran."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, time.monotonic() - self.started
        return status, time.monotonic() - self.started

    def group_alive(self) -> bool:
        """Whether any process of the server (master or worker) is still running."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def gunicorn(tmp_path: Path, name: str, args: list[str], environ: dict):
    """gunicorn itself, with these arguments."""
    server = Server(tmp_path, name, ["gunicorn", *args], environ)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def served(tmp_path: Path, name: str, environ: dict, options: tuple[str, ...] = ()):
    """The service as the Procfile and the image start it."""
    server = Server(tmp_path, name, ["inventory_auth.serve", *options], environ)
    try:
        yield server
    finally:
        server.stop()


def health(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
            return response.status
    except OSError:
        return None


def wait_until_serving(server: Server, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(port) == 200:
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"gunicorn on port {port} is not serving:\n{server.output()[-3000:]}")


# --- A misconfigured service stops the whole server -------------------------------------------

MISCONFIGURATIONS = {
    "no SECRET_KEY": ({"SECRET_KEY": ""}, "SECRET_KEY"),
    "a short SECRET_KEY": ({"SECRET_KEY": "corta"}, "SECRET_KEY"),
    "an unknown ALGORITHM": ({"ALGORITHM": "none"}, "ALGORITHM"),
    "a MySQL DATABASE_URL": ({"DATABASE_URL": "mysql://inv:clave-secreta@127.0.0.1/x"}, "DATABASE_URL"),
    "a negative TRUSTED_PROXIES": ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    "a word for GUNICORN_THREADS": ({"GUNICORN_THREADS": "dieciseis"}, "GUNICORN_THREADS"),
    "no workers": ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be a whole number from 1"),
    "a word for WEB_CONCURRENCY": ({"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be a whole number"),
    "a word for GUNICORN_TIMEOUT": ({"GUNICORN_TIMEOUT": "treinta"}, "GUNICORN_TIMEOUT"),
    "an unknown GUNICORN_REUSE_PORT": ({"GUNICORN_REUSE_PORT": "maybe"}, "GUNICORN_REUSE_PORT"),
    "a word for RATE_LIMITS_ENABLED": ({"RATE_LIMITS_ENABLED": "nope"}, "RATE_LIMITS_ENABLED"),
    "EdDSA without a key": ({"ALGORITHM": "EdDSA"}, "JWT_PRIVATE_KEY_FILE must name"),
    "an unreadable key": (
        {"ALGORITHM": "RS256", "JWT_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "cannot be read"
    ),
    "a key of another algorithm": (
        {"ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": "{an Ed25519 key}"},
        "does not fit ALGORITHM=ES256",
    ),
}


def test_gunicorn_started_bare_stops_with_the_same_one_line(tmp_path):
    """`gunicorn -c gunicorn.conf.py wsgi:app` without the launcher reads the same settings."""
    environ = server_environment(tmp_path, free_port(), SECRET_KEY="corta")
    with gunicorn(tmp_path, "bare-misconfigured", ["-c", "gunicorn.conf.py", "wsgi:app"], environ) as server:
        status, _ = server.wait(timeout=15)
        output = server.output()
    assert status not in (None, 0), output
    (line,) = [line for line in output.splitlines() if line.startswith("inventory_auth: ")]
    assert "SECRET_KEY" in line
    assert "Listening at" not in output


@pytest.mark.parametrize("overrides, setting", MISCONFIGURATIONS.values(), ids=MISCONFIGURATIONS.keys())
def test_a_misconfigured_server_stops_at_once_with_one_line(tmp_path, overrides, setting):
    port = free_port()
    if overrides.get("JWT_PRIVATE_KEY_FILE") == "{an Ed25519 key}":
        overrides = {**overrides, "JWT_PRIVATE_KEY_FILE": private_key_file(tmp_path, "EdDSA")}
    environ = server_environment(tmp_path, port, **overrides)
    with served(tmp_path, "misconfigured", environ) as server:
        status, seconds = server.wait(timeout=15)
        output = server.output()

        assert status is not None, f"still running after 15 s:\n{output[-3000:]}"
        assert status != 0
        assert seconds < 12, output  # start-up alone takes seconds on a loaded machine; a loop never ends
        reasons = [line for line in output.splitlines() if line.startswith("inventory_auth: ")]
        assert len(reasons) == 1, output
        assert setting in reasons[0]
        # Stopped by the master before any worker, and before the port was bound.
        assert "Booting worker" not in output
        assert "Listening at" not in output
        assert "Traceback" not in output
        assert "clave-secreta" not in output
        assert not server.group_alive()
        assert port_is_free(port)


def test_a_worker_that_fails_on_its_configuration_stops_the_master(tmp_path):
    """Without this project's gunicorn.conf.py (its check in the master), a worker that finds the
    configuration wrong exits with gunicorn's boot-error code, and the master stops with it."""
    from gunicorn.arbiter import Arbiter

    port = free_port()
    no_settings = tmp_path / "empty.conf.py"
    no_settings.write_text("")
    environ = server_environment(tmp_path, port, SECRET_KEY="")
    args = ["-c", str(no_settings), "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--no-control-socket", "wsgi:app"]
    with gunicorn(tmp_path, "bare", args, environ) as server:
        status, seconds = server.wait(timeout=15)
        output = server.output()

        assert status == Arbiter.WORKER_BOOT_ERROR, output
        assert seconds < 12, output  # start-up alone takes seconds on a loaded machine; a loop never ends
        assert output.count("Booting worker") == 1, output
        reasons = [line for line in output.splitlines() if line.startswith("inventory_auth: ")]
        assert len(reasons) == 1 and "SECRET_KEY" in reasons[0], output
        assert not server.group_alive()
        assert port_is_free(port)


# --- Two instances on one host ----------------------------------------------------------------

def test_two_instances_on_one_host_create_no_shared_control_socket(tmp_path):
    ports = free_port(), free_port()
    environs = [server_environment(tmp_path, port) for port in ports]
    command = ["-c", "gunicorn.conf.py", "wsgi:app"]
    with gunicorn(tmp_path, "first", command, environs[0]) as first, \
            gunicorn(tmp_path, "second", command, environs[1]) as second:
        wait_until_serving(first, ports[0])
        wait_until_serving(second, ports[1])
        home = Path(environs[0]["HOME"])
        assert list(home.rglob("*.ctl")) == []

        first.stop()
        assert health(ports[0]) is None
        assert health(ports[1]) == 200
        assert "Control socket" not in second.output()


def test_two_instances_with_their_own_control_sockets_keep_them(tmp_path):
    ports = free_port(), free_port()
    sockets = tmp_path / "first.ctl", tmp_path / "second.ctl"
    environs = [server_environment(tmp_path, port, GUNICORN_CONTROL_SOCKET=str(path))
                for port, path in zip(ports, sockets, strict=True)]
    command = ["-c", "gunicorn.conf.py", "wsgi:app"]
    with gunicorn(tmp_path, "first", command, environs[0]) as first, \
            gunicorn(tmp_path, "second", command, environs[1]) as second:
        wait_until_serving(first, ports[0])
        wait_until_serving(second, ports[1])
        assert sockets[0].is_socket() and sockets[1].is_socket()

        first.stop()
        assert not sockets[0].exists()
        assert sockets[1].is_socket()
        assert health(ports[1]) == 200
        gunicornc = Path(sys.executable).parent / "gunicornc"
        shown = subprocess.run(
            [str(gunicornc), "-s", str(sockets[1]), "-c", "show workers", "-j"],
            capture_output=True, text=True, timeout=10,
        )
        assert shown.returncode == 0, shown.stderr
        assert '"count": 2' in shown.stdout
    assert not sockets[1].exists()


# --- The database, tried once at start-up ----------------------------------------------------

def ready(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/ready", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def reasons(output: str, about: str = "") -> list[str]:
    """The service's own lines (`inventory_auth: ...` alone, an exit, or in a gunicorn log line)
    that contain `about`."""
    return [line for line in output.splitlines() if "inventory_auth: " in line and about in line]


def postgres_url(**parts) -> str:
    from sqlalchemy.engine import make_url

    from helpers import POSTGRES_SERVER

    return make_url(POSTGRES_SERVER).set(**parts).render_as_string(hide_password=False)


NEVER_WORKS = {
    "an unknown user": (lambda tmp: postgres_url(username="nadie_del_inventario"), "does not exist"),
    "a missing database": (lambda tmp: postgres_url(database="no_existe_inventario"), "does not exist"),
    "a SQLite file in a missing folder": (lambda tmp: f"sqlite:///{tmp}/no/hay/carpeta.sqlite3",
                                          "unable to open database file"),
}


@pytest.mark.parametrize("url, says", NEVER_WORKS.values(), ids=NEVER_WORKS.keys())
def test_database_settings_that_can_never_work_stop_the_server_with_one_line(tmp_path, url, says):
    port = free_port()
    environ = server_environment(tmp_path, port, DATABASE_URL=url(tmp_path))
    with served(tmp_path, "bad-database", environ) as server:
        status, seconds = server.wait(timeout=20)
        output = server.output()
        assert status == 1, output
        assert seconds < 15, output
        (line,) = reasons(output)
        assert line.startswith("inventory_auth: cannot use the database ")
        assert says in line and line.endswith("(check DATABASE_URL)"), line
        assert "Listening at" not in output and "Traceback" not in output
        assert port_is_free(port)


def test_an_unreachable_database_is_one_warning_and_the_server_serves_not_ready(tmp_path):
    port = free_port()
    environ = server_environment(tmp_path, port, DATABASE_URL=postgres_url(port=free_port()))
    with served(tmp_path, "db-down", environ) as server:
        wait_until_serving(server, port)
        assert ready(port) == 503
        (line,) = reasons(server.output(), "database")
        assert "[WARNING] inventory_auth: cannot use the database " in line
        assert "(check DATABASE_URL); serving with readiness down (503) until it answers" in line


def test_an_unmigrated_database_is_one_warning_saying_what_to_run(tmp_path):
    port = free_port()
    environ = server_environment(tmp_path, port, MAIL_SERVER="127.0.0.1",
                                 MAIL_DEFAULT_SENDER="no-reply@sena.edu.co",
                                 PASSWORD_RESET_URL="https://inventario.sena.edu.co/r?token={token}")
    with served(tmp_path, "unmigrated", environ) as server:
        wait_until_serving(server, port)
        assert ready(port) == 503
        (line,) = reasons(server.output(), "database")
        assert "[WARNING] inventory_auth: the database has no schema yet" in line
        assert "run `flask db upgrade`; readiness answers 503 until then" in line


# --- Mail: said once, where it is needed -------------------------------------------------------

def flask_command(tmp_path, environ, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_without_a_mail_server_only_the_master_says_so_once(tmp_path):
    port = free_port()
    environ = server_environment(tmp_path, port, WEB_CONCURRENCY="3")
    upgraded = flask_command(tmp_path, environ, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    listed = flask_command(tmp_path, environ, "users", "list")
    assert listed.returncode == 0, listed.stderr
    for command in (upgraded, listed):  # no command needs mail: none speaks of it
        assert "MAIL_SERVER" not in command.stdout + command.stderr
    with served(tmp_path, "no-mail", environ) as server:
        wait_until_serving(server, port)
        assert ready(port) == 200
        time.sleep(1)  # every worker has booted
        output = server.output()
        assert output.count("Booting worker") == 3, output
        (line,) = [line for line in output.splitlines() if "MAIL_SERVER" in line]
        assert "[WARNING] inventory_auth: MAIL_SERVER is not set" in line


# --- The address ------------------------------------------------------------------------------

def test_a_port_in_use_stops_the_server_at_once_with_one_line(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        environ = server_environment(tmp_path, port)
        with served(tmp_path, "taken", environ) as server:
            status, seconds = server.wait(timeout=20)
            output = server.output()
    assert status == 1, output
    assert seconds < 5, output  # gunicorn alone retried for 5 s, one error line a second
    assert "Retrying" not in output and "Connection in use" not in output
    (line,) = reasons(output)
    assert line.startswith(f"inventory_auth: cannot listen on 127.0.0.1:{port}: Address already in use")


def test_the_default_address_is_the_loopback(tmp_path):
    port = free_port()
    environ = server_environment(tmp_path, port)
    del environ["BIND_HOST"]
    with served(tmp_path, "loopback", environ) as server:
        wait_until_serving(server, port)
        assert f"Listening at: http://127.0.0.1:{port}" in server.output()
