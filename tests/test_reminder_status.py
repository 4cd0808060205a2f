"""What the status bar says of reminders: off, this PC sends (next, queued, failed),
another PC sends, or none is named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channelservers import ACCOUNT, INVALID, TOKEN, http_server, twilio_route
from reminderclinic import SENDER, Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.ops import reminders
from receptionist.reminders import dispatch
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
