"""The curl sessions of the README and docs/api.md run as written against the service under gunicorn.

Each session is the ```sh block right after an `<!-- example: NAME -->` line. It runs in bash with
`set -euo pipefail` (an unset variable such as a `$REFRESH` nothing set, or an id that came back
empty, stops it), the documented address replaced by the test server's and `.venv/bin/` by this
interpreter's directory. `curl` is wrapped to write each response's status on stderr, so every
step's status is checked in order, and the bodies it printed are checked for their shape.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import base_environ
from live_server import ROOT, serve

pytestmark = pytest.mark.slow

EXAMPLE = re.compile(r"^<!-- example: ([\w-]+) -->\n```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
STATUS_OF_EACH_CURL = "curl() { command curl --write-out '%{stderr}%{http_code}\\n' \"$@\"; }\n"


def examples() -> dict[str, str]:
    found = {}
    for path in (ROOT / "README.md", ROOT / "docs" / "api.md"):
        for name, script in EXAMPLE.findall(path.read_text()):
            assert name not in found, f"two examples named {name}"
            found[name] = script
    return found


def test_the_documented_sessions_are_marked():
    assert set(examples()) == {"readme-session", "user-session", "admin-session"}


@pytest.fixture
def server(database_url, app, tmp_path):
    """gunicorn on the session's database; `app` empties its tables after the test, as for any."""
    with serve(database_url, tmp_path) as (base, _):
        yield base


def run(name: str, base: str, database_url: str) -> tuple[list[int], list[str]]:
    script = examples()[name]
    script = script.replace("http://127.0.0.1:8001", base)
    script = script.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    environ = {**os.environ, **base_environ(database_url)}
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + STATUS_OF_EACH_CURL + script],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    statuses = [int(line) for line in done.stderr.splitlines() if re.fullmatch(r"\d{3}", line)]
    return statuses, done.stdout.splitlines()


def bodies(lines: list[str]) -> list:
    """The JSON bodies the session printed (header lines of `curl -D -` and CLI output left out)."""
    return [json.loads(line) for line in lines if line.startswith(("{", "["))]


def test_the_readme_session(server, database_url):
    statuses, lines = run("readme-session", server, database_url)
    assert statuses == [201, 200, 200, 200, 200]  # register, login, me, PUT me, change-password
    registered, me, updated, changed = bodies(lines)
    assert registered["email"] == me["email"] == "ana@sena.edu.co"
    assert '"last_name":"P\\u00e9rez"' in lines[0]  # as the README shows it
    assert (updated["phone"], updated["program"]) == ("3001234567", "ADSO")
    assert set(changed) >= {"access_token", "refresh_token", "message"}


def test_the_user_session_of_the_api_guide(server, database_url):
    statuses, lines = run("user-session", server, database_url)
    # register, login, me, refresh, logout, me with the token of the ended session
    assert statuses == [201, 200, 200, 200, 200, 401]
    registered, me, logged_out, refused = bodies(lines)
    assert registered["id"] == me["id"]
    assert logged_out == {"message": "Sesión cerrada exitosamente"}
    assert refused["detail"] == "Token inválido o expirado"


def test_the_admin_session_of_the_api_guide(server, database_url):
    statuses, lines = run("admin-session", server, database_url)
    # login, create, list, PUT, set password, DELETE, activate, stats, audit page, audit stats
    assert statuses == [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
    assert "x-total-count: 1" in [line.strip().lower() for line in lines]
    listed, updated, password, deactivated, activated, stats, audit, audit_stats = bodies(lines)
    assert [user["email"] for user in listed] == ["jefe.taller@sena.edu.co"]
    assert updated["phone"] == "3001234567"
    assert deactivated == {"message": "Usuario desactivado exitosamente"}
    assert activated == {"message": "Usuario activado exitosamente"}
    assert stats["users_by_role"]["supervisor"] == 1 and stats["users_by_role"]["admin_general"] == 1
    assert [log["action"] for log in audit["logs"]] == ["user_create", "user_create"]  # CLI, then API
    # the CLI's user_create, the login, the API's user_create, the update, the password, the
    # deactivation and the activation
    assert audit_stats["total_logs"] == 7, audit_stats
    assert "message" in password
