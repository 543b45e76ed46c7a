"""Signing keys for the asymmetric algorithms (EdDSA, ES256, RS256).

- `material.py`: making, reading and checking keys; public JWKs and their `kid`; keys at rest.
- `keyring.py`: the keys a process signs and verifies with, reloaded from the database on a short
  interval, and the JWKS it publishes.
- `rotation.py`: `flask keys rotate|list|retire`.

Under HS* (the default) none of it is used: SECRET_KEY signs, as before.
"""

from flask import current_app

EXTENSION = "inventory_auth.keyring"


def current_keyring():
    """This app's key ring (`keyring.KeyRing`); None under HS*."""
    return current_app.extensions.get(EXTENSION)
