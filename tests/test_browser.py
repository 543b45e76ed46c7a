"""The documentation in a real browser, against the real server.

gunicorn serves the app (with the project's gunicorn.conf.py) on a free local port, on the test
database; headless Chromium opens /api/docs, finds every operation of the document, and uses
"Try it out" on POST /api/auth/login with a seeded user. Skipped only when Chromium or its
driver is not installed (CI installs them: see .ci/run).
"""

from __future__ import annotations

import json

import pytest

from helpers import PASSWORD
from live_server import CHROMIUM_MISSING, CHROMIUM_REASON, WAIT_SECONDS, chromium, get, serve

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM_MISSING, reason=CHROMIUM_REASON)]


@pytest.fixture
def server(database_url, app, tmp_path):
    """gunicorn on a free port; yields (base URL, path of its stdout)."""
    with serve(database_url, tmp_path) as running:
        yield running


@pytest.fixture
def browser(tmp_path):
    with chromium(tmp_path / "chromium-profile") as driver:
        yield driver


def test_swagger_ui_renders_and_logs_in(server, browser, create_user):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    base, stdout = server
    user = create_user(role="instructor")
    spec = json.loads(get(base + "/api/openapi.json")[2])
    expected = {
        (method.upper(), path) for path, item in spec["paths"].items() for method in item
        if method != "parameters"  # a path's shared parameters, not an operation
    }
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(base + "/api/docs")
    wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    rendered = {
        (block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
         block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"))
        for block in browser.find_elements(By.CSS_SELECTOR, ".opblock")
    }
    assert rendered == expected

    login = next(
        block for block in browser.find_elements(By.CSS_SELECTOR, ".opblock-post")
        if block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path")
        == "/api/auth/login"
    )
    login.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: login.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    login.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    body = wait.until(lambda _: login.find_element(By.CSS_SELECTOR, "textarea.body-param__text"))
    body.send_keys(Keys.CONTROL, "a")
    body.send_keys(Keys.DELETE)
    body.send_keys(json.dumps({"email": user["email"], "password": PASSWORD}))
    login.find_element(By.CSS_SELECTOR, "button.execute").click()

    live = ".live-responses-table tr.response "
    status = wait.until(lambda _: login.find_element(By.CSS_SELECTOR, live + ".response-col_status"))
    assert status.text.strip().startswith("200")
    shown = login.find_element(By.CSS_SELECTOR, live + ".response-col_description pre").text
    answer = json.loads(shown)
    assert answer["token_type"] == "bearer" and answer["access_token"].count(".") == 2
    assert answer["user"]["email"] == user["email"]

    # Everything the page loaded came from the service itself (no CDN, no validator badge).
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert any(url.endswith("/api/docs/swagger-ui-bundle.js") for url in loaded)
    assert [url for url in loaded if not url.startswith(base + "/")] == []

    # Nothing the page needed was blocked by its Content-Security-Policy or failed to load.
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []

    # The server logged each request as one JSON line and nothing else; no secret reached it.
    output = stdout.read_text()
    lines = [json.loads(line) for line in output.splitlines()]
    logins = [line for line in lines if line.get("path") == "/api/auth/login"]
    assert [(line["method"], line["status"]) for line in logins] == [("POST", 200)]
    assert PASSWORD not in output and answer["access_token"] not in output


def test_gunicorn_sends_no_version(server):
    base, _ = server
    status, headers, _ = get(base + "/api/health")
    assert status == 200
    assert headers.get("Server") == "gunicorn"  # gunicorn's own, fixed, without a version
    assert headers["X-Content-Type-Options"] == "nosniff"
