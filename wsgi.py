"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from inventory_auth import create_app
from inventory_auth.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"inventory_auth: {error}")
