"""The takeover kept in the file (reminders/handover.py): one handover across the rounds
whose cutoffs differ by the endpoint's rounding, a new one when the lease moved again,
and a restore's own."""

from __future__ import annotations

from datetime import timedelta

from receptionist.clock import FixedClock
from receptionist.models import ReminderHandover
from receptionist.reminders import handover
from receptionist.store.storage import Database


def test_a_handover_is_kept_across_rounds_and_replaced_by_the_next(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()
    cutoff = now - timedelta(hours=25)
    with db.write() as s:
        handover.note(s, "lease", cutoff, now)
        s.get(ReminderHandover, "lease").mark = 42  # type: ignore[union-attr]
    with db.write() as s:  # the next round: the age the endpoint says, a second off
        handover.note(s, "lease", cutoff + timedelta(seconds=1), now + timedelta(minutes=1))
        assert handover.current(s, now) == [handover.Handover("lease", cutoff, 42)]
    later = now + timedelta(hours=30)
    with db.write() as s:  # the lease moved away and back: another handover
        handover.note(s, "lease", later, later)
        handover.restored(s, later)
        found = handover.current(s, later)
    assert found == [
        handover.Handover("lease", later, None),
        handover.Handover("restore", later, None),  # no sync since: no mark
    ]
    assert [h.reason for h in found] == ["other_station", "restored"]
