"""User accounts: the records (`store.py`) and checking who someone is (`authentication.py`).

Shared by the HTTP API and the `flask users` commands; nothing here commits.
"""

from .authentication import authenticate, change_password
from .store import (
    check_password_policy,
    create_user,
    end_all_sessions,
    find_by_email,
    get_user,
    register,
    set_active,
    set_password,
    set_role,
    update_profile,
)

__all__ = [
    "authenticate",
    "change_password",
    "check_password_policy",
    "create_user",
    "end_all_sessions",
    "find_by_email",
    "get_user",
    "register",
    "set_active",
    "set_password",
    "set_role",
    "update_profile",
]
