"""The core's reactions run for every origin: a freed slot is offered to the waitlist
whether the status menu, a drag, the CLI or another process freed it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_patients, make_provider, make_service, make_small_clinic, weekdays

from receptionist.context import Ctx
from receptionist.ops.events import WaitlistOffer, follow
from receptionist.schedule import booking, waitlist
from receptionist.staff import accounts
from receptionist.store.storage import Database

MON_10 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.fixture
def clinic(db: Database, ctx: Ctx) -> dict[str, str]:
    """Dr Ayşe, a 30-minute check-up booked for p1 at 11:00, and p3 on the waitlist."""
    with db.write() as s:
        ids = make_small_clinic(s, ctx, weekdays(("08:00", "18:00")))
        ids["omar"] = make_provider(s, ctx, "Dr Omar").id
        ids["check"] = make_service(s, ctx, "Check-up", 30).id
        make_patients(s, ctx.clock.now(), (3,))
        ids["appt"] = booking.book(
            s, ctx, patient_id="p1", provider_id=ids["ayse"], service_id=ids["check"],
            start=MON_10 + timedelta(hours=1),
        ).id  # fmt: skip
        ids["wish"] = waitlist.add(s, ctx, patient_id="p3", service_id=ids["check"]).id
        accounts.create_user(
            s, ctx, username="admin", password="admin-password-1", role="admin", bootstrap=True
        )
    return ids


def offers_after(db: Database, ctx: Ctx, act) -> list[WaitlistOffer]:  # type: ignore[no-untyped-def]
    heard: list[WaitlistOffer] = []
    following = follow(db, lambda: ctx)
    db.events.subscribe(WaitlistOffer, heard.append)
    try:
        act()
        following.poll()
    finally:
        following.close()
    return heard


def test_a_cancel_offers_the_slot_to_the_waitlist(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    def cancel() -> None:
        with db.write() as s:
            booking.cancel(s, ctx, clinic["appt"], "The patient called")

    heard = offers_after(db, ctx, cancel)
    assert len(heard) == 1
    slot = heard[0].slot
    assert heard[0].reason == "cancelled"
    assert [c.id for c in slot.candidates] == [clinic["wish"]]
    assert (slot.start_utc, slot.end_utc) == (
        MON_10 + timedelta(hours=1),
        MON_10 + timedelta(hours=1.5),
    )


def test_a_move_offers_the_time_it_left(db: Database, ctx: Ctx, clinic: dict[str, str]) -> None:
    """A drag to another day frees the old time; a move by 15 minutes frees only the
    15 minutes it left, too short for a 30-minute check-up: no offer."""

    def nudge() -> None:
        with db.write() as s:
            booking.reschedule(s, ctx, clinic["appt"], start=MON_10 + timedelta(hours=1.25))

    assert offers_after(db, ctx, nudge) == []

    def to_tuesday() -> None:
        with db.write() as s:
            booking.reschedule(s, ctx, clinic["appt"], start=MON_10 + timedelta(days=1, hours=1))

    heard = offers_after(db, ctx, to_tuesday)
    assert [(o.reason, o.slot.start_utc) for o in heard] == [
        ("moved", MON_10 + timedelta(hours=1.25))
    ]


def test_a_move_to_another_provider_frees_the_whole_slot(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    def to_omar() -> None:
        with db.write() as s:
            booking.reschedule(s, ctx, clinic["appt"], provider_id=clinic["omar"])

    heard = offers_after(db, ctx, to_omar)
    assert [o.slot.provider_id for o in heard] == [clinic["ayse"]]


def test_a_slot_already_over_is_offered_to_nobody(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    ctx.clock.advance(hours=3)  # type: ignore[attr-defined]

    def cancel() -> None:
        with db.write() as s:
            booking.cancel(s, ctx, clinic["appt"], "Too late")

    assert offers_after(db, ctx, cancel) == []


@pytest.mark.slow
def test_a_cancel_from_the_cli_reaches_an_open_clinic(
    db: Database, ctx: Ctx, clinic: dict[str, str], data_dir: Path
) -> None:
    """The CLI, another process, cancels; the open clinic's next poll publishes the
    change and the offer, as the app's timer would."""
    env = dict(os.environ)
    env.update(
        RECEPTIONIST_PASSPHRASE="correct horse battery",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    argv = [
        sys.executable, "-m", "receptionist.cli.main", "--data-dir", str(data_dir),
        "appointment", "cancel", clinic["appt"], "--reason", "Called to cancel",
    ]  # fmt: skip

    def cancel() -> None:
        subprocess.run(argv, env=env, check=True, capture_output=True)

    heard = offers_after(db, ctx, cancel)
    assert [c.id for o in heard for c in o.slot.candidates] == [clinic["wish"]]
