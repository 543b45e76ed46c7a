"""Handing one message to the SMTP server through Flask-Mailman, or to the log without one.

Runs on the outbox's sender thread, inside an application context. Every network step (connect,
STARTTLS, login, each SMTP command) waits at most `MAIL_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl

from flask_mailman import EmailMessage, Mail
from flask_mailman.backends import smtp

from ..config import settings
from .message import Message

log = logging.getLogger("inventory_auth.mail")

mailman = Mail()


class _VerifyingSMTP(smtplib.SMTP):
    """STARTTLS that checks the server's certificate and name.

    Flask-Mailman calls `starttls()` without a context, and the standard library then accepts any
    certificate; implicit TLS (`MAIL_USE_SSL`) already uses a verifying context.
    """

    def starttls(self, *args, context=None, **kwargs):
        if context is None:
            context = ssl.create_default_context()
        return super().starttls(*args, context=context, **kwargs)


class EmailBackend(smtp.EmailBackend):
    """Flask-Mailman's SMTP backend, with certificate checks on STARTTLS too."""

    @property
    def connection_class(self):
        return smtplib.SMTP_SSL if self.use_ssl else _VerifyingSMTP


def deliver(message: Message, *, request_id: str | None) -> None:
    """Send `message` now (blocking), or log it when no MAIL_SERVER is set. Raises on failure."""
    config = settings()
    if not config.MAIL_SERVER:
        log_unsent(message, request_id=request_id)
        return
    connection = mailman.get_connection(
        backend=EmailBackend,
        host=config.MAIL_SERVER,
        port=config.MAIL_PORT,
        timeout=config.MAIL_TIMEOUT_SECONDS,
    )
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=config.MAIL_DEFAULT_SENDER,
        to=[message.to],
        connection=connection,
    ).send()


def log_unsent(message: Message, *, request_id: str | None) -> None:
    """No MAIL_SERVER: development shows the whole message; production never logs a body."""
    if settings().APP_ENV == "production":
        log.error(
            "mail not sent (no MAIL_SERVER): %s message dropped",
            message.kind,
            extra={"request_id": request_id, "mail_kind": message.kind},
        )
        return
    log.warning(
        "mail not sent (no MAIL_SERVER): To: %s\nSubject: %s\n\n%s",
        message.to,
        message.subject,
        message.body,
        extra={"request_id": request_id, "mail_kind": message.kind},
    )
