from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from receptionist.demo.clinic import DEMO_PASSWORD, DEMO_USER, make_demo, open_demo
from receptionist.demo.data import WAITLIST_WISHES
from receptionist.demo.generate import Sizes, tr_national_id
from receptionist.journal import audit
from receptionist.models import Appointment, AuditEvent, Patient
from receptionist.patients import commlog, documents
from receptionist.schedule import today, waitlist
from receptionist.staff.accounts import authenticate
from receptionist.store.integrity import check


def test_demo_clinic_is_sound_and_never_double_books(tmp_path: Path, ctx, memory_keyring) -> None:
    sizes = Sizes(providers=3, rooms=2, patients=300, appointments=900, days_back=30, days_ahead=10)
    made = make_demo(tmp_path / "demo", clock=ctx.clock, sizes=sizes)
    assert made.patients == 300 and 0 < made.appointments <= 900
    memory_keyring.store.clear()  # the demo opens by its public passphrase, no keychain needed
    db = open_demo(tmp_path / "demo")
    try:
        assert check(db).ok
        with db.write() as s:
            assert authenticate(s, ctx, DEMO_USER, DEMO_PASSWORD).role == "admin"
            a, b = aliased(Appointment), aliased(Appointment)
            for col in ("provider_id", "patient_id", "room_id"):
                clash = s.scalar(
                    select(func.count())
                    .select_from(a)
                    .join(b, and_(getattr(a, col) == getattr(b, col), a.id < b.id))
                    .where(a.start_utc < b.end_utc, b.start_utc < a.end_utc)
                )
                assert clash == 0, col
            past = s.scalars(select(Appointment.status).where(
                Appointment.start_utc < ctx.clock.now() - timedelta(hours=2))).all()  # fmt: skip
            assert set(past) <= {"completed", "no_show", "cancelled"} and past
            names = s.scalars(select(Patient.family_name)).all()
            assert any(any("\u0600" <= ch <= "\u06ff" for ch in n) for n in names)
            assert any(ch in "ışğçöüİ" for n in names for ch in n)
            assert audit.verify(s).ok
            generated = s.execute(
                select(AuditEvent.entity_type).where(AuditEvent.action == "generate")
            ).scalars()
            assert sorted(generated) == ["appointment", "patient", "provider", "room", "service"]
    finally:
        db.close()


def test_demo_front_desk_is_at_work(tmp_path: Path, ctx, memory_keyring) -> None:
    """Monday 10:00: the morning so far is seen, in the room, waiting; the list has people."""
    sizes = Sizes(providers=3, rooms=2, patients=300, appointments=900, days_back=30, days_ahead=10)
    make_demo(tmp_path / "demo", clock=ctx.clock, sizes=sizes)
    db = open_demo(tmp_path / "demo")
    now = ctx.clock.now()
    try:
        with db.read() as s:
            board = today.load_day(s, ctx)
            statuses = Counter(row.status for row in board)
            assert statuses["completed"] and statuses["in_room"] and statuses["arrived"]
            late = [row for row in board if row.is_late(now, ZoneInfo("Europe/Istanbul"))]
            started = [row for row in board if row.start_utc <= now]
            assert len(late) < len(started) / 2  # not a board of latecomers
            for row in board:
                if row.status in ("arrived", "in_room", "completed"):
                    assert row.arrived_at is not None and row.arrived_at <= now
                    assert row.start_utc <= now or row.status == "arrived"
                if row.status in ("in_room", "completed"):
                    assert row.arrived_at < row.start_utc  # they came a little early
                if row.start_utc > now and row.status != "arrived":
                    assert row.status in ("booked", "confirmed")  # nothing ahead of time
            waiting = [row.waiting_minutes(now) for row in board if row.status == "arrived"]
            assert all(w is not None and w >= 0 for w in waiting)
            entries = waitlist.list_entries(s, ctx)
            assert len(entries) == len(WAITLIST_WISHES)
            assert len({e.patient_id for e in entries}) == len(entries)
            assert entries[0].priority == 2  # the urgent one first
            assert {e.service_name for e in entries} == {w[0] for w in WAITLIST_WISHES}
            assert any(e.provider_id is None for e in entries)
            assert any(e.provider_id is not None for e in entries)
            first = board[0].patient_id  # the first patient of the day has a history
            logged = commlog.list_entries(s, ctx, first)
            assert logged and all(e.occurred_at < now for e in logged)
            (letter,) = documents.list_documents(s, ctx, first)
            assert letter.media_type == "text/plain" and letter.size_bytes > 0
            actions = Counter(s.scalars(select(AuditEvent.action)))
            assert actions["create"] >= len(entries)  # added through the core, audited
            assert actions["status_arrived"] >= statuses["arrived"]
            assert audit.verify(s).ok
    finally:
        db.close()


def test_generated_national_ids_pass_checksum() -> None:
    import random

    from receptionist.patients.validation import tc_kimlik_valid

    rng = random.Random(1)
    assert all(tc_kimlik_valid(tr_national_id(rng)) for _ in range(200))


def test_a_small_demo_still_has_a_past_a_today_and_a_future(
    tmp_path: Path, ctx, memory_keyring
) -> None:
    """Fewer appointments than the days can hold are spread over the whole range (they
    used to fill its first weeks and stop, all in the past), and fewer patients than
    a day's appointments leave the rest of that day free instead of hanging."""
    sizes = Sizes(providers=6, rooms=2, patients=3, appointments=2000, days_back=180, days_ahead=60)
    made = make_demo(tmp_path / "demo", clock=ctx.clock, sizes=sizes)
    assert 0 < made.appointments < 2000, "three patients fill at most three a day"
    db = open_demo(tmp_path / "demo")
    try:
        with db.read() as s:
            starts = s.scalars(select(Appointment.start_utc)).all()
        now = ctx.clock.now()
        local_today = now.astimezone(ZoneInfo("Europe/Istanbul")).date()
        assert any(t < now - timedelta(days=60) for t in starts), "a past"
        assert any(t.astimezone(ZoneInfo("Europe/Istanbul")).date() == local_today for t in starts)
        assert any(t > now + timedelta(days=20) for t in starts), "a future"
    finally:
        db.close()


def test_turning_reminders_on_in_a_fresh_demo_confirms_no_demo_booking(
    tmp_path: Path, ctx, memory_keyring
) -> None:
    """Every demo booking was made "now" (its created_at), so switching reminders on
    confirmed every upcoming one as "booked within the last day" (``plan.confirm_since``).
    The demo's bookings were made days before (and before their start): none is new. A
    booking made after the demo was made still is."""
    from receptionist.context import Actor, Ctx
    from receptionist.models import Reminder
    from receptionist.ops import settings
    from receptionist.reminders import config, plan

    sizes = Sizes(providers=3, rooms=2, patients=200, appointments=600, days_back=20, days_ahead=20)
    make_demo(tmp_path / "demo", clock=ctx.clock, sizes=sizes)
    db = open_demo(tmp_path / "demo")
    try:
        with db.read() as s:
            ahead = s.scalars(select(Appointment).where(Appointment.start_utc > ctx.clock.now()))
            rows = ahead.all()
            assert rows, "the demo has bookings ahead"
            assert all(a.created_at < ctx.clock.now() - timedelta(days=1) for a in rows)
            assert all(a.created_at < a.start_utc for a in rows)
            gone = s.scalars(select(Appointment)).all()
            assert all(a.created_at < a.start_utc for a in gone), "booked before it began"
        admin = Ctx(Actor(None, "admin", "cli"), ctx.clock)
        settings.set_value(db, admin, "reminders.enabled", True)
        with db.write() as s:
            plan.plan(s, ctx.clock.now(), config.load(s))
        with db.read() as s:
            kinds = Counter(s.scalars(select(Reminder.kind)))
        assert kinds["confirmation"] == 0, kinds
    finally:
        db.close()
