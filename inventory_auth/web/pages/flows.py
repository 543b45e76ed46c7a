"""The two links a mail carries, and what differs between their pages.

Both set a password from a single-use token through the domain (the policy, every session
ended, lockout cleared, audited): a reset link (`accounts/password_reset.py`) and an invitation
(`accounts/invitations.py`). A link that cannot be used is one exception per flow, which the page
shows as "not valid or expired" with a way to ask for a new link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...accounts import invitations, password_reset
from ...exceptions import InvitationTokenInvalid, ResetTokenInvalid
from .. import messages

PASSWORD_FIELD = "password"  # the policy's messages go next to this field of the form


@dataclass(frozen=True)
class Flow:
    endpoint: str
    title: str  # the form page's heading
    submit: str
    invalid: type[Exception]
    invalid_text: str
    done_title: str
    done_text: str
    check: Callable
    accept: Callable


RESET = Flow(
    endpoint="pages.reset_password",
    title=messages.PAGE_RESET_TITLE,
    submit=messages.PAGE_RESET_SUBMIT,
    invalid=ResetTokenInvalid,
    invalid_text=messages.RESET_TOKEN_INVALID,
    done_title=messages.PAGE_RESET_DONE_TITLE,
    done_text=messages.PAGE_RESET_NEXT,
    check=password_reset.check,
    accept=lambda token, password: password_reset.confirm(token, password, field=PASSWORD_FIELD),
)

ACTIVATION = Flow(
    endpoint="pages.activate_account",
    title=messages.PAGE_ACTIVATION_TITLE,
    submit=messages.PAGE_ACTIVATION_SUBMIT,
    invalid=InvitationTokenInvalid,
    invalid_text=messages.ACTIVATION_TOKEN_INVALID,
    done_title=messages.PAGE_ACTIVATION_DONE_TITLE,
    done_text=messages.PAGE_ACTIVATION_NEXT,
    check=invitations.check,
    accept=lambda token, password: invitations.accept(token, password, field=PASSWORD_FIELD),
)
