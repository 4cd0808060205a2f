"""The Google event an appointment becomes, and the id it has in Google.

The id is the appointment's UUID as 32 lowercase hex digits: valid base32hex, which
is what Google's event ids are made of, so a retried insert names the same event and
cannot make a second one. What the event says of the patient is the clinic's choice
(``google.summary``): the service only (the default), or initials, or the full name.
Notes, phone numbers and every other patient field never go.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# extendedProperties.private keys: our ids and the row version an event shows.
APPOINTMENT_KEY = "receptionistAppointment"
VERSION_KEY = "receptionistVersion"
PROVIDER_KEY = "receptionistProvider"


def event_id(appointment_id: str) -> str:
    """The Google event id of an appointment: its UUID's hex (a row whose id is not a
    UUID, such as a test's, gets a hex digest of it: still lowercase hex)."""
    try:
        return uuid.UUID(appointment_id).hex
    except ValueError:
        return hashlib.sha256(appointment_id.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Shown:
    """What an event shows of one appointment, gathered by the caller."""

    appointment_id: str
    version: int
    provider_id: str
    service: str
    given_name: str
    family_name: str
    start_utc: datetime
    end_utc: datetime


def initials(given: str, family: str) -> str:
    """ "A. B." from the names' first letters (nothing for an empty name)."""
    return " ".join(f"{name.strip()[0].upper()}." for name in (given, family) if name.strip())


def summary(shown: Shown, mode: str) -> tuple[str, str | None]:
    """The event's title and what of the patient it discloses (None, "initials",
    "full_name")."""
    if mode == "initials" and initials(shown.given_name, shown.family_name):
        who = initials(shown.given_name, shown.family_name)
        return Text(
            QT_TRANSLATE_NOOP("core", "{who} – {service}"), who=who, service=shown.service
        ), "initials"
    if mode == "full_name":
        who = f"{shown.given_name} {shown.family_name}".strip()
        if who:
            return Text(
                QT_TRANSLATE_NOOP("core", "{who} – {service}"), who=who, service=shown.service
            ), "full_name"
    return Text(QT_TRANSLATE_NOOP("core", "Appointment – {service}"), service=shown.service), None


def when(moment: datetime, tz: ZoneInfo) -> dict[str, str]:
    """A start or end as Google takes it: wall time with its offset, and the zone."""
    return {"dateTime": zones.utc_to_local(moment, tz).isoformat(), "timeZone": tz.key}


def body(shown: Shown, mode: str, tz: ZoneInfo) -> tuple[dict[str, Any], str | None]:
    """The event (for insert or patch) and what of the patient it discloses."""
    title, disclosed = summary(shown, mode)
    made: dict[str, Any] = {
        "id": event_id(shown.appointment_id),
        "summary": str(title),
        "start": when(shown.start_utc, tz),
        "end": when(shown.end_utc, tz),
        "status": "confirmed",
        "extendedProperties": {
            "private": {
                APPOINTMENT_KEY: shown.appointment_id,
                VERSION_KEY: str(shown.version),
                PROVIDER_KEY: shown.provider_id,
            }
        },
    }
    return made, disclosed


def ours(event: dict[str, Any]) -> str | None:
    """The appointment id an event of ours carries (None: not one of ours)."""
    private = (event.get("extendedProperties") or {}).get("private") or {}
    found = private.get(APPOINTMENT_KEY)
    return found if isinstance(found, str) and found else None


def event_times(event: dict[str, Any], tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """An event's start and end in UTC: a timed event's offsets, an all-day event's
    days from midnight in ``tz`` (or the event's own zone). None when unreadable."""
    try:
        return _moment(event["start"], tz), _moment(event["end"], tz)
    except (KeyError, TypeError, ValueError):
        return None


def _moment(part: dict[str, Any], tz: ZoneInfo) -> datetime:
    zone = ZoneInfo(part["timeZone"]) if part.get("timeZone") else tz
    if "dateTime" in part:
        moment = datetime.fromisoformat(part["dateTime"].replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = zones.wall_to_utc(moment, zone)
        return zones.as_utc(moment, "start")
    day = datetime.fromisoformat(part["date"])
    return zones.wall_to_utc(day, zone)
