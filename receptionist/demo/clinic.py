"""The built-in demo clinic: no real data, so its secrets are public and prefilled.

Besides the generated clinic, the demo has a front desk at work: a few patients on the
waitlist (added through the core, audited), and today's appointments so far moved on
through the core as a desk would (seen, in the room, waiting, one or two late).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.clock import Clock, SystemClock
from receptionist.context import Actor, Ctx
from receptionist.demo.data import (
    EARLY_MINUTES,
    IN_ROOM_AFTER_MINUTES,
    SEEN_AFTER_MINUTES,
    SERVICES,
    WAITLIST_WISHES,
)
from receptionist.demo.generate import Generated, Sizes, generate
from receptionist.journal import audit
from receptionist.models import Appointment, Patient
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.patients import commlog, documents
from receptionist.schedule import agenda, today, waitlist
from receptionist.staff import accounts as staff
from receptionist.store.storage import Database
from receptionist.store.vault import Created, DataDir, open_clinic

DEMO_PASSPHRASE = "demo clinic passphrase"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_DESK_USER = "desk"
DEMO_CLINIC = "Moda Family Clinic (demo)"
DEMO_TIMEZONE = "Europe/Istanbul"


def open_demo(root: Path) -> Database:
    return open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": DEMO_PASSPHRASE})


def make_demo(
    root: Path,
    *,
    clock: Clock | None = None,
    sizes: Sizes | None = None,
    timezone: str = DEMO_TIMEZONE,
    holding_lock: bool = False,
) -> Generated:
    """Create a demo clinic in an empty folder and fill it: one set-up, all or nothing
    (a half-filled demo, killed or failed, is no demo, and the next start makes it
    again). ``holding_lock``: the caller holds the folder's app lock (the app)."""
    clock = clock or SystemClock()
    spec = ClinicSpec(DEMO_CLINIC, timezone, "TR", DEMO_USER, DEMO_PASSWORD)
    filled: list[Generated] = []

    def fill(created: Created) -> None:
        filled.append(_fill(DataDir(Path(root)).db, created.key, clock, sizes or Sizes()))

    initialise(
        root,
        spec,
        clock,
        passphrase=DEMO_PASSPHRASE,
        last_step=fill,
        holding_lock=holding_lock,
    )
    return filled[0]


def _fill(path: Path, key: bytes, clock: Clock, sizes: Sizes) -> Generated:
    db = Database(path, key)
    try:
        with db.write() as session:
            ctx = Ctx(Actor(None, "admin", "cli"), clock)
            desk = staff.create_user(
                session,
                ctx,
                username=DEMO_DESK_USER,
                password=DEMO_PASSWORD,
                role="receptionist",
                full_name="Front desk",
                bootstrap=True,
            )
            made = generate(session.connection(), sizes, clock.now())
            _audit_generated(session, ctx, made)
        # What the front desk did today is done by the desk's own account.
        at_desk = Ctx(Actor(desk.id, "receptionist", "ui"), clock)
        with db.write() as session:
            _todays_desk(session, at_desk)
            _waitlist(session, at_desk, made)
            _records(session, at_desk)
        return made
    finally:
        db.close()


def _audit_generated(session: Session, ctx: Ctx, made: Generated) -> None:
    """The generated rows in the audit log: one "generate" event per kind, not per
    row (thousands of rows are one act, and per-row events would take longer than
    the rows)."""
    counts = {
        "provider": len(made.providers),
        "room": len(made.rooms),
        "service": len(made.services),
        "patient": made.patients,
        "appointment": made.appointments,
    }
    for entity_type, count in counts.items():
        if count:
            audit.record(session, ctx, "generate", entity_type, None)


def _todays_desk(session: Session, ctx: Ctx) -> None:
    """Move today's appointments that have begun (and the next one) on, as a desk would."""
    now = ctx.clock.now()
    day = today.clinic_today(session, ctx)
    open_rows = [row for row in today.load_day(session, ctx, day) if row.status in today.NOT_YET]
    begun = [row for row in open_rows if row.start_utc <= now]
    just_begun = 0
    for row in begun:
        if _seen(row.end_utc, now):
            steps: tuple[str, ...] = ("arrived", "in_room", "completed")
        elif row.start_utc <= now - timedelta(minutes=IN_ROOM_AFTER_MINUTES):
            steps = ("in_room",)
        else:  # their time has just come: in turn waiting, or not here yet (late)
            just_begun += 1
            steps = ("arrived",) if just_begun % 2 else ()
        if steps:
            _mark(session, ctx, row.id, steps, row.start_utc)
    upcoming = [row for row in open_rows if now < row.start_utc <= now + timedelta(minutes=30)]
    if upcoming:  # early for the next appointment, waiting
        _mark(session, ctx, upcoming[0].id, ("arrived",), now)


def _seen(end: datetime, now: datetime) -> bool:
    return end <= now - timedelta(minutes=SEEN_AFTER_MINUTES)


def _mark(session: Session, ctx: Ctx, appointment_id: str, steps: tuple[str, ...],
          before: datetime) -> None:  # fmt: skip
    """Take the appointment through ``steps``; the patient came EARLY_MINUTES before
    ``before`` (the marks themselves are audited now, when the demo made them)."""
    for status in steps:
        today.mark(session, ctx, appointment_id, status)
    appt = session.get(Appointment, appointment_id)
    if appt is not None and appt.arrived_at is not None:
        appt.arrived_at = min(before - timedelta(minutes=EARLY_MINUTES), ctx.clock.now())
        session.flush()


# (days ago, channel, direction, summary): what a desk logs around a visit.
CALLS = (
    (6, "phone", "in", "Asked for a morning appointment; booked."),
    (2, "sms", "out", "Reminder sent for the appointment."),
    (1, "phone", "out", "Called to confirm; will bring the previous X-rays."),
)
LETTER = (
    "Referral (demo)\n\nPlease see this patient for the treatment discussed.\n"
    "This letter belongs to the demo clinic and holds no real person's data.\n"
)


def _records(session: Session, ctx: Ctx) -> None:
    """A communication log and a referral letter for the next patients due (today's
    first ones on a working day), so the patient window's tabs are not empty."""
    now = ctx.clock.now()
    start_of_day, _ = agenda.day_window(
        today.clinic_today(session, ctx), agenda.clinic_info(session).tz
    )
    upcoming = session.scalars(
        select(Appointment.patient_id)
        .where(Appointment.start_utc >= start_of_day, Appointment.deleted_at.is_(None))
        .order_by(Appointment.start_utc)
        .limit(20)
    )
    patients = list(dict.fromkeys(upcoming))
    for n, patient_id in enumerate(patients[:12]):
        for days, channel, direction, summary in CALLS[n % 2 :]:
            commlog.add(
                session, ctx, patient_id, channel=channel, direction=direction,
                summary=summary, occurred_at=now - timedelta(days=days, minutes=20 * n),
            )  # fmt: skip
        if n < 6:
            documents.attach(
                session, ctx, patient_id, "referral-letter.txt", LETTER.encode(),
                note="From the family doctor",
            )  # fmt: skip


def _waitlist(session: Session, ctx: Ctx, made: Generated) -> None:
    """A few patients who want an earlier appointment (the first patients on file)."""
    services = dict(zip((s[0] for s in SERVICES), made.services, strict=True))
    query = select(Patient.id).where(Patient.deleted_at.is_(None)).order_by(Patient.number)
    patients = list(session.scalars(query.limit(len(WAITLIST_WISHES) * 7)))[::7]
    first_day = today.clinic_today(session, ctx)
    for patient_id, wish in zip(patients, WAITLIST_WISHES, strict=False):
        service, provider, parts, days, first, last, priority, note = wish
        waitlist.add(
            session,
            ctx,
            patient_id=patient_id,
            service_id=services[service],
            provider_id=made.providers[provider % len(made.providers)]
            if provider is not None and made.providers
            else None,
            earliest=first_day + timedelta(days=first),
            latest=first_day + timedelta(days=last) if last is not None else None,
            times_of_day=parts,
            weekdays=days,
            note=note,
            priority=priority,
        )


def ensure_demo(root: Path, *, clock: Clock | None = None) -> None:
    """Make the demo clinic in ``root`` unless one is there already (a half-made one,
    from a start that was stopped, is made again). For the app, which holds the
    folder's lock from its start."""
    if not DataDir(Path(root)).exists():
        make_demo(root, clock=clock, holding_lock=True)
