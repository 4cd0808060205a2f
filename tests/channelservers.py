"""Loopback servers that answer as the providers' documentation says: a Twilio-style
Messages API, Meta's WhatsApp Cloud API messages endpoint, and an SMTP server
(aiosmtpd). Each records what it was sent; a test scripts refusals."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT = "AC" + "0" * 32
TOKEN = "twilio-token"
WA_PHONE_ID = "106540352242922"
WA_TOKEN = "meta-token"

# The WhatsApp templates the fake Meta knows as approved: (name, language code) -> the
# number of body variables; the clinic's setting that names them.
WA_NAMES = {
    "reminder": "appointment_reminder",
    "confirmation": "booking_confirmed",
    "reschedule": "appointment_moved",
    "cancellation": "appointment_cancelled",
}
WA_APPROVED = {(name, code): 6 for name in WA_NAMES.values() for code in ("en", "tr", "ar")}
WA_SETTING = ", ".join(f"{kind}={name}" for kind, name in WA_NAMES.items())

# Twilio's magic test numbers, answered with their documented errors.
INVALID = "+15005550001"  # 21211
OPTED_OUT = "+15005550004"  # 21610


@dataclass
class Recorded:
    """What a server received, and the answers scripted for the next requests."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event | None = None  # set: answer; unset: hold the answer back
    hold_before: bool = False  # hold before the message is taken (it never arrives)
    # WhatsApp: the approved templates, paused ones, and the numbers whose patient
    # wrote in the last 24 hours (free text goes only to them).
    approved: dict[tuple[str, str], int] = field(default_factory=lambda: dict(WA_APPROVED))
    paused: set[str] = field(default_factory=set)
    open_windows: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Twilio's list order: "created", newest created first; "date_sent", by DateSent as
    # Twilio documents it, newest first, with a message it still queues (no date_sent)
    # after every sent one: where such a message sorts is not said.
    order: str = "created"

    def bodies(self) -> list[str]:
        return [m["body"] for m in self.messages]


RAW = "raw page"  # a scripted answer's key: (content type, bytes) sent as they are


def not_the_provider(
    status: int, kind: str, page: bytes
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """An answer from something between the PC and the provider (a proxy, a captive
    portal): its own page, not the provider's error body."""
    return status, {RAW: (kind, page)}, {"Proxy-Authenticate": 'Basic realm="corp"'}


PORTAL = b"<html><body><h1>Hotel Wi-Fi</h1><p>Sign in to continue</p></body></html>"
PROXY_JSON = b'{"error": "proxy_auth_required", "message": "Sign in to the proxy"}'


def _twilio_error(code: int, status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    recorded: Recorded
    route: Callable[[_Handler, str, bytes], tuple[int, dict[str, Any], dict[str, str]]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, body, headers = type(self).route(self, method, raw)
        raw_page = body.get(RAW)
        kind, data = raw_page or ("application/json", json.dumps(body).encode())
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a read timeout a test provoked)

    def do_POST(self) -> None:
        self._answer("POST")

    def do_GET(self) -> None:
        self._answer("GET")


def _scripted(rec: Recorded) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    with rec.lock:
        return rec.script.pop(0) if rec.script else None


def _hold(rec: Recorded) -> None:
    rec.received.set()
    if rec.hold is not None:
        rec.hold.wait(timeout=60)


def twilio_route(
    h: _Handler, method: str, raw: bytes
) -> tuple[int, dict[str, Any], dict[str, str]]:
    rec = h.recorded
    path = urlsplit(h.path)
    if path.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
        return (*_twilio_error(20404, 404, "The requested resource was not found"), {})
    expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    if h.headers.get("Authorization") != f"Basic {expected}":
        return (*_twilio_error(20003, 401, "Authenticate"), {})
    if method == "GET":
        return 200, _twilio_page(rec, path.path, parse_qs(path.query)), {}
    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    scripted = _scripted(rec)
    if scripted is not None:
        return scripted
    if form.get("To") == INVALID:
        return (*_twilio_error(21211, 400, f"The 'To' number {INVALID} is not valid."), {})
    if form.get("To") == OPTED_OUT:
        return (*_twilio_error(21610, 400, "Attempt to send to unsubscribed recipient"), {})
    message = {
        "sid": "SM" + secrets.token_hex(16),
        "account_sid": ACCOUNT,
        "to": form["To"],
        "from": form["From"],
        "body": form["Body"],
        "status": "queued",
        "direction": "outbound-api",
        "date_created": format_datetime(datetime.now(UTC), usegmt=True),
        "date_sent": None,  # Twilio's, while the message is queued
        "error_code": None,
    }
    if rec.hold_before:
        _hold(rec)
        return (*_twilio_error(20500, 500, "Internal Server Error"), {})
    with rec.lock:
        rec.messages.append(message)
    _hold(rec)
    return 201, message, {}


def _twilio_page(rec: Recorded, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET .../Messages.json`` as Twilio documents it: the account's messages, newest
    first, filtered by ``To``, ``From`` and ``DateSent`` (``YYYY-MM-DD`` in GMT; the
    keys ``DateSent<`` and ``DateSent>`` for on-or-before and on-or-after), a page of
    ``PageSize`` (default 50, at most 1000) at ``Page`` with its ``PageToken``, in the
    list's page shape (``next_page_uri`` None on the last page). A message Twilio
    still queues has no ``date_sent``, so no DateSent filter lists it."""

    def one(key: str) -> str:
        return query.get(key, [""])[0]

    size, page = min(max(int(one("PageSize") or 50), 1), 1000), int(one("Page") or 0)
    day = {key: one(key) for key in ("DateSent", "DateSent<", "DateSent>") if one(key)}
    with rec.lock:
        listed = [
            m for m in reversed(rec.messages)
            if one("To") in ("", m["to"]) and one("From") in ("", m["from"])
            and _sent_on(m.get("date_sent"), day)
        ]  # fmt: skip
    if rec.order == "date_sent":
        dated = [m for m in listed if m.get("date_sent")]
        dated.sort(key=lambda m: parsedate_to_datetime(m["date_sent"]), reverse=True)
        listed = dated + [m for m in listed if not m.get("date_sent")]
    chunk = listed[page * size : (page + 1) * size]
    kept = [(k, v) for k, values in query.items() for v in values if k not in ("Page", "PageToken")]

    def uri(number: int) -> str:
        token = [("Page", str(number)), ("PageToken", f"PASM{number}")] if number else []
        return f"{path}?{urlencode(kept + token)}"

    more = len(listed) > (page + 1) * size
    return {
        "messages": chunk,
        "page": page,
        "page_size": size,
        "start": page * size,
        "end": page * size + max(len(chunk) - 1, 0),
        "uri": uri(page),
        "first_page_uri": uri(0),
        "previous_page_uri": uri(page - 1) if page else None,
        "next_page_uri": uri(page + 1) if more else None,
    }


def _sent_on(date_sent: str | None, day: dict[str, str]) -> bool:
    if not day:
        return True
    if date_sent is None:  # still queued: not sent on any day
        return False
    sent = parsedate_to_datetime(date_sent).date().isoformat()
    return (
        day.get("DateSent", sent) == sent
        and sent <= day.get("DateSent<", sent)
        and sent >= day.get("DateSent>", sent)
    )


def twilio_error(
    code: int, status: int, message: str
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A Twilio refusal as its docs show it (20003, 401: the credentials refused)."""
    return (*_twilio_error(code, status, message), {})


def rate_limited(retry_after: int = 0) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Twilio's 429, as its docs show it."""
    status, body = _twilio_error(20429, 429, "Too Many Requests")
    return status, body, {"Retry-After": str(retry_after)}


def _meta_error(code: int, status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "A" + secrets.token_hex(8),
        }
    }


def meta_error(
    code: int, status: int = 400, message: str = "error"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, _meta_error(code, status, message), {}


def no_such_object(object_id: str) -> dict[str, Any]:
    """Graph's answer to a POST on an ID that does not exist or the token cannot see
    (a wrong or deleted phone-number ID): GraphMethodException, code 100, subcode 33."""
    return {
        "error": {
            "message": f"Unsupported post request. Object with ID '{object_id}' does not "
            "exist, cannot be loaded due to missing permissions, or does not support this "
            "operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "fbtrace_id": "A" + secrets.token_hex(8),
        }
    }


def whatsapp_route(
    h: _Handler, method: str, raw: bytes
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Meta's ``POST /{phone-number-id}/messages`` as its documentation describes it:
    free text only within the 24-hour window (else 131047); a template message by
    name and language code with its body variables, checked against the approved
    templates (132001 no such template in that language, 132000 not its number of
    variables, 132015 paused; a body not of the documented shape: 100)."""
    rec = h.recorded
    parts = urlsplit(h.path).path.split("/")
    if method != "POST" or len(parts) != 4 or parts[1:4:2] != ["v21.0", "messages"]:
        return 400, _meta_error(100, 400, "Unsupported request"), {}
    if h.headers.get("Authorization") != f"Bearer {WA_TOKEN}":
        return 401, _meta_error(190, 401, "Access token has expired"), {}
    if parts[2] != WA_PHONE_ID:  # no such phone number (or not the token's): Graph's 100/33
        return 400, no_such_object(parts[2]), {}
    body = json.loads(raw)
    scripted = _scripted(rec)
    if scripted is not None:
        return scripted
    refused = _refusal(rec, body)
    if refused is not None:
        return refused
    wamid = "wamid." + secrets.token_hex(12)
    taken = {"id": wamid, "to": body["to"], "type": body["type"]}
    if body["type"] == "text":
        taken["body"] = body["text"]["body"]
    else:
        template = body["template"]
        values = [p["text"] for c in template.get("components", []) for p in c["parameters"]]
        taken.update(
            template=template["name"], language=template["language"]["code"],
            parameters=values, body="\n".join(values),
        )  # fmt: skip
    with rec.lock:
        rec.messages.append(taken)
    _hold(rec)
    return (
        200,
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        },
        {},
    )


def _refusal(rec: Recorded, body: Any) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    invalid = 400, _meta_error(100, 400, "Invalid parameter"), {}
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return invalid
    if not isinstance(body.get("to"), str) or body.get("type") not in ("text", "template"):
        return invalid
    if body["type"] == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str):
            return invalid
        if body["to"] not in rec.open_windows:
            return meta_error(131047, 400, "Re-engagement message")
        return None
    template = body.get("template")
    shape = _template_shape(template)
    if shape is None:
        return invalid
    name, code, counts = shape
    if (name, code) not in rec.approved:
        return meta_error(132001, 404, f"Template name ({name}) does not exist in {code}")
    if name in rec.paused:
        return meta_error(132015, 400, "Template is paused")
    if counts.get("body", 0) != rec.approved[(name, code)]:
        return meta_error(132000, 400, "Number of parameters does not match")
    return None


def _template_shape(template: Any) -> tuple[str, str, dict[str, int]] | None:
    """(name, language code, variables per component), or None if the template object
    is not of the documented shape."""
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        return None
    language = template.get("language")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        return None
    counts: dict[str, int] = {}
    for component in template.get("components", []):
        if not isinstance(component, dict) or component.get("type") not in (
            "header", "body", "button",
        ):  # fmt: skip
            return None
        values = component.get("parameters")
        if not isinstance(values, list):
            return None
        for value in values:
            if not isinstance(value, dict) or value.get("type") != "text":
                return None
            if not isinstance(value.get("text"), str) or not value["text"].strip():
                return None
        counts[component["type"]] = len(values)
    return template["name"], language["code"], counts


POLL_SECONDS = 0.01  # how soon a stopped server notices (socketserver's default: 0.5)


@contextmanager
def http_server(
    route: Callable[[_Handler, str, bytes], tuple[int, dict[str, Any], dict[str, str]]],
) -> Iterator[tuple[str, Recorded]]:
    """A server on 127.0.0.1 and what it records; stopped on exit."""
    recorded = Recorded()
    handler = type("Handler", (_Handler,), {"recorded": recorded, "route": staticmethod(route)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, which
    # each test's stop waited out (a quarter of a second on average).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorded
    finally:
        if recorded.hold is not None:
            recorded.hold.set()
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.mails: list[Message] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP answer
        # "RCPT": hang up at the recipient (before the message); "DATA": once the
        # message was received, hang up instead of answering (it was taken).
        self.hang_up = ""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.hang_up == "RCPT":
            server.transport.close()
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        if self.hang_up == "DATA":
            server.transport.close()
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[int, Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@contextmanager
def smtp_on(port: int, inbox: Inbox) -> Iterator[None]:
    """aiosmtpd on ``port`` (one a sender was set up with before it listened), keeping
    what it is given in ``inbox``."""
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


@contextmanager
def silent_server(backlog: int = 50) -> Iterator[tuple[int, list[socket.socket]]]:
    """A mail server that takes connections and never says a word: its port and the
    connections it took."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    taken: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            taken.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], taken
    finally:
        listener.close()
        thread.join(timeout=5)
        for conn in taken:
            conn.close()
