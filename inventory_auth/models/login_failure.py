"""The `login_failures` table: consecutive failed logins per account, for the lockout, and the
lease of the password check running for it (at most one at a time).

Keyed by a digest of the normalized email, so unknown emails are counted exactly like real ones
(the lockout reveals nothing) and no address a stranger typed is stored in clear.
"""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class LoginFailure(db.Model):
    __tablename__ = "login_failures"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at = mapped_column(UTCDateTime, nullable=False, index=True)
    locked_until = mapped_column(UTCDateTime)
    # The lease of the one password check running for this account (security/lockout.py).
    attempt_until = mapped_column(UTCDateTime)
