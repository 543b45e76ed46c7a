"""An imported apprentice, end to end in a real browser: an administrator imports a ficha into the
service under gunicorn, the invitation reaches a real SMTP server, headless Chromium opens its
link, chooses the password on /activar-cuenta, and the apprentice can log in."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from helpers import PASSWORD
from live_server import CHROMIUM_MISSING, CHROMIUM_REASON, WAIT_SECONDS, chromium, free_port, serve
from roster_files import EXAMPLE, csv_bytes

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM_MISSING, reason=CHROMIUM_REASON)]

FIRST_PASSWORD = "Mi primera frase del almacén 24"


def post(url: str, body: bytes, content_type: str, token: str | None = None):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a local test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def login(base: str, email: str, password: str) -> tuple[int, dict]:
    body = json.dumps({"email": email, "password": password}).encode()
    return post(base + "/api/auth/login", body, "application/json")


def test_an_imported_apprentice_activates_the_account_in_a_browser(
    database_url, app, create_user, smtp_server, tmp_path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    admin = create_user(role="admin_general", email="rectora@sena.edu.co")
    port = free_port()
    settings = {**smtp_server.environ, "PUBLIC_URL": f"http://127.0.0.1:{port}", "MAIL_SEND_RATE": "100"}
    with serve(database_url, tmp_path, port=port, **settings) as (base, _log), \
            chromium(tmp_path / "chromium-profile") as browser:
        status, session = login(base, admin["email"], PASSWORD)
        assert status == 200
        status, report = post(base + "/api/users/import", csv_bytes(EXAMPLE, bom=True), "text/csv",
                              session["access_token"])
        assert status == 200 and report["created"] == report["invited"] == len(EXAMPLE) - 1

        apprentice = EXAMPLE[1][0]
        messages = smtp_server.wait_for(len(EXAMPLE) - 1, timeout=WAIT_SECONDS)
        body = next(m for m in messages if m["To"] == apprentice).get_content()
        link = re.search(rf"{re.escape(base)}/activar-cuenta\?token=\S+", body).group(0)
        assert login(base, apprentice, FIRST_PASSWORD)[0] == 401

        browser.get(link)
        browser.find_element(By.ID, "password").send_keys(FIRST_PASSWORD)
        browser.find_element(By.ID, "password_confirm").send_keys(FIRST_PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form button, form [type=submit]").click()
        WebDriverWait(browser, WAIT_SECONDS).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), "Ya puede ingresar")
        )
        assert login(base, apprentice, FIRST_PASSWORD)[0] == 200
