"""E-mail over SMTP (the standard library's smtplib): no security (a relay on this
PC or the clinic's network), STARTTLS (usually port 587) or TLS from the first byte
(465), with a user name and the password from the keychain when the server wants them.

Transient: no connection, a 4xx answer (greylisting, a full mailbox for now). Permanent:
a 5xx answer (no such mailbox, refused credentials). Unknown: the connection dropped
while the message itself was being handed over. No lookup: SMTP cannot say later
whether a message cut short was taken.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from receptionist.reminders.channels import Lost, Outcome, Outgoing

TIMEOUT = 30.0


class SmtpSender:
    channel = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.security, self.username, self.password = security, username, password
        self.context = context or ssl.create_default_context()

    def send(self, message: Outgoing) -> Outcome:
        mail = self._mail(message)
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            return _before_data(exc)
        try:
            with client:
                if self.security == "starttls":
                    client.starttls(context=self.context)
                if self.username:
                    client.login(self.username, self.password)
                refused = client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            return _by_code(exc.smtp_code, exc)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _by_code(min(codes, default=550), exc)
        except (OSError, smtplib.SMTPException):
            return Outcome("unknown", code="no_answer")
        if refused:
            return Outcome("permanent", code="recipient_refused")
        return Outcome("sent", provider_id=str(mail["Message-ID"]).strip("<>"))

    def lookup(self, lost: Lost) -> Outcome | None:
        return None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=self.context)
        return smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)

    def _mail(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(message.at.timestamp(), localtime=False)
        domain = self.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = make_msgid(idstring=message.reminder_id, domain=domain)
        mail.set_content(message.body)
        return mail


def _before_data(exc: BaseException) -> Outcome:
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int) and code >= 500:
        return Outcome("permanent", code=f"smtp_{code}")
    return Outcome("transient", code="unreachable")


def _by_code(code: int, exc: BaseException) -> Outcome:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Outcome("permanent", code="refused_credentials", http_status=code)
    if 400 <= code < 500:
        return Outcome("transient", code=f"smtp_{code}", http_status=code)
    return Outcome("permanent", code=f"smtp_{code}", http_status=code)
