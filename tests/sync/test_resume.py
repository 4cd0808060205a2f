"""A download cut short resumes where it stopped: the pages already applied are kept
with their cursor, records waiting for a row a later page brings are kept with them,
and a full download (after "reset required") still sweeps at its end, in whichever
round that comes. Cut by the network (the client raises) and by a SIGKILL of the
PC's sync process; through a real endpoint, each PC its own encrypted file."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    PASSPHRASE,
    BlankPcs,
    Pc,
    catalogue,
    child_env,
    kill_when_said,
    replica_of,
    tokens_in_files,
)
from pairkit import copy_first_pc
from serverkit import Endpoint
from sqlalchemy import select
from templates import Template

from receptionist.clock import FixedClock
from receptionist.models import Appointment, Patient, SyncHeld, SyncState
from receptionist.ops.patients import NewPatient, add, find
from receptionist.patients import record as patients
from receptionist.schedule import booking
from sync import client as http
from sync import cloud
from sync.round import Unreachable
from sync.server.commands import NewClinic

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
PAGE = 3  # records a pull page: a small clinic spans many pages


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens_in_files()
    monkeypatch.setattr(http, "PULL_LIMIT", PAGE)


class Pulls:
    """The cursors this process's client pulls from; the network lost at pull ``cut``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cursors: list[int] = []
        self.cut: int | None = None
        real: Callable[..., Any] = http.Client.pull

        def pull(client: http.Client, cursor: int, *horizon: int) -> Any:
            self.cursors.append(cursor)
            if self.cut is not None and len(self.cursors) == self.cut:
                raise Unreachable("the network is gone")
            return real(client, cursor, *horizon)

        monkeypatch.setattr(http.Client, "pull", pull)

    def again(self, cut: int | None = None) -> None:
        self.cursors, self.cut = [], cut


@pytest.fixture
def pulls(monkeypatch: pytest.MonkeyPatch) -> Pulls:
    return Pulls(monkeypatch)


def _state(pc: Pc) -> tuple[int, bool, int]:
    with pc.db.read() as s:
        sync = s.get(SyncState, 1)
        assert sync is not None
        held = len(s.scalars(select(SyncHeld)).all())
        return sync.pull_cursor, sync.full_download, held


def _busy_clinic(a: Pc) -> None:
    """Bookings of Ayşe, then an edit of her: her record comes after them in a pull,
    so they wait for her across pages."""
    doctor, service = catalogue(a)
    ayse = find(a.db, a.admin(), "ayse")[0].id
    for n in range(8):
        add(a.db, a.admin(), NewPatient(f"Patient{n}", "Demir"))
    with a.db.write() as s:
        for n in range(4):
            booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor,
                         service_id=service, start=TUE_10 + timedelta(hours=n))  # fmt: skip
        patients.update_patient(s, a.admin(), ayse, notes="Prefers mornings")
    cloud.sync_once(a.db, a.ctx.clock)


def test_a_first_download_cut_short_resumes_after_its_last_page(
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    clock: FixedClock,
    pulls: Pulls,
    first_pc_template: Template[None],
    blank_pcs: BlankPcs,
) -> None:
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        cloud.sync_once(a.db, clock)
        _busy_clinic(a)
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        pulls.again(cut=8)
        with pytest.raises(Unreachable):
            cloud.sync_once(b.db, clock)
        cursor, full, held = _state(b)
        assert cursor == pulls.cursors[-1] > 0, "the seven pages applied are kept, cursor and all"
        assert held > 0, "the bookings waiting for Ayşe are kept with them"
        assert not full, "a first download sweeps nothing"

        pulls.again()
        cloud.sync_once(b.db, clock)

        assert pulls.cursors[0] == cursor, "resumed where it stopped, not from 0"
        assert _state(b)[2] == 0
        assert replica_of(b.db) == replica_of(a.db)
        with b.db.read() as s:
            assert len(s.scalars(select(Appointment)).all()) == 4
    finally:
        a.db.close()
        b.db.close()


def _erase_past_the_horizon(a: Pc, b: Pc, clock: FixedClock) -> tuple[str, str, str]:
    """Layla booked on A and B; B away, books her again offline; A erases her and the
    horizon passes: B's next pull is refused (410). Her id and the two bookings'."""
    doctor, service = catalogue(a)
    layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
    assert layla
    for n in range(6):
        add(a.db, a.admin(), NewPatient(f"Patient{n}", "Demir"))
    with a.db.write() as s:
        theirs = booking.book(s, a.admin(), patient_id=layla, provider_id=doctor,
                              service_id=service, start=TUE_10).id  # fmt: skip
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    with b.db.write() as s:
        mine = booking.book(s, b.admin(), patient_id=layla, provider_id=doctor,
                            service_id=service, start=TUE_10 + timedelta(hours=2)).id  # fmt: skip
    with a.db.write() as s:
        patients.delete_patient(s, a.admin(), layla)
    cloud.sync_once(a.db, clock)
    clock.advance(days=91)
    with a.db.write() as s:  # A's next push purges her tombstone on the endpoint
        omar = find(a.db, a.admin(), "omar")[0].id
        patients.update_patient(s, a.admin(), omar, notes="Seen in June")
    cloud.sync_once(a.db, clock)
    return layla, theirs, mine


def _live(db: Any) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(Appointment.id).where(Appointment.deleted_at.is_(None))))


def _swept_everywhere(a: Pc, b: Pc, layla: str, theirs: str, mine: str) -> None:
    with b.db.read() as s:
        gone = s.get(Patient, layla)
        assert gone is not None and gone.deleted_at is not None
    assert not {theirs, mine} & _live(b.db)
    cloud.sync_once(a.db, a.ctx.clock)
    assert not {theirs, mine} & _live(a.db)


def test_a_full_download_cut_by_the_network_resumes_and_still_sweeps(
    endpoint: Endpoint, two_pcs: list[Pc], tmp_path: Path, clock: FixedClock, pulls: Pulls
) -> None:
    a, b = two_pcs
    layla, theirs, mine = _erase_past_the_horizon(a, b, clock)
    pulls.again(cut=4)  # 410, then two pages, then the network goes
    with pytest.raises(Unreachable):
        cloud.sync_once(b.db, clock)
    cursor, full, _ = _state(b)
    assert cursor == pulls.cursors[-1] > 0, "two pages in, kept"
    assert full, "a full download, still"
    # Meanwhile B works on: its change must not be lost by the download.
    ayse = find(b.db, b.admin(), "ayse")[0].id
    with b.db.write() as s:
        patients.update_patient(s, b.admin(), ayse, notes="Call after 5")

    pulls.again()
    back = cloud.sync_once(b.db, clock)

    assert pulls.cursors[0] == cursor, "resumed where it stopped, not from 0"
    assert back.swept >= 3, "Layla, and the two bookings pointing at her"
    assert not _state(b)[1], "the download is over"
    _swept_everywhere(a, b, layla, theirs, mine)
    with a.db.read() as s:
        kept = s.get(Patient, ayse)
        assert kept is not None and kept.notes == "Call after 5"
    assert cloud.sync_once(b.db, clock).swept == 0, "an ordinary round sweeps nothing"


# The PC's own `receptionist sync`, killed as it asks for its fourth page: the 410,
# then two pages of the full download, applied.
KILLED = """
import sys, time
from sync import client
from sync.cli import main

client.PULL_LIMIT = 3
real = client.Client.pull
asked = []

def pull(self, cursor, *horizon):
    asked.append(cursor)
    if len(asked) == 4:
        print("cut", flush=True)
        time.sleep(600)  # killed here
    return real(self, cursor, *horizon)

client.Client.pull = pull
sys.exit(main(["sync"]))
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_download_cut_by_a_kill_resumes_and_still_sweeps(
    endpoint: Endpoint, two_pcs: list[Pc], tmp_path: Path, clock: FixedClock, pulls: Pulls
) -> None:
    a, b = two_pcs
    layla, theirs, mine = _erase_past_the_horizon(a, b, clock)
    env = child_env(RECEPTIONIST_DATA_DIR=str(b.root), RECEPTIONIST_PASSPHRASE=PASSPHRASE)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    kill_when_said(proc, "cut").join(60)
    assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    for pipe in (proc.stdout, proc.stderr):
        assert pipe is not None
        pipe.close()
    cursor, full, _ = _state(b)
    assert cursor > 0, "two pages in"
    assert full, "a full download, still"

    pulls.again()
    back = cloud.sync_once(b.db, clock)

    assert back.swept >= 3, "a download cut short is never taken for a whole one"
    _swept_everywhere(a, b, layla, theirs, mine)
