"""Serve the service: `python -m inventory_auth.serve [gunicorn options]`, from the project folder.

What the Procfile and the Docker image run. It reads every setting first, as the application will
(config.py), and stops with one line naming a bad one; only then does it become
`gunicorn -c gunicorn.conf.py wsgi:app` (the same process: signals reach gunicorn's master
directly). Started bare, gunicorn reads WEB_CONCURRENCY itself with `int()` while importing its
own settings, before any configuration file, so `WEB_CONCURRENCY=abc` would end in its
traceback; here the value it reads is the one config.py validated.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask

from .config import ConfigurationError, load_settings

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"


def gunicorn_command(options: list[str]) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), *options, "wsgi:app"]


def main(options: list[str]) -> None:
    try:
        settings = load_settings(Flask("inventory_auth", instance_relative_config=True).instance_path)
    except ConfigurationError as error:
        sys.exit(f"inventory_auth: {error}")
    os.environ["WEB_CONCURRENCY"] = str(settings.WEB_CONCURRENCY)
    command = gunicorn_command(options)
    os.execv(command[0], command)  # noqa: S606  (becomes gunicorn: no shell, its signals its own)


if __name__ == "__main__":
    main(sys.argv[1:])
