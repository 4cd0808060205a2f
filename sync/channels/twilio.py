"""SMS through a Twilio-compatible REST API, over httpx (no SDK: see docs/architecture.md).

Send: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic
auth (the Account SID and its auth token) and a form body ``To``, ``From``, ``Body``;
201 answers the Message resource, whose ``sid`` is the provider's id. A refusal is a
JSON body ``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``.
Transient: 429 or code 20429 (honouring ``Retry-After``), the limits Twilio documents
as lifting later with nothing created (:data:`FOR_NOW`: 21611 the From's queue full,
14107 a pair of numbers' rate, 63038/60728 the account's daily/hourly limit), no
connection. A 5xx to
the send is not: Twilio's docs (error 20500) warn that a message it answered a 500 for
may have been created, and that retrying a send can reach the patient twice; no 5xx
is documented as "nothing created" (20503 only says "try again"). So a 5xx to a send
is a lost answer (below: "unknown" with ``ask_later``, its code kept); to a lookup's
GET (safe to repeat) it is transient.
Permanent: every other refusal, among them 21211 (invalid number), 21610 (the patient
replied STOP), 21612/21614 (unroutable, not a mobile), 20003 or any 401 in Twilio's
error shape (refused credentials: the channel stops, ``receptionist.reminders.halt``),
21212 (the From is not a number or sender ID of the account) and 21606 (the From
cannot send SMS there): the set-up, wrong for every message, so the channel stops too.
A 401 or 407 whose body is not Twilio's error (no integer ``code`` and text
``message``: a proxy's or a portal's page) is transient (``web.not_provider``).

A send whose answer never came (read timeout, connection dropped after the request
went), or was a 5xx, is "unknown" with ``ask_later``: the message stays "sending" and is looked up
like one cut short by a crash, once stale (``dispatch.STALE_SENDING``).

Lookup: ``GET .../Messages.json?To=...&PageSize=1000`` lists the messages to that
number a page at a time (``messages``, ``next_page_uri``: Twilio's page shape), every
page followed to the list's end (at most :data:`LOOKUP_PAGES` pages). Its order is not
relied on: Twilio documents the list as sorted by DateSent, and a message it still
queues has none (where it sorts is not said), so a page of older messages proves
nothing about the next. Any message on any page created since the send began ("since"
less :data:`CLOCK_SLACK`, for this PC's clock running ahead of Twilio's; undated: taken)
whose (number, text) has the digest kept in the reminder row is the message (sent, with
its SID); the same text to the same number from before is another one. None such, with
the list read to its end: "absent", which the dispatch does NOT take for "never
accepted" (``dispatch.NOT_LISTED``: "unknown" for a person): Twilio does not say when a
message it took is listed, and a message it took can be missed here (this PC's clock
over ``CLOCK_SLACK`` fast, a body Twilio rewrote: a trial account's prefix, smart
encoding). A list cut off by the page limit proves nothing either: None, so "unknown"
too. Not filtered
by ``From`` (the clinic may have changed its sender since; the digest pins the
message) nor by ``DateSent`` (empty while Twilio still queues the message: filtering
on it would miss exactly the message that is still on its way).
A lookup refused is sorted as a send's refusal: 20003 stops the channel with the
message left "sending" until the credentials are saved again; a transient one, or one
that got no answer at all (a GET changes nothing, so any cut-short request), is asked
again later.
"""

from __future__ import annotations

from dataclasses import replace
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
# Refusals Twilio documents as lifting later, nothing created: the From's queue full
# (21611: "thrown when attempting to create additional messages"), too many messages
# between two numbers (14107), the account over its daily (63038) or hourly (60728)
# limit. Tried again with backoff (and its Retry-After, if any), as a 429 is.
FOR_NOW = {21611, 14107, 63038, 60728}
# Twilio's largest page: the lookup reads the list to its end (its order is not relied
# on), so a patient's whole history to the number is read in a few requests.
LOOKUP_PAGE = 1000
LOOKUP_PAGES = 4  # pages read at most: past them, the list proves nothing
# How far this PC's clock may run ahead of Twilio's: a message Twilio dates up to this
# long before the send began (by this PC's clock) is still the one (a PC clock a few
# minutes fast must not make a message it took look absent). An older message of the
# very same text to the same number is another one. A PC clock further ahead makes the
# message look "absent": "unknown" for a person, never sent again (``dispatch``).
CLOCK_SLACK = timedelta(minutes=10)


class TwilioSender:
    channel = "sms"

    def __init__(
        self, base_url: str, account: str, sender: str, token: str, *, channel: str = "sms",
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:  # fmt: skip
        self.base = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        self.auth = (account, token)
        self.sender = sender
        self.channel = channel
        self.timeout = timeout

    def send(self, message: Outgoing) -> Outcome:
        form = {"To": message.to, "From": self.sender, "Body": message.body}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                answer = client.post(self.base, data=form, auth=self.auth)
        except httpx.HTTPError as exc:
            failed = transport_failure(exc)  # "unknown": the list will say (``lookup``)
            return replace(failed, ask_later=failed.status == "unknown")
        if answer.status_code in (200, 201):
            sid = json_of(answer).get("sid")
            return Outcome("sent", provider_id=str(sid or ""), http_status=answer.status_code)
        failed = classify(answer)
        if answer.status_code >= 500:  # it may have been created: the list will say
            return replace(failed, status="unknown", ask_later=True)
        return failed

    def lookup(self, lost: Lost) -> Outcome | None:
        since = lost.at - CLOCK_SLACK
        url: httpx.URL | str = self.base
        params: dict[str, str | int] | None = {"To": lost.to, "PageSize": LOOKUP_PAGE}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                for _ in range(LOOKUP_PAGES):
                    answer = client.get(url, params=params, auth=self.auth)
                    if answer.status_code != 200:  # refused credentials stop the channel
                        return classify(answer)
                    page = json_of(answer)
                    listed = page.get("messages")
                    if not isinstance(listed, list):  # not Twilio's page: it cannot tell
                        return None
                    found = _match(listed, lost, since, self.channel)
                    if found is not None:
                        return found
                    next_uri = page.get("next_page_uri")
                    if not isinstance(next_uri, str) or not next_uri:
                        return Outcome("permanent", code="absent", http_status=200)
                    url, params = httpx.URL(self.base).join(next_uri), None
        except httpx.HTTPError as exc:  # no answer (the network not up yet): ask again later
            return Outcome("transient", code=transport_failure(exc).code)
        return None  # the list goes on past what was read: it proves nothing


def _match(listed: list[object], lost: Lost, since: datetime, channel: str) -> Outcome | None:
    """The message among a page's ``listed`` (sent, with its SID): the one whose (number,
    text) has the lost send's digest, created since ``since`` (or undated), wherever it
    sorts on the page; None when none is."""
    for found in listed:
        if not isinstance(found, dict):
            continue
        created = _when(found.get("date_created"))
        text = digest(channel, str(found.get("to", "")), str(found.get("body", "")))
        if text == lost.digest and (created is None or created >= since):
            return Outcome("sent", provider_id=str(found.get("sid", "")), http_status=200)
    return None


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
    if status == 429 or code == 20429 or (code in FOR_NOW and status < 500):
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
