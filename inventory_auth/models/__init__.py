"""The database tables, one module each."""

from .user import User

__all__ = ["User"]
