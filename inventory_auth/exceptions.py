"""What the domain can refuse, in its own words: no HTTP status, no user-facing text.

Accounts, sessions and the security policy raise these; the web layer (`web/errors.py`) alone
turns them into the contract's JSON answers with Spanish messages, and the command line
(`cli/errors.py`) into one English line. A new refusal is a new class here plus one entry in each
of those two catalogs.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain reports."""


class RecordedRefusal(DomainError):
    """A refusal whose request must still keep what the domain recorded on the way to it (a failed
    login's lockout count and audit record, the session a reused refresh token ends). The edge
    commits the request's transaction before it answers with one of these; every other error
    rolls it back (`web/transaction.py`)."""


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


class LastAdminGeneral(DomainError):
    """The change would leave no active admin_general (deactivation or another role)."""


# Authentication
class AuthenticationFailed(RecordedRefusal):
    """A login or a password check that did not succeed; what it recorded (the lockout's count,
    the audit record) is still committed."""


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


class WrongCurrentPassword(RecordedRefusal):
    """A password change whose current password did not verify (counted for the lockout)."""


class ResetTokenInvalid(DomainError):
    """A password reset token that is unknown, used, expired, superseded by a newer one, or whose
    user has been deactivated: all alike, so the answer tells nothing about which."""


class InvitationTokenInvalid(DomainError):
    """An invitation token that is unknown, used, expired, superseded by a newer one, whose user
    has been deactivated or already has a password: all alike, as for reset tokens."""


class AccountHasPassword(DomainError):
    """An invitation for an account that already has a password: it signs in (or resets it)."""


class LinkUnavailable(DomainError):
    """No address to build a mailed link from: `setting` (PUBLIC_URL, PASSWORD_RESET_URL) is not
    set in production."""

    def __init__(self, setting: str):
        super().__init__(setting)
        self.setting = setting


# Tokens and sessions
class InvalidToken(DomainError):
    """Expired, forged, of the wrong type, revoked, or naming a session that ended."""


class RefreshTokenReused(InvalidToken, RecordedRefusal):
    """A refresh token replaced earlier was presented again: its session has been ended."""


# Signing keys (asymmetric ALGORITHM) and the services that introspect tokens
class SymmetricAlgorithm(DomainError):
    """ALGORITHM is HS*: SECRET_KEY signs, and there are no keys to manage."""


class UnknownSigningKey(DomainError):
    """No signing key has this kid."""


class SigningKeyInUse(DomainError):
    """The key signs now: rotate first, then retire it."""


class ServiceClientExists(DomainError):
    """A service credential with this name exists already (revoked ones included)."""


class UnknownServiceClient(DomainError):
    """No live service credential has this name."""


class ServiceAuthenticationFailed(DomainError):
    """A call to introspection without a valid service credential."""


class HashingBusy(DomainError):
    """This process would make the request wait for a password hash longer than it may: it is
    refused before the hash; `retry_after` seconds is when room is likely."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


# Enrolling accounts from a spreadsheet (enrolment/)
class SpreadsheetUnreadable(DomainError):
    """The file is no spreadsheet this service reads, or it cannot tell which columns are which.

    `reason` is one of `enrolment.reading.UNREADABLE` (a code, not a text); `details` carries
    what the message names (a column, the columns missing, a line).
    """

    def __init__(self, reason: str, **details):
        super().__init__(reason)
        self.reason = reason
        self.details = details


class SpreadsheetTooLarge(DomainError):
    """More data rows than IMPORT_MAX_ROWS, or a workbook that unpacks to more than
    IMPORT_MAX_UNZIPPED_BYTES: refused before any row is checked."""

    def __init__(self, what: str, limit: int):
        super().__init__(f"{what} > {limit}")
        self.what = what  # "rows" or "unzipped_bytes"
        self.limit = limit


class ImportRowsInvalid(DomainError):
    """Some rows cannot be imported; nothing was written. `errors` lists every one of them
    (`enrolment.rows.RowError`), in the file's order."""

    def __init__(self, errors: list):
        super().__init__(f"{len(errors)} row error(s)")
        self.errors = list(errors)


class ImportRaced(DomainError):
    """Other writers kept taking emails of the file while it was imported (a concurrent import
    of the same people): nothing was written; importing the file again sees their accounts."""
