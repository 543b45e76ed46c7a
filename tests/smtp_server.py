"""A real SMTP server in the test process (aiosmtpd), for tests that send mail.

`smtp_server` listens on a free loopback port and keeps every message it accepts, parsed:
`smtp_server.messages`, `smtp_server.wait_for(count)`. `smtp_server.environ` holds the settings
that point the service at it (`make_app(**smtp_server.environ)`). Setting `smtp_server.delay`
makes it wait that many seconds before answering DATA, like a slow server. `closed_port` is a
loopback port nobody listens on (connections are refused).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from fault.harness import free_port


class RecordingHandler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.delay = 0.0
        self.received = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.received:
            self.envelopes.append(envelope)
            self.messages.append(parsed)
            self.received.notify_all()
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, controller: Controller, handler: RecordingHandler):
        self.controller = controller
        self.handler = handler
        self.host = controller.hostname
        self.port = controller.port

    @property
    def messages(self):
        return self.handler.messages

    @property
    def envelopes(self):
        return self.handler.envelopes

    @property
    def delay(self) -> float:
        return self.handler.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.handler.delay = seconds

    @property
    def environ(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": str(self.port)}

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list:
        """The messages received, once there are `count` of them (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self.handler.received:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{len(self.messages)} of {count} messages arrived"
                self.handler.received.wait(remaining)
        return list(self.messages)


def start_smtp_server(**controller_options) -> SMTPServer:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **controller_options)
    controller.start()
    return SMTPServer(controller, handler)


@pytest.fixture
def smtp_server():
    server = start_smtp_server()
    yield server
    server.controller.stop()


@pytest.fixture
def closed_port() -> int:
    return free_port()
