"""The README and docs/ agree with the code and with each other on what a newcomer tries first:
register's required `role`, the development server's port, the test database's default, what
responses look like to curl, and no internal shorthand."""

import re
from pathlib import Path

from helpers import TEST_POSTGRES_URL_DEFAULT, TEST_REDIS_URL_DEFAULT, registration

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in (ROOT / "docs").glob("*.md")}

# Words of the project's internal history, not of the product: the previous backend is "the
# previous backend", the work items are nobody's business in the docs.
SHORTHAND = re.compile(r"\bseed's\b|\bthe seed\b|\bissues? \d|\bissue's\b|not done here|being edited", re.I)


def test_test_postgres_url_default_is_the_same_everywhere():
    lines = DOCS["operations.md"].splitlines()
    row = next(line for line in lines if line.startswith("| `TEST_POSTGRES_URL`"))
    assert f"`{TEST_POSTGRES_URL_DEFAULT}`" in row
    assert f"`TEST_POSTGRES_URL` (default\n`{TEST_POSTGRES_URL_DEFAULT}`)" in README


def test_test_redis_url_default_is_the_one_the_tests_use():
    row = next(line for line in DOCS["operations.md"].splitlines() if line.startswith("| `TEST_REDIS_URL`"))
    assert f"`{TEST_REDIS_URL_DEFAULT}`" in row and "skip only when no Redis answers" in row


def test_the_development_port_can_be_changed():
    first_command = README.split("```sh\n", 1)[1].splitlines()[0]
    assert "flask run --port 8001" in first_command
    assert "flask run --port 8080" in README
    assert "`APP_PORT` and `PORT` are read by\ngunicorn alone" in README


def test_no_internal_shorthand_in_docs_or_code():
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "gunicorn.conf.py", ROOT / "wsgi.py"]
    for folder in ("inventory_auth", "fault", "bench", "tests", "migrations"):
        files += [p for p in (ROOT / folder).rglob("*.py")
                  if p.name != Path(__file__).name and ".venv" not in p.parts]  # bench's peers' venvs
    found = {
        f"{path.relative_to(ROOT)}:{number}": line.strip()
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SHORTHAND.search(line)
    }
    assert found == {}


def test_register_requires_role_and_validates_before_the_duplicate_check(client, accounts):
    assert "`role` is required" in README and "`role` is required" in DOCS["api.md"]
    accounts.register(email="ana@sena.edu.co")
    body = registration(email="ana@sena.edu.co")
    del body["role"]
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["role"]


def test_readme_shows_what_curl_prints(client):
    response = client.post("/api/auth/register", json=registration(last_name="Pérez"))
    raw = response.get_data(as_text=True)
    assert raw.isascii() and '"last_name":"P\\u00e9rez"' in raw
    assert '"last_name":"P\\u00e9rez"' in README
    wrong = client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x"})
    assert wrong.get_data(as_text=True).strip() in README
    assert "Dart's `http`" in DOCS["api.md"]
