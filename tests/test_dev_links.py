"""In development the printed link works as printed, whatever `--port` the development server got.

The real `flask run --port N` serves the app on a free port N, without a mail server (so the
reset message is written to the log, as a developer sees it); the link in it names port N, and
opening it shows the password form. Links are never built from the request's `Host`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from helpers import base_environ
from live_server import ROOT, free_port, get

LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/restablecer-contrasena\?token=[A-Za-z0-9_%-]+")


@pytest.mark.slow
@pytest.mark.parametrize("reload", [False, True])
def test_the_development_server_prints_a_link_to_its_own_port(database_url, create_user, tmp_path, reload):
    user = create_user()
    port = free_port()
    environ = {**os.environ, **base_environ(database_url, APP_ENV="development", APP_PORT="8001")}
    for name in ("MAIL_SERVER", "PUBLIC_URL", "PASSWORD_RESET_URL", "FLASK_DEBUG"):
        environ.pop(name, None)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)]
    if reload:
        command.append("--reload")
    log = tmp_path / "flask.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # the reloader's child goes with it
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(base + "/api/health")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        request = urllib.request.Request(
            base + "/restablecer-contrasena", data=f"email={user['email']}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "evil.example:666"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (local server)
            assert answer.status == 200
        deadline = time.monotonic() + 10
        while not LINK.search(log.read_text()):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        found = LINK.search(log.read_text())
        assert int(found.group(1)) == port
        status, _headers, body = get(found.group(0))
        assert status == 200 and b'name="password"' in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
