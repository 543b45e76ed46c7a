"""The pages a link in a mail leads to, in a real browser, as a person uses them.

gunicorn serves the app (links built from its own address, `PUBLIC_URL`), mail goes to a real
SMTP server (aiosmtpd) in the test process, and headless Chromium opens the link from the
message, types a weak password and sees the message next to the field, types a good one twice,
sees the confirmation; then the new password logs in through the API. The same for an
invitation. Every state of every page is checked by axe-core (no violation of the WCAG 2 A/AA
rules it tests) and for horizontal scrolling at 320, 360 and 640 CSS px (a phone; 400 % and
200 % zoom of a 1280-px screen) and at 1280 px.

axe-core comes from npm, pinned in tests/axe/package.json: `npm ci --prefix tests/axe` (.ci/run
does it). Without it the test is skipped, except in CI, where it fails.

`PAGES_SCREENSHOTS=docs/pages pytest tests/test_pages_browser.py` also writes a PNG of each
state at 360 and 1280 px into that folder (docs/operations.md shows them).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest

from inventory_auth import accounts, mail
from inventory_auth.extensions import db

from helpers import PASSWORD
from live_server import CHROMIUM_MISSING, CHROMIUM_REASON, ROOT, WAIT_SECONDS, chromium, free_port, serve

AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 360, 640, 1280)
SCREENSHOT_WIDTHS = (360, 1280)
WEAK = "contraseña123"
NEW_PASSWORD = "Otra frase propia del almacén 58"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM_MISSING, reason=CHROMIUM_REASON)]


@pytest.fixture
def axe_source():
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: .ci/run installs it with npm ci --prefix tests/axe")
        pytest.skip("axe-core is not installed: npm ci --prefix tests/axe")
    return AXE.read_text()


@pytest.fixture
def site(database_url, make_app, smtp_server, tmp_path):
    """gunicorn mailing to the test's SMTP server, links built from its own address; and an app
    on the same database and settings, for the `flask users invite` command."""
    port = free_port()
    environ = {**smtp_server.environ, "PUBLIC_URL": f"http://127.0.0.1:{port}",
               "PASSWORD_RESET_RATE_LIMIT": "1000 per minute"}
    with serve(database_url, tmp_path, port=port, **environ) as (base, stdout):
        app = make_app(**environ)
        yield base, stdout, app
        mail.outbox(app).close(0)


@pytest.fixture
def browser(tmp_path):
    with chromium(tmp_path / "chromium-profile") as driver:
        yield driver


class Visit:
    """The browser on the pages: type, submit, and check each state the person sees."""

    def __init__(self, driver, axe: str, shots: Path | None):
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.axe = axe
        self.shots = shots
        self.wait = WebDriverWait(driver, WAIT_SECONDS)
        self.checked: list[str] = []

    def viewport(self, width: int, height: int = 800) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700,
        })

    def open(self, url: str) -> None:
        self.driver.get(url)

    def type(self, field_id: str, text: str) -> None:
        from selenium.webdriver.common.by import By

        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(text)

    def submit(self) -> None:
        from selenium.webdriver.common.by import By

        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait.until(lambda _: not _is_same(old))

    def heading(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "h1").text

    def described(self, field_id: str) -> str:
        """What a screen reader says about the field besides its label (aria-describedby)."""
        return self.driver.execute_script(
            "var f = document.getElementById(arguments[0]);"
            "return (f.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)"
            ".map(function (i) { return document.getElementById(i).textContent.trim(); }).join(' ');",
            field_id,
        )

    def check(self, state: str, screenshot: bool = True) -> None:
        """axe-core at every width, no horizontal scrolling, nothing blocked; screenshots."""
        for width in WIDTHS:
            self.viewport(width)
            scroll, inner = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth];")
            assert scroll <= inner, f"{state} scrolls sideways at {width} px ({scroll} > {inner})"
            violations = self.run_axe()
            assert violations == [], f"{state} at {width} px: {json.dumps(violations, ensure_ascii=False)}"
        if self.shots is not None and screenshot:
            for width in SCREENSHOT_WIDTHS:
                self.screenshot(f"{state}-{width}.png", width)
        # Nothing blocked by the policy nor failed to load, but the page's own status (a 4xx page).
        own = self.driver.current_url + " - Failed to load resource"
        logged = self.driver.get_log("browser")
        problems = [entry["message"] for entry in logged
                    if entry["level"] == "SEVERE" and not entry["message"].startswith(own)]
        assert problems == [], state
        self.viewport(360)
        self.checked.append(state)

    def run_axe(self) -> list:
        self.driver.execute_script(self.axe)
        found = self.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(function (r) { done(r.violations.map(function (v) {"
            "  return {id: v.id, help: v.help, nodes: v.nodes.map(function (n) { return n.html; })};"
            "})); }, function (e) { done([{id: 'axe-error', help: String(e)}]); });",
            AXE_TAGS,
        )
        return found

    def screenshot(self, name: str, width: int) -> None:
        self.viewport(width, 200)  # then as tall as the content, no empty space below
        height = self.driver.execute_script(
            "return Math.ceil(document.querySelector('main').getBoundingClientRect().bottom) + 16;")
        self.viewport(width, height)
        self.shots.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(self.shots / name))


def _is_same(element) -> bool:
    """Whether `element` is still in the page: a navigation made it stale. Mid-navigation Chromium
    may say so in its inspector's words instead of as a stale reference."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
        return True
    except StaleElementReferenceException:
        return False
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return False
        raise


def link_from(smtp_server, count: int, base: str, path: str) -> str:
    body = smtp_server.wait_for(count)[count - 1].get_content()
    found = re.search(re.escape(base + path) + r"\?token=(\S+)", body)
    assert found, body
    return found.group(0)


def api_login(base: str, email: str, password: str) -> int:
    request = urllib.request.Request(
        base + "/api/auth/login", data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.fixture
def visit(browser, axe_source):
    shots = os.environ.get("PAGES_SCREENSHOTS")
    return Visit(browser, axe_source, ROOT / shots if shots else None)


def test_a_password_reset_from_the_mail_on_a_phone(site, smtp_server, visit, create_user):
    base, stdout, _app = site
    user = create_user()
    visit.viewport(360)

    visit.open(base + "/restablecer-contrasena")
    assert visit.heading() == "Restablecer la contraseña"
    visit.check("restablecer-pedir")
    visit.type("email", "no es un correo")
    visit.submit()
    assert visit.described("email") == "Correo electrónico inválido."
    visit.check("restablecer-pedir-error")
    visit.type("email", user["email"])
    visit.submit()
    assert visit.heading() == "Revise su correo"
    visit.check("restablecer-pedir-enviado")

    link = link_from(smtp_server, 1, base, "/restablecer-contrasena")
    visit.open(link)
    assert visit.heading() == "Elija una contraseña nueva"
    visit.check("restablecer")
    visit.type("password", WEAK)
    visit.type("password_confirm", WEAK)
    visit.submit()
    assert "demasiado común" in visit.described("password")
    assert visit.driver.current_url == base + "/restablecer-contrasena"  # the token left the address
    visit.check("restablecer-error")
    visit.type("password", NEW_PASSWORD)
    visit.type("password_confirm", NEW_PASSWORD)
    visit.submit()
    assert visit.heading() == "Contraseña restablecida"
    assert "Vuelva a la aplicación e ingrese con su nueva contraseña." in visit.driver.page_source
    visit.check("restablecer-hecho")

    assert api_login(base, user["email"], NEW_PASSWORD) == 200
    assert api_login(base, user["email"], PASSWORD) == 401

    visit.open(link)  # used
    assert visit.heading() == "El enlace de restablecimiento no es válido o ha expirado"
    visit.check("restablecer-enlace-invalido")

    token = unquote(link.rsplit("token=", 1)[1])
    assert token not in stdout.read_text()  # the request log has the path only


def test_an_invitation_from_the_mail_on_a_phone(site, smtp_server, visit):
    base, _stdout, app = site
    with app.app_context():
        accounts.create_user(email="nueva@sena.edu.co", password=None, first_name="Nora",
                             last_name="Aprendiz", role="student")
        db.session.commit()
    assert api_login(base, "nueva@sena.edu.co", "cualquier cosa larga") == 401
    assert app.test_cli_runner().invoke(args=["users", "invite", "nueva@sena.edu.co"]).exit_code == 0
    link = link_from(smtp_server, 1, base, "/activar-cuenta")
    visit.viewport(360)

    visit.open(link)
    assert visit.heading() == "Active su cuenta"
    visit.check("activar")
    visit.type("password", NEW_PASSWORD)
    visit.type("password_confirm", NEW_PASSWORD + " otra")
    visit.submit()
    assert visit.described("password_confirm").startswith("Las dos contraseñas no coinciden")
    visit.check("activar-error")
    visit.type("password", NEW_PASSWORD)
    visit.type("password_confirm", NEW_PASSWORD)
    visit.submit()
    assert visit.heading() == "Cuenta activada"
    visit.check("activar-hecho")
    assert api_login(base, "nueva@sena.edu.co", NEW_PASSWORD) == 200

    visit.open(link)
    assert visit.heading() == "El enlace de activación no es válido o ha expirado"
    visit.check("activar-enlace-invalido")


def test_the_error_pages_pass_the_check_too(site, visit):
    base, _stdout, _app = site
    visit.viewport(360)
    visit.open(base + "/restablecer-contrasena?token=" + "A" * 43)
    visit.check("enlace-invalido-sin-cuenta", screenshot=False)  # as restablecer-enlace-invalido
    visit.driver.execute_script(
        "var f = document.createElement('form'); f.method = 'post';"
        "f.action = '/restablecer-contrasena'; f.enctype = 'multipart/form-data';"
        "document.body.appendChild(f); f.submit();")
    visit.wait.until(lambda _: "Envíe el formulario" in visit.heading())
    visit.check("error-415")


def test_the_check_would_see_a_violation(site, visit):
    base, _stdout, _app = site
    visit.open(base + "/restablecer-contrasena")
    visit.driver.execute_script("document.querySelector('form').appendChild(document.createElement('input'));")
    assert "label" in {violation["id"] for violation in visit.run_axe()}
