"""A clinic for the reminder tests: Moda (Istanbul, UTC+3), Dr Ayşe working 07:00-21:00
every day, a 30-minute check-up, patients with phones and the consents a test gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from factories import CLOCK_START, make_patient, make_service, make_small_clinic, weekdays

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.ops import appointments, settings
from receptionist.ops.appointments import BookRequest, MoveRequest
from receptionist.privacy.consents import record_consent
from receptionist.reminders import dispatch
from receptionist.reminders.channels import Sender
from receptionist.store.storage import Database

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SENDER = "+15005550006"
# Monday 2 March 2026, 00:00 in Istanbul (UTC+3, no daylight saving).
MIDNIGHT = CLOCK_START - timedelta(hours=10)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day ``day`` after Monday 2 March 2026 at ``hour``:``minute`` in Istanbul (as UTC)."""
    return MIDNIGHT + timedelta(days=day, hours=hour, minutes=minute)


@dataclass
class Clinic:
    db: Database
    ctx: Ctx
    clock: FixedClock
    provider: str
    service: str

    def patient(
        self, n: int, *, phone: str | None = None, email: str | None = None,
        consents: tuple[str, ...] = ("reminder_sms",), language: str | None = None,
    ) -> str:  # fmt: skip
        with self.db.write() as s:
            pid = make_patient(
                s, self.clock.now(), 100 + n, f"Hasta{n}", "Test", id=f"pt{n}",
                phone=phone or f"+9055500000{n:02d}", email=email, preferred_language=language,
            ).id  # fmt: skip
            for purpose in consents:
                record_consent(s, self.ctx, pid, purpose, True)
        return pid

    def book(self, patient: str, start: datetime) -> str:
        req = BookRequest(patient, self.provider, self.service, start)
        return appointments.book(self.db, self.ctx, req).id

    def move(self, appointment: str, start: datetime) -> None:
        appointments.move(self.db, self.ctx, appointment, MoveRequest(start=start))

    def cancel(self, appointment: str) -> None:
        appointments.cancel(self.db, self.ctx, appointment, "patient called")

    def set(self, **values: object) -> None:
        settings.set_many(self.db, self.ctx, {f"reminders.{k}": v for k, v in values.items()})


def make(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    with db.write() as s:
        ids = make_small_clinic(s, ctx, weekdays(("07:00", "21:00"), days=DAYS))
        service = make_service(s, ctx, "Check-up", 30).id
    clinic = Clinic(db, ctx, clock, ids["ayse"], service)
    clinic.set(enabled=True)
    return clinic


def confirmations_only(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    """:func:`make`, sending only the booking confirmations: one message per booking."""
    made = make(db, ctx, clock)
    made.set(offsets="")
    return made


def rounds(clinic: Clinic, senders: dict[str, Sender], minutes: int) -> list[dispatch.Item]:
    """A dispatch round a minute for ``minutes`` minutes: every item they dealt with."""
    items = []
    for _ in range(minutes):
        items += dispatch.run(clinic.db, clinic.clock, senders).items
        clinic.clock.advance(minutes=1)
    return items
