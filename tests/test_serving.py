"""How the service is served: the Procfile and gunicorn.conf.py read the platform's environment."""

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def gunicorn_settings(monkeypatch, **environ):
    for name in ("PORT", "APP_PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_RUNNING_THREADS",
                 "BIND_HOST", "GUNICORN_REUSE_PORT", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    # gunicorn.conf.py reads every setting of the service: a valid environment for the rest.
    for name, value in {"APP_ENV": "testing", "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://",
                        **environ}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_procfile_migrates_on_release_and_serves_through_the_launcher():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert lines["release"] == "flask db upgrade"
    # A platform's router reaches the process from outside it: every interface, said explicitly.
    assert lines["web"] == "BIND_HOST=0.0.0.0 python -m inventory_auth.serve"


def test_the_image_serves_through_the_same_launcher():
    commands = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")]
    assert commands == ['CMD ["python", "-m", "inventory_auth.serve"]']


def test_the_launcher_becomes_gunicorn_with_the_service_configuration():
    from inventory_auth.serve import gunicorn_command

    command = gunicorn_command(["--log-level", "debug"])
    assert command[1:4] == ["-m", "gunicorn", "-c"]
    assert Path(command[4]) == ROOT / "gunicorn.conf.py"
    assert command[5:] == ["--log-level", "debug", "wsgi:app"]


@pytest.mark.parametrize(
    "environ, bind",
    [({}, "127.0.0.1:8001"), ({"APP_PORT": "9000"}, "127.0.0.1:9000"),
     ({"APP_PORT": "9000", "PORT": "5000"}, "127.0.0.1:5000"),
     ({"BIND_HOST": "0.0.0.0"}, "0.0.0.0:8001")],
)
def test_bind_follows_port_then_app_port(monkeypatch, environ, bind):
    assert gunicorn_settings(monkeypatch, **environ)["bind"] == bind


def test_workers_from_web_concurrency_else_cores(monkeypatch):
    import multiprocessing

    assert gunicorn_settings(monkeypatch)["workers"] == multiprocessing.cpu_count()
    assert gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


def test_a_socket_per_worker_only_where_the_kernel_hands_over_a_closing_ones_queue(monkeypatch):
    try:
        migrates = Path("/proc/sys/net/ipv4/tcp_migrate_req").read_text().strip() == "1"
    except OSError:
        migrates = False
    assert gunicorn_settings(monkeypatch)["reuse_port"] is migrates
    assert gunicorn_settings(monkeypatch, GUNICORN_REUSE_PORT="true")["reuse_port"] is True
    assert gunicorn_settings(monkeypatch, GUNICORN_REUSE_PORT="false")["reuse_port"] is False


def test_threads_default_to_what_the_hashing_queue_is_sized_for(monkeypatch):
    """64: a class queued for password hashes waits in threads (security/hash_bulkhead.py), and
    the application sizes the queue from the same default."""
    from inventory_auth.config import DEFAULT_THREADS

    assert gunicorn_settings(monkeypatch)["threads"] == DEFAULT_THREADS == 64
    assert gunicorn_settings(monkeypatch, GUNICORN_THREADS="4")["threads"] == 4


def test_the_worker_runs_16_requests_at_once_on_its_threads_unless_told(monkeypatch):
    """The service's gthread worker (inventory_auth/server/): GUNICORN_THREADS threads, of which
    GUNICORN_RUNNING_THREADS (16, the pool's kept connections, never more than the threads) run."""
    from inventory_auth.server.worker import ThreadWorker

    default = gunicorn_settings(monkeypatch)["worker_class"]
    assert issubclass(default, ThreadWorker) and default.running == 16
    assert gunicorn_settings(monkeypatch, GUNICORN_RUNNING_THREADS="4")["worker_class"].running == 4
    assert gunicorn_settings(monkeypatch, GUNICORN_THREADS="8")["worker_class"].running == 8
    assert ThreadWorker.running == 16  # the settings made a class of their own


def test_no_control_socket_unless_one_is_named(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    assert settings["control_socket_disable"] is True
    assert "control_socket" not in settings
    settings = gunicorn_settings(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/inventory_auth/a.ctl")
    assert settings["control_socket_disable"] is False
    assert settings["control_socket"] == "/run/inventory_auth/a.ctl"


def test_the_image_listens_on_its_network_for_the_proxy_container():
    """gunicorn binds the loopback address unless told; in the image its proxy is another
    container (docker-compose.yml), which reaches it over the containers' network."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "BIND_HOST=0.0.0.0" in dockerfile.split("\nFROM ", 1)[1]
