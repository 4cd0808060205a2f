"""A copy restored to look at and adopted later takes over the sending at the adoption,
not at the restore (#14, session 17's review): the clinic's PC went on sending in
between, so what fell due before the adoption was its to send, and the adopted copy
does not send it again."""

from __future__ import annotations

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


def test_an_adopted_copy_does_not_send_again_what_the_clinic_sent_before_the_adoption(
    data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, twilio, tmp_path: Path
) -> None:
    sender, server = twilio
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    db = open_clinic(data_dir)  # Monday 10:00 in Istanbul
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h", late_limit_minutes=1440)
    x = clinic.book(clinic.patient(1), at(2, 14))  # Wednesday 14:00: its 24h on Tuesday
    assert [i.kind for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["confirmation"]
    backup = backups.create(db, ctx, data_dir, to=tmp_path / "backups")
    clock.advance(minutes=30)
    look = tmp_path / "look"  # restored on Monday to look at: it sends nothing
    assert backups.restore(look, backup.path, clock).look_only
    clock.set(at(1, 14))  # the clinic's PC sends X's 24h reminder on Tuesday
    assert [i.rule for i in dispatch.run(db, clock, {"sms": sender}).of("sent")] == ["24h"]
    db.close()
    clock.set(at(1, 20))  # the clinic's PC is lost; the copy is adopted that evening
    copy = open_clinic(look)
    try:
        backups.adopt(copy, ctx, look)
        again = dispatch.run(copy, clock, {"sms": sender})
        assert again.of("sent") == [], "the adopted copy sent the 24h reminder again"
        with copy.read() as s:
            row = s.scalars(select(Reminder).where(Reminder.rule == "24h")).one()
            assert (row.appointment_id, row.state, row.reason) == (x, "skipped", "restored")
        assert len(server.messages) == 2
    finally:
        copy.close()
