"""Roles and the checks that depend on them."""

from functools import wraps

from flask_jwt_extended import current_user, jwt_required

from ..config import ROLES
from ..errors import Forbidden

ADMIN_GENERAL = "admin_general"

__all__ = ["ROLES", "ADMIN_GENERAL", "roles_required", "is_admin_general"]


def is_admin_general(user) -> bool:
    return user is not None and user.role == ADMIN_GENERAL


def roles_required(*roles):
    """Allow the view only to an authenticated user holding one of `roles`."""

    def decorator(view):
        @jwt_required()
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator
