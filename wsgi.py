"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from inventory_auth import create_app
from inventory_auth.config import ConfigurationError


def _configuration_exit_status() -> int:
    """1, except in a gunicorn worker: there gunicorn's boot-error code, on which the master stops
    the whole server instead of booting another worker that would fail the same way."""
    arbiter = sys.modules.get("gunicorn.arbiter")
    return arbiter.Arbiter.WORKER_BOOT_ERROR if arbiter is not None else 1


try:
    app = create_app()
except ConfigurationError as error:
    print(f"inventory_auth: {error}", file=sys.stderr, flush=True)
    sys.exit(_configuration_exit_status())
