"""What the command line says when the domain refuses: one plain English line.

The API's Spanish texts are for the app's users; an operator at the server's shell reads these.
"""

from __future__ import annotations

import click
from marshmallow import ValidationError

from .. import exceptions as domain
from ..models.user import AVATAR_URL_MAX, EMAIL_MAX, FICHA_MAX, NAME_MAX, PHONE_MAX, PROGRAM_MAX
from ..roles import ROLES
from ..web.auth.schemas import PASSWORD_MAX, PASSWORD_MIN
from .output import printable

PASSWORD_PROBLEMS = {
    "too_common": "the password is too common or easy to guess; use a longer phrase of your own",
    "contains_personal": "the password may not contain the user's name or email",
    "too_long_for_bcrypt": "the password is longer than 72 bytes (UTF-8), all that bcrypt hashes "
    "read while PASSWORD_HASH_METHOD is bcrypt; use a shorter one",
}


# A roster the import cannot read (enrolment/reading.py codes).
UNREADABLE = {
    "old_format": "cannot read this file: save it as an Excel workbook (.xlsx) or as CSV, without a password",
    "encoding": "the file's encoding is not UTF-8, UTF-16 or Windows-1252; save it as 'CSV UTF-8'",
    "malformed_csv": "the CSV is malformed near row {row} ({problem})",
    "malformed_xlsx": "the file is not a valid .xlsx workbook",
    "no_header": "the file is empty: its first row must name the columns",
    "too_many_columns": "the header row has more than {limit} columns",
    "duplicate_column": "the columns '{first}' and '{column}' are the same; keep one",
    "missing_columns": "required columns missing: {fields}",
}
ROW_PROBLEMS = {
    "duplicate_in_file": "this email is also on row(s) {rows}",
    "last_admin_general": "this is the last active admin_general; give another account that role first",
}


def describe_row(error) -> str:
    """One row error of an import: ours in English; the account rules' own (Spanish) text."""
    if error.code is None:
        return error.message
    params = {**error.params}
    if "rows" in params:
        params["rows"] = ", ".join(str(row) for row in params["rows"])
    return ROW_PROBLEMS[error.code].format(**params)


# What a value given on the command line must be, by field (the schemas' rules, said in English;
# their own texts are the API's Spanish ones).
FIELD_RULES = {
    "email": f"must be an email address of at most {EMAIL_MAX} characters, in one alphabet",
    "password": f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters",
    "first_name": f"must be 1 to {NAME_MAX} characters in one alphabet, no control characters",
    "last_name": f"must be 1 to {NAME_MAX} characters in one alphabet, no control characters",
    "role": f"must be one of {', '.join(ROLES)}",
    "phone": f"must be at most {PHONE_MAX} characters, no control characters",
    "program": f"must be at most {PROGRAM_MAX} characters, no control characters",
    "ficha": f"must be at most {FICHA_MAX} characters, no control characters",
    "avatar_url": f"must be an http(s) URL of at most {AVATAR_URL_MAX} characters",
}


def describe_fields(error: ValidationError) -> str:
    """The fields a schema refused, one clause each, in English; a value is quoted (made
    printable), never a password."""
    given = error.data if isinstance(error.data, dict) else {}
    clauses = []
    for field in error.normalized_messages():
        clause = f"{field.replace('_', '-')} {FIELD_RULES.get(field, 'is not valid')}"
        if field != "password" and isinstance(given.get(field), str):
            clause += f", got {given[field]!r}"
        clauses.append(clause)
    return "; ".join(clauses)


def describe(error: domain.DomainError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return describe_fields(error)
    if isinstance(error, domain.WeakPassword):
        return "; ".join(PASSWORD_PROBLEMS.get(code, code) for code in error.problems)
    if isinstance(error, domain.EmailTaken):
        return "that email is already registered"
    if isinstance(error, domain.UserNotFound):
        return "no such user"
    if isinstance(error, domain.LastAdminGeneral):
        return "this is the last active admin_general; give another account that role first"
    if isinstance(error, domain.ResetTokenInvalid):
        return "the reset link is not valid or has expired"
    if isinstance(error, domain.InvitationTokenInvalid):
        return "the invitation link is not valid or has expired"
    if isinstance(error, domain.AccountHasPassword):
        return "the account already has a password: its owner signs in, or resets it (flask users reset-link)"
    if isinstance(error, domain.AccountInactive):
        return "the account is deactivated; activate it first (flask users activate)"
    if isinstance(error, domain.LinkUnavailable):
        return f"no link can be built: set {error.setting} (the service's address as people reach it)"
    if isinstance(error, domain.SymmetricAlgorithm):
        return ("ALGORITHM is HS256/HS384/HS512: tokens are signed with SECRET_KEY and there are "
                "no keys to manage; set ALGORITHM to EdDSA, ES256 or RS256 (docs/integration.md)")
    if isinstance(error, domain.UnknownSigningKey):
        return "no signing key has that kid (see flask keys list)"
    if isinstance(error, domain.SigningKeyInUse):
        return "that key signs now; run flask keys rotate first, then retire it"
    if isinstance(error, domain.ServiceClientExists):
        return "a service credential with that name exists already (revoked ones keep their name)"
    if isinstance(error, domain.UnknownServiceClient):
        return "no live service credential has that name (see flask services list)"
    if isinstance(error, domain.SpreadsheetUnreadable):
        details = {**error.details}
        if "fields" in details:
            details["fields"] = ", ".join(details["fields"])
        return UNREADABLE[error.reason].format(**details)
    if isinstance(error, domain.SpreadsheetTooLarge):
        if error.what == "rows":
            return f"more than {error.limit} data rows (IMPORT_MAX_ROWS); split the file"
        return f"the workbook unpacks to more than {error.limit} bytes (IMPORT_MAX_UNZIPPED_BYTES)"
    if isinstance(error, domain.ImportRaced):
        return "another import is creating the same accounts right now; nothing was written, try again"
    if isinstance(error, domain.HashingBusy | domain.AddressOverFailureBudget):
        return f"refused for now (too busy, or too many failures); try again in {error.retry_after} s"
    return type(error).__name__


def fail(message: str):
    """Stop the command: one line on stderr, exit status 1 (a value quoted in it made printable)."""
    raise click.ClickException(printable(message))
