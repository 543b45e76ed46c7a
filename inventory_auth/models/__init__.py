"""The database tables, one module each."""

from .audit_log import AuditLog
from .auth_session import AuthSession
from .invitation_token import InvitationToken
from .login_failure import LoginFailure
from .password_reset_token import PasswordResetToken
from .user import User

__all__ = [
    "AuditLog",
    "AuthSession",
    "InvitationToken",
    "LoginFailure",
    "PasswordResetToken",
    "User",
    "exists_on",
]


def exists_on(dialect_name: str):
    """An Alembic `include_object` hook: leave out of the comparison the objects declared for
    another database only (`Index(...).ddl_if(dialect="postgresql")`, the trigram indexes)."""

    def include_object(obj, _name, _type, _reflected, _compare_to):
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect is None or condition.dialect == dialect_name

    return include_object
