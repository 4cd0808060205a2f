"""A reminder station restored from a backup (``receptionist backup restore``) does not
send again what it sent after the backup was taken: its reminder rows are back to the
backup's state, and it takes over from itself as it was (reminders/handover.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from reminderclinic import SENDER, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Reminder
from receptionist.ops import backups
from receptionist.reminders import dispatch
from receptionist.store.vault import open_clinic
from sync.channels.twilio import TwilioSender

PASSPHRASE = "correct horse battery"  # the test clinic's (conftest.data_dir)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def test_a_restored_station_does_not_send_again_what_it_sent_after_the_backup(
    data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, twilio, tmp_path: Path
) -> None:
    sender, server = twilio
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    root = data_dir
    db = open_clinic(root)  # Monday 10:00 in Istanbul
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h,2h")
    x = clinic.book(clinic.patient(1), at(1, 14))  # Tuesday 14:00
    assert [i.kind for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["confirmation"]
    backup = backups.create(db, ctx, root, to=tmp_path / "backups")
    clock.advance(hours=4)  # X's 24h reminder goes after the backup was taken
    assert [i.rule for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["24h"]
    db.close()
    clock.advance(minutes=30)  # well within the late limit: it would go again
    backups.restore(root, backup.path, clock)
    db = open_clinic(root)
    try:
        again = dispatch.run(db, clock, {"sms": sender})
        assert again.of("sent") == []
        with db.read() as s:
            row = s.scalars(select(Reminder).where(Reminder.rule == "24h")).one()
            assert (row.appointment_id, row.state, row.reason) == (x, "skipped", "restored")
        clock.advance(hours=22)  # the 2h reminder, due after the restore, goes
        assert [i.rule for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["2h"]
        assert len(server.messages) == 3
    finally:
        db.close()


def test_a_message_planned_before_the_restore_for_later_still_goes(
    data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, twilio, tmp_path: Path
) -> None:
    """A confirmation held back by the quiet hours until the morning was in the backup
    and could not have gone before the restore (the night before): it goes."""
    sender, server = twilio
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    clock.set(at(0, 21, 30))  # Monday 21:30 in Istanbul: quiet until 08:00
    db = open_clinic(data_dir)
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    clinic = make(db, ctx, clock)
    clinic.set(offsets="", quiet_start="21:00", quiet_end="08:00")
    y = clinic.book(clinic.patient(1), at(1, 14))
    assert dispatch.run(db, clock, {"sms": sender}).of("sent") == []
    backup = backups.create(db, ctx, data_dir, to=tmp_path / "backups")
    db.close()
    clock.advance(minutes=30)
    backups.restore(data_dir, backup.path, clock)
    db = open_clinic(data_dir)
    try:
        assert dispatch.run(db, clock, {"sms": sender}).of("skipped") == []
        clock.set(at(1, 8, 1))
        sent = dispatch.run(db, clock, {"sms": sender}).of("sent")
        assert [(i.appointment_id, i.kind) for i in sent] == [(y, "confirmation")]
        assert len(server.messages) == 1
    finally:
        db.close()


def test_a_restored_station_ends_what_is_past_the_late_limit_as_late_not_restored(
    data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, twilio, tmp_path: Path
) -> None:
    """The backup held X's and Y's day-before reminders and Y's two-hours one, all
    sent after it; the file is restored the next morning. X's and Y's day-before ones,
    due some 20 hours before, are past the late limit: too late to go whether or not
    they went, so "late" (nothing to resend), not "restored" (which asks the desk to
    resend each); Y's two-hours one, due half an hour before, still within it, may have
    gone: "restored". Nothing goes again."""
    sender, server = twilio
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    db = open_clinic(data_dir)  # Monday 10:00 in Istanbul
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h,2h", confirmation=False)
    x = clinic.book(clinic.patient(1), at(1, 14))  # Tuesday 14:00
    y = clinic.book(clinic.patient(2), at(1, 11, 30))  # Tuesday 11:30
    assert dispatch.run(db, clock, {"sms": sender}).of("sent") == []
    backup = backups.create(db, ctx, data_dir, to=tmp_path / "backups")
    clock.set(at(0, 11, 30))
    assert [i.appointment_id for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == [y]
    clock.set(at(0, 14))
    assert [i.appointment_id for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == [x]
    clock.set(at(1, 9, 30))
    sent = dispatch.run(db, clock, {"sms": sender}).of("sent")
    assert [(i.appointment_id, i.rule) for i in sent] == [(y, "2h")]
    db.close()
    clock.set(at(1, 10))
    backups.restore(data_dir, backup.path, clock)
    db = open_clinic(data_dir)
    try:
        again = dispatch.run(db, clock, {"sms": sender})
        assert again.of("sent") == []
        with db.read() as s:
            rows = s.scalars(select(Reminder).where(Reminder.send_at <= clock.now())).all()
            ended = {(r.appointment_id, r.rule): (r.state, r.reason) for r in rows}
        assert ended == {
            (x, "24h"): ("skipped", "late"),
            (y, "24h"): ("skipped", "late"),
            (y, "2h"): ("skipped", "restored"),
        }
        assert len(server.messages) == 3
    finally:
        db.close()


# A restore killed once the backup's file is in place, before the restore is written
# in it (the process dies where it would open the restored file).
KILLED_RESTORE = """
import os, sys
from datetime import datetime
from pathlib import Path
from receptionist.clock import FixedClock
from receptionist.ops import backups

def killed(*_args, **_kwargs):
    os._exit(9)

backups.open_unlocked = killed
clock = FixedClock(datetime.fromisoformat(sys.argv[3]))
backups.restore(Path(sys.argv[1]), Path(sys.argv[2]), clock)
"""


def test_a_restore_killed_after_the_swap_still_keeps_the_station_from_sending_again(
    data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, twilio, tmp_path: Path
) -> None:
    """The restore dies between putting the backup's file in place and writing in it
    that it was restored: the station's next round still knows, and does not send again
    what it sent after the backup was taken."""
    sender, server = twilio
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    db = open_clinic(data_dir)
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h,2h")
    x = clinic.book(clinic.patient(1), at(1, 14))  # Tuesday 14:00
    assert [i.kind for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["confirmation"]
    backup = backups.create(db, ctx, data_dir, to=tmp_path / "backups")
    clock.advance(hours=4)  # X's 24h reminder goes after the backup was taken
    assert [i.rule for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["24h"]
    db.close()
    clock.advance(minutes=30)
    argv = [str(data_dir), str(backup.path), clock.now().isoformat()]
    done = subprocess.run([sys.executable, "-c", KILLED_RESTORE, *argv], env=os.environ.copy())
    assert done.returncode == 9
    db = open_clinic(data_dir)
    try:
        again = dispatch.run(db, clock, {"sms": sender})
        assert again.of("sent") == []
        with db.read() as s:
            row = s.scalars(select(Reminder).where(Reminder.rule == "24h")).one()
            assert (row.appointment_id, row.state, row.reason) == (x, "skipped", "restored")
        assert len(server.messages) == 2
    finally:
        db.close()
