"""The real service under gunicorn and Debian's headless Chromium, for the browser tests.

`serve(database_url, log_dir, port=None, **environ)` runs `gunicorn -c gunicorn.conf.py wsgi:app`
on a free local port (one worker, two threads) against the test database and yields its base URL
and the path of its stdout; `chromium(profile_dir)` yields a Selenium driver. `CHROMIUM_MISSING`
is the skip reason when either binary is absent (CI installs them: .ci/run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fault.harness import free_port

from helpers import base_environ

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,2000", "--hide-scrollbars",
)
WAIT_SECONDS = 30
CHROMIUM_MISSING = not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER))
CHROMIUM_REASON = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"



def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local test server)
        return response.status, dict(response.headers), response.read()


@contextlib.contextmanager
def serve(database_url: str, log_dir: Path, port: int | None = None, **environ):
    """gunicorn on `port` (a free one by default); yields (base URL, path of its stdout)."""
    port = port or free_port()
    settings = {
        **os.environ,
        **base_environ(database_url),
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        **environ,
    }
    settings.pop("GUNICORN_ACCESS_LOG", None)
    stdout = log_dir / "stdout.log"
    with stdout.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=settings, stdout=out, stderr=subprocess.PIPE, text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read()}")
            try:
                if get(base + "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer in time")
            time.sleep(0.2)
        yield base, stdout
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


@contextlib.contextmanager
def chromium(profile_dir: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
