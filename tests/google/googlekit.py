"""What the Google tests share beyond fixtures: the account's authorized-user JSON, the
mapped calendar, and the :class:`Clinic` a test drives rounds with.

Kept out of ``conftest.py`` so that a test imports it by a name of its own: ``from
conftest import ...`` took whichever ``conftest`` module pytest had loaded last, the
sync tests' when ``pytest tests/google tests/sync`` loaded both folders' first (#14)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from factories import make_clinic, make_patient, make_provider, make_service
from fakegoogle import FakeGoogle

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.google import calendars
from receptionist.ops import settings as settings_ops
from receptionist.schedule import booking
from receptionist.store.storage import Database
from sync.google import round as google_round
from sync.google import service
from sync.google.pacing import unpaced
from sync.google.worker import on_google_thread

REFRESH = "refresh-1"
INFO = {
    "client_id": "cid.apps.googleusercontent.com",
    "client_secret": "shh",
    "refresh_token": REFRESH,
    "type": "authorized_user",
}
CALENDAR = "dr.ayse@group.calendar.google.com"
# The clinic of test_google_cli's clinic fixture, as these commands make it.
CLI_SETUP = (
    ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/London", "--region", "GB",
     "--admin-user", "admin"],
    ["provider", "add", "Dr Ayşe Aksoy", "--hours", "mon-fri 09:00-17:00"],
    ["service", "add", "Check-up", "--minutes", "30"],
    ["patient", "add", "--given-name", "Zeynep", "--family-name", "Kaya"],
)  # fmt: skip


@dataclass
class Clinic:
    db: Database
    ctx: Ctx
    clock: FixedClock
    google: FakeGoogle
    ids: dict[str, str]
    sleeps: list[float] = field(default_factory=list)

    def round(self) -> google_round.Outcome:
        def connect(info: dict[str, str]) -> Any:
            return service.build(info, endpoint=self.google.api, token_at=self.google.token_uri)

        return on_google_thread(
            lambda: google_round.run(
                self.db, self.clock, connect=connect, sleep=self.sleeps.append, pacer=unpaced()
            )
        )

    def book(self, start: datetime, patient: str = "p1") -> str:
        with self.db.write() as s:
            appt = booking.book(
                s,
                self.ctx,
                patient_id=self.ids[patient],
                provider_id=self.ids["ayse"],
                service_id=self.ids["checkup"],
                start=start,
                override_reason="test",
            )
            return appt.id

    def event_of(self, appointment_id: str) -> dict[str, Any]:
        from receptionist.google.eventbody import event_id

        return self.google.event(CALENDAR, event_id(appointment_id))


def make(db: Database, ctx: Ctx, clock: FixedClock, google: FakeGoogle, tz: str) -> Clinic:
    return Clinic(db, ctx, clock, google, fill(db, ctx, clock, tz))


def fill(db: Database, ctx: Ctx, clock: FixedClock, tz: str) -> dict[str, str]:
    """A provider, a service and two patients; the account connected, the provider
    mapped to ``CALENDAR``. Returns their ids."""
    with db.write() as s:
        make_clinic(s, ctx, tz=tz)
        ayse = make_provider(s, ctx, "Dr Ayşe")
        checkup = make_service(s, ctx, "Check-up", 30)
        p1 = make_patient(s, clock.now(), 1, "Zeynep", "Kaya", phone="+905321234567")
        p2 = make_patient(s, clock.now(), 2, "Emre", "Demir")
        ids = {"ayse": ayse.id, "checkup": checkup.id, "p1": p1.id, "p2": p2.id}
    settings_ops.set_value(db, ctx, "google.credentials", json.dumps(INFO))
    calendars.map_provider(db, ctx, "Dr Ayşe", CALENDAR)
    return ids
