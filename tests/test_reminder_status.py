"""What the status bar says of reminders: off, this PC sends (next, queued, failed),
another PC sends, or none is named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from channelservers import ACCOUNT, INVALID, TOKEN, http_server, twilio_route
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import event, select, update

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import Reminder
from receptionist.ops import reminders
from receptionist.reminders import dispatch, halt
from receptionist.reminders.compose import RETRY
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def sender() -> Iterator[TwilioSender]:
    with http_server(twilio_route) as (url, _recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN)


def test_the_status_counts_what_waits_and_what_failed_and_says_who_sends(
    clinic: Clinic, sender: TwilioSender
) -> None:
    clinic.set(enabled=False)
    assert reminders.status(clinic.db).mode == "off"
    clinic.set(enabled=True)
    first = reminders.status(clinic.db)
    assert (first.mode, first.queued, first.failed, first.next_due) == ("here", 0, 0, None)
    clinic.book(clinic.patient(1), at(2, 9))
    clinic.book(clinic.patient(2, phone=INVALID), at(3, 9))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    found = reminders.status(clinic.db)
    # Sent: patient 1's confirmation; failed: patient 2's; queued: two 24h and two 2h.
    assert (found.mode, found.queued, found.failed) == ("here", 4, 1)
    assert found.next_due == at(1, 9)  # patient 1's 24h reminder
    clinic.set(station="B")
    elsewhere = reminders.status(clinic.db)
    assert (elsewhere.mode, elsewhere.station) == ("elsewhere", "B")


def test_a_message_to_check_is_counted_apart_from_one_that_failed(
    clinic: Clinic, sender: TwilioSender
) -> None:
    """ "Unknown: check" (the provider may have it) is not "Failed": the status bar said
    "failed 2" for one of each."""
    clinic.set(enabled=True)
    clinic.book(clinic.patient(1), at(2, 9))
    clinic.book(clinic.patient(2, phone=INVALID), at(3, 9))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    with clinic.db.write() as s:  # the confirmation sent: its answer was lost
        s.execute(update(Reminder).where(Reminder.state == "sent").values(state="unknown"))
    found = reminders.status(clinic.db)
    assert (found.failed, found.to_check) == (1, 1)


def test_the_desk_reads_the_status_as_the_lease_was_last_heard(
    clinic: Clinic, sender: TwilioSender
) -> None:
    """The status bar and the Reminders view count as ``reminders status`` does: while
    another PC was last heard to hold the cloud's lease, this station's planned rows
    wait for a takeover; they are not called queued (``reminderlease.sending``)."""
    from sync import reminderlease
    from ui import reminderstatus

    clinic.set(enabled=True)
    clinic.book(clinic.patient(1), at(2, 9))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert reminderstatus.read(clinic.db)[0].queued == 2  # nothing heard: the setting says
    holder = {"code": "B-2", "name": "Front desk 2"}
    reminderlease._note(str(clinic.db.path), {"holder": holder, "held": False}, at(1, 8))
    try:
        elsewhere, heard = reminderstatus.read(clinic.db)
        assert heard is not None and (heard.code, heard.here) == ("B-2", False)
        assert (elsewhere.queued, elsewhere.kept) == (0, 2)
        reminderlease._note(str(clinic.db.path), {"holder": holder, "held": True}, at(1, 8))
        assert reminderstatus.read(clinic.db)[0].queued == 2
    finally:
        reminderlease._seen.pop(str(clinic.db.path), None)


def test_the_status_reads_the_messages_in_one_statement_with_each_channels_newest_try(
    clinic: Clinic, sender: TwilioSender
) -> None:
    """The status bar reloads on every change and each minute: the counts, the next
    time, the channels waiting to try again and those stopped come from one grouped
    read of the messages, and say what the separate reads said."""
    clinic.set(enabled=True)
    clinic.book(clinic.patient(1), at(2, 9))
    clinic.book(clinic.patient(2), at(3, 9))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    with clinic.db.write() as s:
        ids = list(s.scalars(select(Reminder.id).where(Reminder.state == "pending")))
        assert len(ids) == 4
        marked = [  # (channel, reason, minutes ago): sms's newest try met a timeout
            ("sms", RETRY + "network", 30), ("sms", RETRY + "timeout", 5),
            ("email", RETRY + "greylisted", 10), ("whatsapp", halt.HALTED, 1),
        ]  # fmt: skip
        for rid, (channel, reason, ago) in zip(ids, marked, strict=True):
            s.execute(
                update(Reminder).where(Reminder.id == rid).values(
                    channel=channel, reason=reason,
                    updated_at=clinic.clock.now() - timedelta(minutes=ago),
                )
            )  # fmt: skip
        causes = halt.causes(s)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        statements.append(sql)

    event.listen(clinic.db.engine, "before_cursor_execute", seen)
    try:
        found = reminders.status(clinic.db)
    finally:
        event.remove(clinic.db.engine, "before_cursor_execute", seen)
    assert len([q for q in statements if "FROM reminder" in q]) == 1, statements
    assert found.waiting == (("email", "greylisted"), ("sms", "timeout"))
    assert found.causes == tuple(sorted(causes.items())) == (("whatsapp", halt.HALTED),)
    assert (found.queued, found.failed, found.next_due) == (4, 0, at(1, 9))
