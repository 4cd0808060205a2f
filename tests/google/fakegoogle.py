"""A loopback Google Calendar (events only) and OAuth token endpoint, behaving as
Google's documentation says, for tests and the benchmark. No network beyond 127.0.0.1.

- ``GET /auth``: Google's consent screen, already agreed to: a redirect to the
  ``redirect_uri`` with a code (PKCE ``S256`` challenge kept), as a browser would
  follow it. ``POST /token`` with that code (and the verifier) gives an access token
  and a refresh token.
- ``POST /token``: a refresh grant gives an access token; a revoked refresh token
  answers 400 ``invalid_grant``. API calls need a live access token (401 otherwise,
  which google-auth answers with a refresh).
- ``/calendar/v3/calendars/{calendarId}/events``: insert (client-supplied ids of
  base32hex, 409 ``duplicate`` on reuse, even of a deleted event's id), get, patch,
  update, delete (``If-Match`` etags, 412 on a mismatch; deleting a deleted event is
  410), list (``pageToken``; ``syncToken`` gives the changes after it, deleted events
  as ``status: cancelled`` tombstones; ``nextSyncToken`` on the last page only; a
  token older than :meth:`FakeGoogle.expire_sync_tokens` answers 410; the query
  parameters Google refuses with a syncToken are refused).
- ``GET /calendar/v3/users/me/calendarList`` (``minAccessRole``, ``pageToken``; the
  primary calendar's id is the account's address, :data:`ACCOUNT`) and
  ``POST /calendar/v3/calendars`` (a new calendar the account owns).
- A per-user rate (:meth:`FakeGoogle.limit`): beyond N requests in one second of an
  injected clock, 403 ``rateLimitExceeded`` and 429 in turn, the request not done.
- Errors on demand (:meth:`FakeGoogle.fail_next`: 403 rateLimitExceeded, 429, 500,
  403 quotaExceeded), and a lost answer (:meth:`FakeGoogle.lose_next_answer`).
- The provider's side: :meth:`add_event`, :meth:`add_weekly`, :meth:`move_event`,
  :meth:`delete_event`, :meth:`edit_event`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
NOT_WITH_SYNC_TOKEN = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
PATH = re.compile(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$")
CALENDAR_LIST = "/calendar/v3/users/me/calendarList"
CALENDARS = "/calendar/v3/calendars"
ACCOUNT = "clinic@example.com"


@dataclass
class Failure:
    status: int
    reason: str
    method: str | None


class Reply(Exception):
    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        self.status, self.body = status, body


def error(status: int, reason: str, message: str) -> Reply:
    return Reply(
        status,
        {
            "error": {
                "errors": [{"domain": "global", "reason": reason, "message": message}],
                "code": status,
                "message": message,
            }
        },
    )


def when(moment: datetime, zone: str | None = None) -> dict[str, str]:
    made = {"dateTime": moment.isoformat()}
    if zone:
        made["timeZone"] = zone
    return made


class FakeGoogle:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.seq = 0
        self.floor = 0  # sync tokens below this have expired
        self.revoked: set[str] = set()
        self.access: set[str] = set()
        self.failures: list[Failure] = []
        self.lose_answer = 0
        self.meddlers: list[tuple[str, Callable[[], None]]] = []
        self.requests: Counter[str] = Counter()
        self.authorized: list[dict[str, str]] = []  # each /auth request's query
        self.per_second: int | None = None  # the per-user rate (limit)
        self.clock: Callable[[], float] = lambda: 0.0
        self.second_seen: Counter[int] = Counter()  # requests done in each second
        self.limited = 0  # requests refused for the rate
        self.inserted: Counter[str] = Counter()  # event ids made by a client's insert
        self.codes: dict[str, dict[str, str]] = {}  # code -> that request's query
        self.granted: list[dict[str, str]] = []  # each code grant's form
        self.refreshes = 0
        self.listed: list[dict[str, str]] = []
        # The account's calendar list: id -> entry (its primary calendar's id is the
        # account's address); calendars.insert adds an owned one.
        self.calendars: dict[str, dict[str, Any]] = {
            ACCOUNT: {"id": ACCOUNT, "summary": ACCOUNT, "primary": True, "accessRole": "owner"}
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # serve_forever looks for shutdown() every poll_interval (0.5 s by default, which
        # each test's stop waited out); here every 10 ms.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # -- the server -------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api(self) -> str:
        return f"{self.base}/calendar/v3/"

    @property
    def token_uri(self) -> str:
        return f"{self.base}/token"

    def start(self) -> FakeGoogle:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def api_requests(self) -> int:
        return sum(n for kind, n in self.requests.items() if kind != "token")

    # -- on demand --------------------------------------------------------------------

    def fail_next(
        self, status: int, reason: str, times: int = 1, method: str | None = None
    ) -> None:
        with self.lock:
            self.failures += [Failure(status, reason, method) for _ in range(times)]

    def limit(self, per_second: int, clock: Callable[[], float]) -> None:
        """Refuse what goes beyond ``per_second`` requests in a second of ``clock``."""
        with self.lock:
            self.per_second, self.clock = per_second, clock

    def _rate(self) -> None:
        if self.per_second is None:
            return
        second = int(self.clock() // 1)
        if self.second_seen[second] >= self.per_second:
            self.limited += 1
            if self.limited % 2:
                raise error(403, "rateLimitExceeded", "Rate Limit Exceeded")
            raise error(429, "rateLimitExceeded", "Too Many Requests")
        self.second_seen[second] += 1

    def before_next(self, kind: str, meddle: Callable[[], None]) -> None:
        """Run ``meddle`` (a change by the provider, an expiry) just before the next
        request of ``kind`` (list, insert, get, patch, update, delete) is handled."""
        with self.lock:
            self.meddlers.append((kind, meddle))

    def lose_next_answer(self) -> None:
        """The next insert is done, but its answer never arrives (the connection drops)."""
        self.lose_answer += 1

    def revoke(self, refresh_token: str) -> None:
        with self.lock:
            self.revoked.add(refresh_token)
            self.access.clear()

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.floor = self.seq + 1

    # -- the provider's side ----------------------------------------------------------

    def add_event(
        self, calendar: str, summary: str, start: datetime, end: datetime, **extra: Any
    ) -> dict[str, Any]:
        with self.lock:
            body = {"summary": summary, "start": when(start), "end": when(end), **extra}
            body.setdefault("id", f"g{self.seq + 1:08d}x")
            return self._insert(calendar, body, by_google=True)

    def add_weekly(
        self, calendar: str, summary: str, start: datetime, hours: float, weeks: int
    ) -> list[dict[str, Any]]:
        """A weekly recurring event as ``singleEvents=True`` lists it: its instances."""
        with self.lock:
            master = f"r{self.seq + 1:08d}"
            made = []
            for week in range(weeks):
                begin = start + timedelta(weeks=week)
                stamp = begin.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
                made.append(
                    self.add_event(
                        calendar,
                        summary,
                        begin,
                        begin + timedelta(hours=hours),
                        id=f"{master}_{stamp}",
                        recurringEventId=master,
                        originalStartTime=when(begin),
                    )
                )
            return made

    def move_event(self, calendar: str, event_id: str, start: datetime, end: datetime) -> None:
        with self.lock:
            event = self.events[calendar][event_id]
            event["start"], event["end"] = (
                when(start, event["start"].get("timeZone")),
                when(end, event["end"].get("timeZone")),
            )
            self._touch(event)

    def edit_event(self, calendar: str, event_id: str, **fields: Any) -> None:
        with self.lock:
            event = self.events[calendar][event_id]
            event.update(fields)
            self._touch(event)

    def delete_event(self, calendar: str, event_id: str) -> None:
        with self.lock:
            event = self.events[calendar][event_id]
            event["status"] = "cancelled"
            self._touch(event)

    def live(self, calendar: str) -> list[dict[str, Any]]:
        with self.lock:
            found = self.events.get(calendar, {}).values()
            return [self._public(e) for e in found if e.get("status") != "cancelled"]

    def event(self, calendar: str, event_id: str) -> dict[str, Any]:
        with self.lock:
            return self._public(self.events[calendar][event_id])

    # -- the API ----------------------------------------------------------------------

    def _touch(self, event: dict[str, Any]) -> None:
        self.seq += 1
        event["_seq"] = self.seq
        event["etag"] = f'"{self.seq}"'
        event["updated"] = f"2026-01-01T00:00:{self.seq % 60:02d}.000Z"

    def _public(self, event: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in event.items() if not k.startswith("_")}
        shown["kind"] = "calendar#event"
        return json.loads(json.dumps(shown))

    def _insert(
        self, calendar: str, body: dict[str, Any], *, by_google: bool = False
    ) -> dict[str, Any]:
        """A client's id must be base32hex; ids Google makes itself (recurring
        instances: ``<id>_<start>``) need not be."""
        events = self.events.setdefault(calendar, {})
        event_id = body.get("id") or f"auto{self.seq + 1:08d}"
        if not by_google and not EVENT_ID.match(event_id):
            raise error(400, "invalid", "Invalid resource id value.")
        if event_id in events:
            raise error(409, "duplicate", "The requested identifier already exists.")
        event = {
            **body,
            "id": event_id,
            "status": body.get("status") or "confirmed",
            "iCalUID": f"{event_id}@google.com",
        }
        self._touch(event)
        events[event_id] = event
        return self._public(event)

    def _found(self, calendar: str, event_id: str) -> dict[str, Any]:
        event = self.events.get(calendar, {}).get(event_id)
        if event is None:
            raise error(404, "notFound", "Not Found")
        return event

    def _check_etag(self, event: dict[str, Any], headers: Any) -> None:
        wanted = headers.get("If-Match")
        if wanted and wanted != event["etag"]:
            raise error(412, "conditionNotMet", "Precondition Failed")

    def add_calendar(self, summary: str, role: str = "owner") -> str:
        with self.lock:
            made = f"c{len(self.calendars):04d}@group.calendar.google.com"
            self.calendars[made] = {"id": made, "summary": summary, "accessRole": role}
            return made

    def _calendar_list(self, query: dict[str, str]) -> dict[str, Any]:
        ranks = ("freeBusyReader", "reader", "writer", "owner")
        least = ranks.index(query.get("minAccessRole") or "freeBusyReader")
        chosen = sorted(
            (c for c in self.calendars.values() if ranks.index(c["accessRole"]) >= least),
            key=lambda c: c["id"],
        )
        after = query.get("pageToken") or ""
        chosen = [c for c in chosen if c["id"] > after]
        size = int(query.get("maxResults") or 100)
        shown = chosen[:size]
        answer: dict[str, Any] = {"kind": "calendar#calendarList", "items": shown}
        if len(chosen) > size:
            answer["nextPageToken"] = shown[-1]["id"]
        return answer

    def _account_call(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | None:
        kinds = {(CALENDAR_LIST, "GET"): "calendarList", (CALENDARS, "POST"): "calendars.insert"}
        found = kinds.get((path, method))
        if found is None:
            return None
        self.requests[found] += 1
        self._fail_if_asked(found)
        if found == "calendarList":
            return 200, self._calendar_list(query)
        if not str(body.get("summary") or "").strip():
            raise error(400, "required", "Missing title.")
        made = self.add_calendar(body["summary"])
        self.calendars[made]["timeZone"] = body.get("timeZone", "UTC")
        return 200, {"kind": "calendar#calendar", **self.calendars[made]}

    def _fail_if_asked(self, kind: str) -> None:
        for failure in list(self.failures):
            if failure.method in (None, kind):
                self.failures.remove(failure)
                raise error(failure.status, failure.reason, failure.reason)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        auth = headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.access:
            raise error(401, "authError", "Invalid Credentials")
        self._rate()
        answered = self._account_call(method, path, query, body)
        if answered is not None:
            return answered
        match = PATH.match(path)
        if match is None:
            raise error(404, "notFound", "Not Found")
        calendar, event_id = unquote(match[1]), unquote(match[2]) if match[2] else None
        kind = {
            ("GET", False): "list",
            ("POST", False): "insert",
            ("GET", True): "get",
            ("PATCH", True): "patch",
            ("PUT", True): "update",
            ("DELETE", True): "delete",
        }.get((method, event_id is not None))
        if kind is None:
            raise error(405, "methodNotAllowed", "Method Not Allowed")
        self.requests[kind] += 1
        for wanted, meddle in list(self.meddlers):
            if wanted == kind:
                self.meddlers.remove((wanted, meddle))
                meddle()
                break
        self._fail_if_asked(kind)
        if kind == "list":
            self.listed.append(dict(query))
            return 200, self._list(calendar, query)
        if kind == "insert":
            made = self._insert(calendar, body)
            self.inserted[made["id"]] += 1
            return 200, made
        assert event_id is not None
        event = self._found(calendar, event_id)
        if kind == "get":
            return 200, self._public(event)
        if kind == "delete":
            self._check_etag(event, headers)
            if event.get("status") == "cancelled":
                raise error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self._touch(event)
            return 204, None
        self._check_etag(event, headers)
        if kind == "update":
            kept = {k: event[k] for k in ("id", "iCalUID", "_seq", "etag")}
            event.clear()
            event.update({**body, **kept})
            event.setdefault("status", "confirmed")
        else:
            for key, value in body.items():
                if key == "extendedProperties" and isinstance(value, dict):
                    props = event.setdefault("extendedProperties", {})
                    for scope, values in value.items():
                        props.setdefault(scope, {}).update(values)
                elif key != "id":
                    event[key] = value
        self._touch(event)
        return 200, self._public(event)

    def _list(self, calendar: str, query: dict[str, str]) -> dict[str, Any]:
        token, page = query.get("syncToken"), query.get("pageToken")
        if token and any(name in query for name in NOT_WITH_SYNC_TOKEN):
            raise error(400, "invalid", "Sync token cannot be used with those parameters.")
        if page:
            after, basis, snapshot = page.split("|")
            basis_seq, upto = int(basis), int(snapshot)
        else:
            after, basis_seq, upto = "", (int(token[1:]) if token else -1), self.seq
        if basis_seq >= 0 and basis_seq < self.floor:
            raise error(
                410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
            )
        deleted = basis_seq >= 0 or query.get("showDeleted") == "true"
        chosen = sorted(
            (
                e
                for e in self.events.get(calendar, {}).values()
                if basis_seq < e["_seq"] <= upto
                and e["id"] > after
                and (deleted or e.get("status") != "cancelled")
            ),
            key=lambda e: e["id"],
        )
        size = min(int(query.get("maxResults") or 250), 2500)
        shown = chosen[:size]
        answer: dict[str, Any] = {
            "kind": "calendar#events",
            "items": [self._public(e) for e in shown],
        }
        if len(chosen) > size:
            answer["nextPageToken"] = f"{shown[-1]['id']}|{basis_seq}|{upto}"
        else:
            answer["nextSyncToken"] = f"s{upto}"
        return answer

    def authorize(self, query: dict[str, str]) -> str:
        """The consent screen, agreed to: where the browser is sent next."""
        self.authorized.append(query)
        code = f"code-{len(self.authorized)}"
        self.codes[code] = query
        answer = {"code": code, "state": query.get("state", ""), "scope": query.get("scope", "")}
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.granted.append(form)
        asked = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            asked is None
            or asked.get("redirect_uri") != form.get("redirect_uri")
            or asked.get("code_challenge") != challenge.decode()
        ):
            return 400, {"error": "invalid_grant", "error_description": "Bad code."}
        self.refreshes += 1
        access = f"at-{self.refreshes}"
        self.access.add(access)
        return 200, {
            "access_token": access,
            "refresh_token": f"refresh-granted-{len(self.granted)}",
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": asked.get("scope", ""),
        }

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests["token"] += 1
        if form.get("grant_type") == "authorization_code":
            return self._code_grant(form)
        refresh = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or not refresh or refresh in self.revoked:
            return 400, {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
        self.refreshes += 1
        access = f"at-{self.refreshes}"
        self.access.add(access)
        return 200, {
            "access_token": access,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": form.get("scope") or "https://www.googleapis.com/auth/calendar.events",
        }


def _handler(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()  # answers go out whole at once: no Nagle delay per request
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/auth" and method == "GET":
                with fake.lock:
                    where = fake.authorize(query)
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with fake.lock:
                if parts.path == "/token" and method == "POST":
                    form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                    status, body = fake.token(form)
                else:
                    try:
                        data = json.loads(raw) if raw else {}
                        status, body = fake.handle(method, parts.path, query, self.headers, data)
                    except Reply as reply:
                        status, body = reply.status, reply.body
                    if method == "POST" and fake.lose_answer and status == 200:
                        fake.lose_answer -= 1
                        self.close_connection = True
                        return  # done, but the answer is lost
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


@contextmanager
def serving() -> Iterator[FakeGoogle]:
    fake = FakeGoogle().start()
    try:
        yield fake
    finally:
        fake.stop()
