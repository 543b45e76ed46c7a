"""Roles and the checks that depend on them."""

from ..config import ROLES

ADMIN_GENERAL = "admin_general"

__all__ = ["ROLES", "ADMIN_GENERAL", "is_admin_general"]


def is_admin_general(user) -> bool:
    return user is not None and user.role == ADMIN_GENERAL

