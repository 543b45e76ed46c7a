"""The example service of docs/integration.md (examples/inventory_items), beside this service, both
under gunicorn: an EdDSA token verifies there from the JWKS alone, a token of a retired key no
longer does, and a revoked token is refused where the example asks introspection."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import jwt as pyjwt
import pytest

from fault.harness import free_port

from helpers import PASSWORD, private_key_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inventory_items"

pytestmark = pytest.mark.slow



def call(method: str, url: str, *, token: str | None = None, body: dict | None = None):
    """(status, JSON body) of one request."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@contextlib.contextmanager
def gunicorn(folder: Path, args: list[str], environ: dict, log_path: Path, port: int):
    """gunicorn started in `folder`, once it answers HTTP on `port`."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *args], cwd=folder, env=environ, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(OSError):
                    with contextlib.suppress(urllib.error.HTTPError):  # any answer: it serves
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn on {port} did not serve:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            yield
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def flask(environ: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=environ, input=stdin,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_service_trusts_eddsa_tokens_follows_retirement_and_asks_introspection(tmp_path):
    auth_port, example_port = free_port(), free_port()
    home = tmp_path / "home"
    home.mkdir()
    auth_env = {
        "PATH": os.getenv("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
        "APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'auth.sqlite3'}",
        "ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": private_key_file(tmp_path),
        "SIGNING_KEYS_REFRESH_SECONDS": "1", "JWKS_MAX_AGE_SECONDS": "1",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "LEGACY_BCRYPT_ROUNDS": "4",
        "BIND_HOST": "127.0.0.1", "PORT": str(auth_port), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
    }
    flask(auth_env, "db", "upgrade")
    flask(auth_env, "users", "create", "ana@sena.edu.co", "--first-name", "Ana", "--last-name", "Pérez",
          "--password-stdin", stdin=PASSWORD + "\n")
    secret = flask(auth_env, "services", "create", "inventario").strip().splitlines()[-1]
    example_env = {
        "PATH": auth_env["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
        "AUTH_URL": f"http://127.0.0.1:{auth_port}", "SERVICE_NAME": "inventario", "SERVICE_SECRET": secret,
    }
    auth = f"http://127.0.0.1:{auth_port}/api/auth"
    items = f"http://127.0.0.1:{example_port}/items"

    def login() -> str:
        status, body = call("POST", f"{auth}/login", body={"email": "ana@sena.edu.co", "password": PASSWORD})
        assert status == 200, body
        return body["access_token"]

    with gunicorn(ROOT, ["-c", "gunicorn.conf.py", "wsgi:app"],
                  auth_env, tmp_path / "auth.log", auth_port), \
         gunicorn(EXAMPLE, ["--no-control-socket", "-w", "1", "--threads", "4",
                            "-b", f"127.0.0.1:{example_port}", "app:app"],
                  example_env, tmp_path / "example.log", example_port):
        # 1. An EdDSA token verifies there, from the JWKS alone.
        kept, revoked = login(), login()
        assert pyjwt.get_unverified_header(kept)["alg"] == "EdDSA"
        status, body = call("GET", items, token=kept)
        assert status == 200 and body["role"] == "student", body
        assert call("GET", items, token=kept[:-3] + "AAA")[0] == 401
        assert call("GET", items)[0] == 401

        # 2. A revoked token: still verifies locally until it expires, refused through introspection.
        assert call("POST", f"{items}/7/loan", token=revoked)[0] == 201
        assert call("POST", f"{auth}/logout", token=revoked)[0] == 200
        assert call("GET", items, token=revoked)[0] == 200
        status, body = call("POST", f"{items}/7/loan", token=revoked)
        assert (status, body) == (401, {"detail": "Token inválido o expirado"})

        # 3. Rotation: the new key is picked up by the example; once the old key is retired, its
        # tokens no longer verify there (within the JWKS's max-age).
        old_kid = pyjwt.get_unverified_header(kept)["kid"]
        rotated = flask(auth_env, "keys", "rotate")
        signs_from = datetime.fromisoformat(re.search(r"signs from (\S+)", rotated).group(1))
        time.sleep(max(0.0, (signs_from - datetime.now(signs_from.tzinfo)).total_seconds()) + 1.2)
        fresh = login()
        assert pyjwt.get_unverified_header(fresh)["kid"] != old_kid
        assert call("GET", items, token=fresh)[0] == 200
        assert call("GET", items, token=kept)[0] == 200

        flask(auth_env, "keys", "retire", old_kid)
        time.sleep(2.5)  # the auth workers reload (1 s), the example's cached JWKS expires (1 s)
        status, body = call("GET", items, token=kept)
        assert (status, body) == (401, {"detail": "Token inválido o expirado"})
        assert call("GET", items, token=fresh)[0] == 200
        assert call("POST", f"{items}/8/loan", token=fresh)[0] == 201
