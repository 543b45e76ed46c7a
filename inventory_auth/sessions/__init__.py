"""Login sessions and their tokens.

- `lifecycle.py`: start a session at login, rotate its refresh token, end it (logout, and every
  change that must sign a user out), prune dead ones.
- `tokens.py`: the access and refresh tokens a session hands out.
- `jwt_manager.py`: flask-jwt-extended's manager (`jwt`), which verifies a token with one decode;
- `token_check.py`: what follows, the check every request with an access token passes, top to
  bottom; `token_user.py` is what it hands the views, `legacy_tokens.py` the previous backend's
  tokens during their transition window.
"""

from .lifecycle import claim, end_all, end_session, end_sessions, logout, logout_all, prune, refresh, start
from .tokens import current_session_id

__all__ = [
    "claim", "current_session_id", "end_all", "end_session", "end_sessions", "logout", "logout_all", "prune",
    "refresh", "start",
]
