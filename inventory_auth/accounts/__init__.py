"""User accounts: the records (`store.py`), checking who someone is (`authentication.py`), and
their administration by an admin_general or an operator (`admin.py`, audited), forgotten
passwords (`password_reset.py`) and invitations to accounts created without one
(`invitations.py`).

Shared by the HTTP API and the `flask users` commands; nothing here commits.
"""

from .authentication import authenticate, change_password, login
from .store import (
    check_password_policy,
    create_user,
    find_by_email,
    get_user,
    has_password,
    register,
    set_password,
    update_profile,
)

__all__ = [
    "authenticate",
    "change_password",
    "check_password_policy",
    "create_user",
    "find_by_email",
    "get_user",
    "has_password",
    "login",
    "register",
    "set_password",
    "update_profile",
]
