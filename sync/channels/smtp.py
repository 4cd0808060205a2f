"""E-mail over SMTP (the standard library's smtplib): no security (a relay on this
PC or the clinic's network), STARTTLS (usually port 587) or TLS from the first byte
(465), with a user name and the password from the keychain when the server wants them.

Every failure is sorted by where it happened. Before the message was handed over (the
DATA command not begun) nothing was sent, so it is never "unknown":

- the set-up fails every message, so the channel stops (``reminders.halt``), with a
  reason naming what to fix: no STARTTLS offered (``tls_not_offered``: the default
  ``starttls`` against a plain relay), no sign-in offered while a user name is set
  (``auth_not_offered``), a certificate this PC does not trust
  (``certificate_untrusted``), any other TLS handshake failure (``tls_failed``: ``tls``
  against a plain port), the sender refused with a 5xx (``mail_refused``: "530 STARTTLS
  first", "553 not your address"), this PC refused with a 5xx greeting or answer to
  EHLO (``server_refused``: "554 no service for your address"), the login refused
  with a 5xx (``refused_credentials``);
- transient (tried again with backoff): no connection (refused, timed out, no such
  host: ``unreachable``), the connection lost (``connection_lost``), a 4xx answer
  (greylisting, a server busy for now; a sign-in's "454 temporary authentication
  failure" too);
- permanent for this message: a 5xx to the recipient (no such mailbox).

Once DATA began, an answer is the server's verdict (250 sent, 4xx transient, 5xx
permanent). A connection that drops or times out before the server's 354 go-ahead, or
while the body goes (its closing dot unsent), is transient (``connection_lost``): the
server cannot have taken the message. Only once the whole message went is a lost
answer "unknown": SMTP cannot say later whether it was taken, so no lookup.

A TLS error after a good handshake (while signing in or sending) is the connection
lost, as any other (smtplib reports it as a disconnection): transient, or "unknown"
once the whole message went; never ``tls_failed``, which stops the channel, and which
only the handshake itself (``connect`` for ``tls``, ``starttls``) can meet.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING

from receptionist.reminders.channels import Lost, Outcome, Outgoing

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

TIMEOUT = 30.0


class _Plain(smtplib.SMTP):
    """An SMTP client that notes when the whole message was handed over: the server's
    354 go-ahead to DATA came and the body went, to its closing dot. Before that the
    server cannot have taken it (a connection lost waiting for the 354, or while the
    body went, leaves the closing dot unsent); after it, only the server's answer can
    say."""

    handing_over = False
    _in_data = False
    _go_ahead = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self._in_data, self._go_ahead = True, False
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def getreply(self) -> tuple[int, bytes]:
        reply = super().getreply()
        self._go_ahead = self._in_data and reply[0] == 354
        return reply

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)  # raises (nothing handed over) unless all of it went
        self.handing_over = self.handing_over or self._go_ahead


class _Tls(_Plain, smtplib.SMTP_SSL):
    """The same, over TLS from the first byte."""


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
        client: _Plain | _Tls | None = None
        step = "connect"
        try:
            client = self._connect()
            step = "starttls"
            if self.security == "starttls":
                client.starttls(context=self.context)
            step = "login"
            if self.username:
                client.login(self.username, self.password)
            step = "mail"
            refused = client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            _close(client)
            return _failed(exc, step, client is not None and client.handing_over)
        _quit(client)
        if refused:
            return Outcome("permanent", code="recipient_refused")
        return Outcome("sent", provider_id=str(mail["Message-ID"]).strip("<>"))

    def lookup(self, lost: Lost) -> Outcome | None:
        return None

    def _connect(self) -> _Plain | _Tls:
        if self.security == "tls":
            return _Tls(self.host, self.port, timeout=TIMEOUT, context=self.context)
        return _Plain(self.host, self.port, timeout=TIMEOUT)

    def _mail(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(message.at.timestamp(), localtime=False)
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
        mail["Message-ID"] = make_msgid(idstring=message.reminder_id, domain=domain)
        mail.set_content(message.body)
        return mail


def _failed(exc: BaseException, step: str, handing_over: bool) -> Outcome:
    """Sort a failure by what it was and where (``step``; ``handing_over``: DATA began)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return _by_code(min(codes, default=550), exc, step)
    if isinstance(exc, smtplib.SMTPResponseException):  # the server's own answer
        return _by_code(exc.smtp_code, exc, step)
    if handing_over:  # the message may have been taken: never sent again blindly
        return Outcome("unknown", code="no_answer")
    return _before_data(exc, step)


def _before_data(exc: BaseException, step: str) -> Outcome:
    """A failure before the message was handed over: nothing was sent."""
    if isinstance(exc, smtplib.SMTPNotSupportedError) and step in ("starttls", "login"):
        return Outcome("permanent", code=_NOT_OFFERED[step])
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Outcome("permanent", code="certificate_untrusted")
    if isinstance(exc, ssl.SSLError) and not isinstance(
        exc, ssl.SSLEOFError | ssl.SSLZeroReturnError
    ):
        return Outcome("permanent", code="tls_failed")
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # SMTPUTF8, for this address only
        return Outcome("permanent", code="smtputf8_not_offered")
    return Outcome("transient", code="unreachable" if step == "connect" else "connection_lost")


_NOT_OFFERED = {"starttls": "tls_not_offered", "login": "auth_not_offered"}


def _by_code(code: int, exc: BaseException, step: str) -> Outcome:
    if 400 <= code < 500:  # a sign-in's 454 too: the server busy, the password not refused
        return Outcome("transient", code=f"smtp_{code}", http_status=code)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Outcome("permanent", code="refused_credentials", http_status=code)
    if isinstance(exc, smtplib.SMTPSenderRefused):  # the clinic's sender, every message
        return Outcome("permanent", code="mail_refused", http_status=code)
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError):  # this PC's
        return Outcome("permanent", code="server_refused", http_status=code)
    if step == "starttls":  # offered, then refused: as good as not offered
        return Outcome("permanent", code="tls_not_offered", http_status=code)
    return Outcome("permanent", code=f"smtp_{code}", http_status=code)


def _quit(client: smtplib.SMTP) -> None:
    """Say goodbye after the message was taken; a failure now changes nothing."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        client.close()
