"""The roles of the inventory system, from least to most powerful.

The `users.role` check constraint, the schemas, the configuration and the role checks all read
this one list.
"""

ROLES = ("student", "instructor", "supervisor", "admin", "admin_general")
ADMIN_GENERAL = "admin_general"


def is_admin_general(user) -> bool:
    return user is not None and user.role == ADMIN_GENERAL
