"""A real SMTP server on loopback (aiosmtpd) for the tests that follow mailed links, as a person would.

``smtp_server`` (session scope) starts one server for the whole run; ``inbox`` (per test) empties it, points
Django's SMTP backend at it, and gives the test the shared cache in the real Redis under a key prefix of its
own (so throttle counts start at zero). Fixtures are registered for tests/platform in its conftest.py.
``inbox.refuse(address)`` makes the server answer a mail to that address as a failing server does (554); a
server that is down is ``settings.EMAIL_PORT = free_port()`` (nothing listens there).
"""

from __future__ import annotations

import email
import os
import re
import socket
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received, in order (its handler runs in the server's thread)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refused: set[str] = set()

    def refuse(self, *addresses: str) -> None:
        """Mail to these addresses is answered "554 Transaction failed" (and not kept), as a server that
        will not relay it does."""
        self.refused.update(addresses)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        if self.refused & set(envelope.rcpt_tos):
            return "554 5.7.1 Transaction failed"
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=default_policy))  # type: ignore[arg-type]
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()
        self.recipients.clear()
        self.refused.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt]

    def last_to(self, address: str) -> EmailMessage:
        mails = self.to(address)
        assert mails, f"no mail to {address}; mail went to {self.recipients}"
        return mails[-1]

    def link_to(self, address: str, pattern: str = r"http://testserver(/\S+)") -> str:
        """The path of the first link (on this site) in the last mail to ``address``."""
        found = re.search(pattern, body(self.last_to(address)))
        assert found, body(self.last_to(address))
        return found.group(1)


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server, settings) -> Inbox:  # type: ignore[no-untyped-def]
    """The SMTP server's inbox, empty, with Django's SMTP backend pointed at it, and the shared cache in the
    real Redis (the tests' one, under a key prefix of this test's own)."""
    controller, handler = smtp_server
    handler.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Gradient <noreply@gradient.test>"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
            "KEY_PREFIX": f"test-accounts-{uuid.uuid4().hex}",
        }
    }
    return handler

