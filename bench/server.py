"""gunicorn started as the Procfile starts it, on a free localhost port, watched through /proc."""

from __future__ import annotations

import os
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import procfs

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_settings(env: dict) -> dict:
    """The settings gunicorn will run with under `env`: gunicorn.conf.py (which reads only the
    environment), then GUNICORN_CMD_ARGS on top, as gunicorn itself applies them."""
    from gunicorn.config import Config

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        values = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    extra = env.get("GUNICORN_CMD_ARGS")
    if extra:
        parsed = config.parser().parse_args(shlex.split(extra))
        for name, value in vars(parsed).items():
            if value is not None and name in config.settings and name != "args":
                config.set(name, value)
    return {
        "bind": ",".join(config.bind),
        "workers": config.workers,
        "worker_class": config.worker_class_str,
        "threads": config.threads,
        "timeout": config.timeout,
        "keepalive": config.keepalive,
        "accesslog": config.accesslog,
        "preload_app": config.preload_app,
        "reuse_port": config.reuse_port,
    }


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py <app>` from the repository root."""

    def __init__(self, app_path: str, env: dict, log_path: Path, ready_path: str):
        self.app_path = app_path
        self.port = free_port()
        self.env = dict(env, PORT=str(self.port), BIND_HOST="127.0.0.1")
        self.log_path = log_path
        self.ready_path = ready_path
        self.process = None
        self.settings = gunicorn_settings(self.env)
        self.cwd = REPO  # another tree (an exported revision) may be served instead

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        return [str(gunicorn), "-c", "gunicorn.conf.py", self.app_path]

    def start(self, timeout_s: float = 60) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the server's lifetime)
        # stdout carries the access log (as in production it is written; here nobody reads it).
        self.process = subprocess.Popen(
            self.command,
            cwd=getattr(self, "cwd", REPO),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        expected = int(self.settings.get("workers", 1))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            if len(self.workers()) >= expected and self._answers():
                # Every worker is forked and one answers; give the others time to load the app.
                time.sleep(1.0)
                for _ in range(4 * expected):
                    self._answers()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready in {timeout_s} s; see {self.log_path}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                return response.status < 500
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    def workers(self) -> list[int]:
        return procfs.children(self.process.pid) if self.process else []

    def memory(self) -> dict:
        """{worker pid: {"VmRSS": KiB, "VmHWM": KiB}}."""
        found = {}
        for pid in self.workers():
            try:
                found[pid] = procfs.memory(pid)
            except FileNotFoundError:
                continue
        return found

    def wait_idle(self, *, quiet_cpu_s: float = 0.05, window_s: float = 1.0, limit_s: float = 240) -> float:
        """Wait until the workers stop burning CPU (requests left by closed connections are done).

        Returns the seconds waited. wrk stops by closing its connections, but requests already
        accepted are still served (a login costs a whole password hash): the next run must not
        start behind them.
        """
        start = time.monotonic()
        quiet_windows = 0
        before = procfs.cpu_seconds(self.workers())
        while time.monotonic() - start < limit_s:
            time.sleep(window_s)
            now = procfs.cpu_seconds(self.workers())
            quiet_windows = quiet_windows + 1 if now - before <= quiet_cpu_s else 0
            before = now
            if quiet_windows >= 2:
                break
        return time.monotonic() - start

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
