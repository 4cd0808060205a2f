"""SMS through a Twilio-compatible REST API, over httpx (no SDK: see docs/architecture.md).

Send: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic
auth (the Account SID and its auth token) and a form body ``To``, ``From``, ``Body``;
201 answers the Message resource, whose ``sid`` is the provider's id. A refusal is a
JSON body ``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``.
Transient: 429 or code 20429 (honouring ``Retry-After``), any 5xx, no connection.
Permanent: every other refusal, among them 21211 (invalid number), 21610 (the patient
replied STOP), 21612/21614 (unroutable, not a mobile), 20003 or any 401 in Twilio's
error shape (refused credentials: the channel stops, ``receptionist.reminders.halt``),
21212 (the From is not a number or sender ID of the account) and 21606 (the From
cannot send SMS there): the set-up, wrong for every message, so the channel stops too.
A 401 or 407 whose body is not Twilio's error (no integer ``code`` and text
``message``: a proxy's or a portal's page) is transient (``web.not_provider``).

Lookup after a crash: ``GET .../Messages.json?To=...`` lists the newest messages to
that number; one created after the send began whose (number, text) has the digest
kept in the reminder row is the message (sent). None such: it never arrived. A lookup
refused is sorted as a send's refusal: 20003 stops the channel with the message left
"sending" until the credentials are saved again; a transient one, or one that got no
answer at all (a GET changes nothing, so any cut-short request), is asked again later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from receptionist.reminders.channels import Lost, Outcome, Outgoing, digest

from .web import NOT_PROVIDER, TIMEOUT, json_of, not_provider, retry_after, transport_failure

NAMES = {
    21211: "invalid_number",
    21610: "opted_out",
    21612: "unroutable",
    21614: "not_mobile",
    21408: "region_not_allowed",
    21212: "invalid_sender",  # the From is no number or sender ID of the account: set-up
    21606: "sender_not_capable",  # the From cannot send SMS there: set-up
    20003: "refused_credentials",
    20429: "rate_limited",
}
LOOKUP_PAGE = 50


class TwilioSender:
    channel = "sms"

    def __init__(
        self, base_url: str, account: str, sender: str, token: str, *, channel: str = "sms"
    ) -> None:
        self.base = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        self.auth = (account, token)
        self.sender = sender
        self.channel = channel

    def send(self, message: Outgoing) -> Outcome:
        form = {"To": message.to, "From": self.sender, "Body": message.body}
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                answer = client.post(self.base, data=form, auth=self.auth)
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        if answer.status_code in (200, 201):
            sid = json_of(answer).get("sid")
            return Outcome("sent", provider_id=str(sid or ""), http_status=answer.status_code)
        return classify(answer)

    def lookup(self, lost: Lost) -> Outcome | None:
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                answer = client.get(
                    self.base, params={"To": lost.to, "PageSize": LOOKUP_PAGE}, auth=self.auth
                )
        except httpx.HTTPError as exc:  # no answer (the network not up yet): ask again later
            return Outcome("transient", code=transport_failure(exc).code)
        if answer.status_code != 200:  # refused credentials stop the channel, as a send's
            return classify(answer)
        listed = json_of(answer).get("messages")
        if not isinstance(listed, list):
            return None
        since = lost.at - timedelta(minutes=1)
        for found in listed:
            if not isinstance(found, dict):
                continue
            created = _when(found.get("date_created"))
            text = digest(self.channel, str(found.get("to", "")), str(found.get("body", "")))
            if text == lost.digest and (created is None or created >= since):
                return Outcome("sent", provider_id=str(found.get("sid", "")), http_status=200)
        return Outcome("permanent", code="absent", http_status=200)


def classify(answer: httpx.Response) -> Outcome:
    body = json_of(answer)
    raw = body.get("code")
    code = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
    status = answer.status_code
    if status in NOT_PROVIDER and not (code and isinstance(body.get("message"), str)):
        return not_provider("sms", answer)  # not Twilio's error body: not its refusal
    name = NAMES.get(code, f"twilio_{code}" if code else f"http_{status}")
    if status == 401:  # Twilio's own error body: its refusal of the credentials, any code
        name = "refused_credentials"
    if status == 429 or code == 20429:
        return Outcome("transient", code=name, retry_after=retry_after(answer), http_status=status)
    if status >= 500:
        return Outcome("transient", code=name, http_status=status)
    return Outcome("permanent", code=name, http_status=status)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
