"""The connected account's calendars: the list a provider is mapped from, the
account's address (its primary calendar's id), and a "Receptionist – Dr X" calendar
made on request. Run these on the Google thread (``worker``), like a round."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .calls import Caller, Failed, Sleep, Stop
from .service import build, checked_info

Connect = Callable[[dict[str, str]], Any]  # authorized-user info -> the Calendar service
TITLE = "Receptionist – {provider}"  # the calendar made for a provider


@dataclass(frozen=True)
class CalendarChoice:
    calendar_id: str
    summary: str
    primary: bool


@dataclass(frozen=True)
class Calendars:
    account: str  # the primary calendar's id: the account's address ("" if not listed)
    choices: list[CalendarChoice]
    requests: int


def calendars(
    credentials: str, *, connect: Connect | None = None, sleep: Sleep = time.sleep
) -> Calendars:
    """The calendars the account may write to, primary first, then by name."""
    caller = Caller(sleep)
    api = (connect or build)(checked_info(credentials))
    try:
        found: list[CalendarChoice] = []
        page: str | None = None
        while True:
            query: dict[str, Any] = {"minAccessRole": "writer", "maxResults": 250}
            if page:
                query["pageToken"] = page
            answer = caller.run(api.calendarList().list(**query))
            found += [_choice(item) for item in answer.get("items", [])]
            page = answer.get("nextPageToken")
            if not page:
                break
    finally:
        api.close()
    found.sort(key=lambda c: (not c.primary, c.summary.casefold(), c.calendar_id))
    primary = next((c.calendar_id for c in found if c.primary), "")
    return Calendars(primary, found, caller.requests)


def _choice(item: dict[str, Any]) -> CalendarChoice:
    summary = str(item.get("summaryOverride") or item.get("summary") or item.get("id", ""))
    return CalendarChoice(str(item["id"]), summary, bool(item.get("primary")))


def create_calendar(
    credentials: str,
    provider: str,
    zone: str,
    *,
    connect: Connect | None = None,
    sleep: Sleep | None = None,
) -> str:
    """Make "Receptionist – <provider>" in the account (in the clinic's zone); its id."""
    caller = Caller(sleep or time.sleep)  # looked up now: a test may stand in for it
    api = (connect or build)(checked_info(credentials))
    try:
        body = {"summary": TITLE.format(provider=provider), "timeZone": zone}
        made = caller.run(api.calendars().insert(body=body))
    finally:
        api.close()
    return str(made["id"])


def named(info: dict[str, str], *, connect: Connect | None = None) -> dict[str, str]:
    """``info`` with the account's address (its primary calendar's id) when Google
    lists it; as it was when Google cannot be asked now (the address is then unknown
    until the next connect, and a connect with no address keeps the mapping)."""
    try:
        listed = calendars(json.dumps(info), connect=connect)
    except (Stop, Failed):
        return info
    return {**info, "account": listed.account} if listed.account else info
