"""The database tables, one module each."""

from .auth_session import AuthSession
from .login_failure import LoginFailure
from .user import User

__all__ = ["AuthSession", "LoginFailure", "User"]
