"""What the domain can refuse, in its own words: no HTTP status, no user-facing text.

Accounts, sessions and the security policy raise these; the web layer (`web/errors.py`) alone
turns them into the contract's JSON answers with Spanish messages, and the command line
(`cli/errors.py`) into one English line. A new refusal is a new class here plus one entry in each
of those two catalogs.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain reports."""


# Accounts
class UserNotFound(DomainError):
    """The account named (by id or token) does not exist."""


class EmailTaken(DomainError):
    """Another account already has this email, whatever its case."""


class WeakPassword(DomainError):
    """The password policy refused a new password; `problems` are policy codes."""

    def __init__(self, problems: list[str], field: str = "password"):
        super().__init__(", ".join(problems))
        self.problems = list(problems)
        self.field = field


class RoleNotSelfService(DomainError):
    """Only an admin_general may create an account of this role."""

    def __init__(self, role: str):
        super().__init__(role)
        self.role = role


class PermissionDenied(DomainError):
    """The caller's role may not do this."""


class LastAdminGeneral(DomainError):
    """The change would leave no active admin_general (deactivation or another role)."""


# Authentication
class AuthenticationFailed(DomainError):
    """A login that did not succeed; what it recorded (lockout, rehash) is still committed."""


class InvalidCredentials(AuthenticationFailed):
    """Unknown email or wrong password: the two are never told apart."""


class AccountInactive(AuthenticationFailed):
    """The password was right but the account is deactivated."""


class AccountLocked(AuthenticationFailed):
    """Too many consecutive failures: no password is checked for `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class AttemptInProgress(AccountLocked):
    """Another password check for the same account is running: this one is refused without
    checking anything, and does not count as a failure; retry in `retry_after` seconds."""


class AddressOverFailureBudget(DomainError):
    """The client's address has failed too many password, policy or token checks lately: the
    request is refused before any of them; retry in `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class WrongCurrentPassword(DomainError):
    """A password change whose current password did not verify."""


class ResetTokenInvalid(DomainError):
    """A password reset token that is unknown, used, expired, superseded by a newer one, or whose
    user has been deactivated: all alike, so the answer tells nothing about which."""


# Tokens and sessions
class InvalidToken(DomainError):
    """Expired, forged, of the wrong type, revoked, or naming a session that ended."""


class RefreshTokenReused(InvalidToken):
    """A refresh token replaced earlier was presented again: its session has been ended."""


class DependencyUnavailable(DomainError):
    """A store the answer depends on (the database, Redis) cannot be reached: try again later."""


class HashingBusy(DomainError):
    """This process would make the request wait for a password hash longer than it may: it is
    refused before the hash; `retry_after` seconds is when room is likely."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
