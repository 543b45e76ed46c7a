"""The other services of the inventory system, as callers of token introspection.

- `credentials.py`: their credentials (`flask services create|list|revoke`), stored hashed.
- `introspection.py`: RFC 7662, whether a token is live right now, checked like every request's
  token (`sessions/token_check.py`) in one database round trip that also checks the caller.
"""

from .credentials import create, list_clients, revoke
from .introspection import introspect

__all__ = ["create", "introspect", "list_clients", "revoke"]
