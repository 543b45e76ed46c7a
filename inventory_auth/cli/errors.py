"""What the command line says when the domain refuses: one plain English line.

The API's Spanish texts are for the app's users; an operator at the server's shell reads these.
"""

from __future__ import annotations

import click
from marshmallow import ValidationError

from .. import exceptions as domain

PASSWORD_PROBLEMS = {
    "too_common": "the password is too common or easy to guess; use a longer phrase of your own",
    "contains_personal": "the password may not contain the user's name or email",
    "too_long_for_bcrypt": "the password is longer than 72 bytes (UTF-8), all that bcrypt hashes "
    "read while PASSWORD_HASH_METHOD is bcrypt; use a shorter one",
}


def describe(error: domain.DomainError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        fields = error.normalized_messages()
        return "; ".join(
            f"{field}: {' '.join(texts) if isinstance(texts, list) else texts}"
            for field, texts in fields.items()
        )
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
    if isinstance(error, domain.HashingBusy | domain.AddressOverFailureBudget):
        return f"refused for now (too busy, or too many failures); try again in {error.retry_after} s"
    if isinstance(error, domain.DependencyUnavailable):
        return "a service the change depends on cannot be reached; nothing was changed"
    return type(error).__name__


def fail(message: str):
    """Stop the command: one line on stderr, exit status 1."""
    raise click.ClickException(message)
