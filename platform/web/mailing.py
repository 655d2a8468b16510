"""Mail sent while a person waits for the page. A mail server that refuses the message (an SMTP 4xx or 5xx
answer) or cannot be reached is MailNotSent: HTTP 503, a failure on our side rather than in what the person
typed. Callers send inside the transaction of whatever the mail announces, so a mail that did not go leaves
nothing half-written, and their page says what was and was not done."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from core.errors import UserError

log = logging.getLogger(__name__)


class MailNotSent(UserError):
    status = 503


def send(message: EmailMessage, *, connection: BaseEmailBackend | None = None) -> None:
    """Sends ``message`` (through ``connection``, one SMTP session for several, when given); MailNotSent when
    the mail server refused it or could not be reached."""
    if connection is not None:
        message.connection = connection
    try:
        if connection is not None:
            connection.open()  # here, so that a server that cannot be reached is caught too (a no-op once open)
        message.send()
    except OSError as exc:  # smtplib's errors are OSErrors, as are a refused, dropped or timed-out connection
        log.warning("a mail could not be sent (%s): %r", message.subject, exc)
        raise MailNotSent(
            "Our mail server could not send the mail just now, so nothing was changed. Try again in a few "
            "minutes; if it keeps failing, tell the site's administrators."
        ) from exc
