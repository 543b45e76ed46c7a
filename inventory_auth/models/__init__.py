"""The database tables, one module each."""

from .audit_log import AuditLog
from .auth_session import AuthSession
from .login_failure import LoginFailure
from .password_reset_token import PasswordResetToken
from .user import User

__all__ = ["AuditLog", "AuthSession", "LoginFailure", "PasswordResetToken", "User"]
