"""WhatsApp through Meta's Cloud API, over httpx (no SDK: see docs/architecture.md).

Send: ``POST {base}/{phone-number-id}/messages`` (the base carries the Graph API
version, ``https://graph.facebook.com/v21.0``) with ``Authorization: Bearer <token>``
and a JSON body ``{"messaging_product": "whatsapp", "recipient_type": "individual",
"to": <digits>, "type": "template", "template": {"name", "language": {"policy":
"deterministic", "code"}, "components": [{"type": "body", "parameters": [{"type":
"text", "text"}, ...]}]}}`` (a message the clinic starts must be an approved template:
``receptionist.reminders.watemplates``; free text, ``"type": "text"``, only within 24
hours of the patient's last message); 200 answers
``{"messages": [{"id": "wamid..."}], ...}``. A refusal is Graph's JSON
``{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}``.
Transient: HTTP 429, the throttling codes (4, 80007, 130429, 131048 the spam rate
limit, 131056) and 131057 (the account in maintenance mode) with any status,
and the codes of passing trouble (131000, 131016, 133004, 1, 2) with a 4xx. Unknown: a
5xx to a send (not a rate limit's): Meta's Cloud API has no idempotency key and no
message lookup, and documents no 5xx as "not sent" (131000 "Something went wrong" is a
catch-all for unknown errors, 131016 and 2 say only that the service is unavailable),
so it may have taken the message; sending again could reach the patient twice.
``dispatch`` makes it "unknown" for a person (reason ``server_error``, Meta's code kept
in the delivery log), never sent again by itself. Permanent: every other refusal,
among them 131026 (undeliverable), 131047 (free text outside the 24-hour window),
131030 (not an allowed recipient), 100 (an invalid parameter), the clinic's set-up
wrong for every message (below 500: 100 with subcode 33, no such phone-number ID for
the token; 368 the account restricted, 131031 locked, 131042 its payment: ``SETUP``;
the channel stops, ``receptionist.reminders.halt``), Meta's authorization errors with any status (0
AuthException, 3 a capability missing - a 500 -, 10 and 200-299 a permission
missing, 190 the token expired: ``AUTHORIZATION``) or any 401 in Graph's error shape
(the channel stops, ``receptionist.reminders.halt``), and the template's: 132001 (no
template of that name in that language, or not approved), 132000 (not the template's
number of variables), 132012 (a variable's format), 132015/132016 (paused, disabled).
A 401 or 407 whose body is not Graph's error (no ``error`` object with an integer
``code`` and a text ``message``: a proxy's or a portal's page) is transient
(``web.not_provider``).

No lookup: the API cannot say whether a message cut short arrived, so such a message
becomes "unknown" for a person.
"""

from __future__ import annotations

import httpx

from receptionist.reminders.channels import Lost, Outcome, Outgoing

from .web import NOT_PROVIDER, TIMEOUT, json_of, not_provider, retry_after, transport_failure

# Meta's throttling errors (131048, the spam rate limit, is one: it lifts as the
# number's quality recovers) and 131057, the account in maintenance mode (a throughput
# upgrade): refused for now, with any status, nothing taken.
RATE_LIMITS = {4, 80007, 130429, 131048, 131056, 131057}
TRANSIENT = {1, 2, 131000, 131016, 133004} | RATE_LIMITS
# Meta's authorization errors: the token cannot send at all (0 AuthException, 3 a
# capability or permission missing - answered with a 500 -, 10 permission denied,
# 200-299 API permission; 190 the token expired). Every message would fail: the
# channel stops until a token is saved (``reminders.halt``), whatever the status.
AUTHORIZATION = {0, 3, 10, 190, *range(200, 300)}
# Meta's errors that say the clinic's WhatsApp set-up is wrong, for every message: 368
# (the account temporarily blocked for policy violations), 131031 (the business account
# locked), 131042 (business eligibility payment issue: no valid payment method, or a
# payment failed). The channel stops until its settings are saved again
# (``reminders.halt.SETUP`` says what to fix: in Meta's WhatsApp Manager).
SETUP = {368: "account_restricted", 131031: "account_locked", 131042: "payment_problem"}
# Graph's 100 with subcode 33: "Object with ID ... does not exist, cannot be loaded due
# to missing permissions": no such phone-number ID for the token (mistyped, or the
# number deleted). Code 100 alone (an invalid parameter, the recipient not on
# WhatsApp) is about one message.
NO_SUCH_OBJECT = (100, 33)
NO_SUCH_NUMBER = "phone_id_unknown"
NAMES = {
    130429: "rate_limited",
    131056: "rate_limited",
    131048: "spam_rate_limited",
    131057: "maintenance",
    80007: "rate_limited",
    4: "rate_limited",
    131026: "undeliverable",
    131047: "outside_window",
    131030: "not_allowed_recipient",
    190: "refused_credentials",
    133010: "not_registered",
    132000: "template_params",
    132001: "template_missing",
    132005: "template_too_long",
    132007: "template_policy",
    132012: "template_format",
    132015: "template_paused",
    132016: "template_disabled",
}


class WhatsAppSender:
    channel = "whatsapp"

    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(self, message: Outgoing) -> Outcome:
        body = request_body(message)
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                answer = client.post(self.url, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        if answer.status_code == 200:
            found = json_of(answer).get("messages")
            first = found[0] if isinstance(found, list) and found else {}
            wamid = first.get("id", "") if isinstance(first, dict) else ""
            return Outcome("sent", provider_id=str(wamid), http_status=answer.status_code)
        return classify(answer)

    def lookup(self, lost: Lost) -> Outcome | None:
        return None


def request_body(message: Outgoing) -> dict[str, object]:
    """The message as Meta's ``/messages`` takes it: an approved template with its body
    variables when the message names one, else free text (within the 24-hour window)."""
    body: dict[str, object] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.lstrip("+"),
    }
    call = message.template
    if call is None:
        body["type"] = "text"
        body["text"] = {"preview_url": False, "body": message.body}
        return body
    values = [{"type": "text", "text": value} for value in call.parameters]
    body["type"] = "template"
    body["template"] = {
        "name": call.name,
        "language": {"policy": "deterministic", "code": call.language},
        "components": [{"type": "body", "parameters": values}],
    }
    return body


def classify(answer: httpx.Response) -> Outcome:
    error = json_of(answer).get("error")
    raw = error.get("code") if isinstance(error, dict) else None
    # Graph's code, or None when there is none (0 is one: AuthException).
    code = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    status = answer.status_code
    shaped = isinstance(error, dict) and code is not None and isinstance(error.get("message"), str)
    if status in NOT_PROVIDER and not shaped:
        return not_provider("whatsapp", answer)  # not Graph's error body: not its refusal
    name = NAMES.get(code, f"meta_{code}") if code is not None else f"http_{status}"
    if shaped and (code in AUTHORIZATION or (status == 401 and code not in TRANSIENT)):
        # Graph's own error: the token refused or without the permission, any status
        return Outcome("permanent", code="refused_credentials", http_status=status)
    setup = _setup(error, code) if shaped and status < 500 else None
    if setup is not None:  # the clinic's set-up refuses every message: the channel stops
        return Outcome("permanent", code=setup, http_status=status)
    if status == 429 or code in RATE_LIMITS:  # refused for now: nothing was taken
        return Outcome("transient", code=name, retry_after=retry_after(answer), http_status=status)
    if status >= 500:  # it may have taken the message, and cannot be asked
        return Outcome("unknown", code=name, http_status=status)
    if code in TRANSIENT:
        return Outcome("transient", code=name, retry_after=retry_after(answer), http_status=status)
    return Outcome("permanent", code=name, http_status=status)


def _setup(error: object, code: int | None) -> str | None:
    """The set-up code of a Graph error that refuses every message (``SETUP``, or no
    such phone-number ID), or None."""
    if code in SETUP:
        return SETUP[code]
    sub = error.get("error_subcode") if isinstance(error, dict) else None
    return NO_SUCH_NUMBER if (code, sub) == NO_SUCH_OBJECT else None
