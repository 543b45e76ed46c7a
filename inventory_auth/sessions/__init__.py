"""Login sessions and their tokens.

- `lifecycle.py`: start a session at login, rotate its refresh token, end it (logout, and every
  change that must sign a user out), prune dead ones.
- `tokens.py`: the access and refresh tokens a session hands out.
- `token_check.py`: the check every request with an access token passes, top to bottom.

The token library's manager, which verifies a token with one decode, is `../jwt_manager.py`.
"""

from .lifecycle import claim, end_all, end_session, end_sessions, logout, logout_all, prune, refresh, start
from .tokens import current_session_id

__all__ = [
    "claim", "current_session_id", "end_all", "end_session", "end_sessions", "logout", "logout_all", "prune",
    "refresh", "start",
]
