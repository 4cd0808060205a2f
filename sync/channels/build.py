"""The senders of the channels the clinic has set up, from its settings."""

from __future__ import annotations

from receptionist.ops.reminders import ChannelSetup
from receptionist.reminders.channels import Sender

from .smtp import SmtpSender
from .twilio import TwilioSender
from .web import usable
from .whatsapp import WhatsAppSender


def senders(setup: ChannelSetup) -> dict[str, Sender]:
    """A sender per channel set up; an HTTP channel whose base URL is plain HTTP to
    another host is left out (patient data travels only encrypted)."""
    made: dict[str, Sender] = {}
    if setup.email is not None:
        e = setup.email
        made["email"] = SmtpSender(
            e.host, e.port, e.sender, security=e.security, username=e.username, password=e.password
        )
    if setup.sms is not None and usable(setup.sms.base_url):
        s = setup.sms
        made["sms"] = TwilioSender(s.base_url, s.account, s.sender, s.token)
    if setup.whatsapp is not None and usable(setup.whatsapp.base_url):
        w = setup.whatsapp
        made["whatsapp"] = WhatsAppSender(w.base_url, w.account, w.token)
    return made
