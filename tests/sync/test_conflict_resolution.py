"""A double booking made offline on two PCs, settled on one of them through the CLI
and closed on both through a real endpoint (SQLite and PostgreSQL): both replicas end
with the moved appointment, and no conflict open."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_two_pcs import TUE_10, Pc, _patient, admin, replica_of, settle

from receptionist.models import Appointment, Provider, Service
from receptionist.ops import conflicts, replica
from receptionist.schedule import booking, catalog
from sync import cloud
from sync.cli import main
from sync.client import Refused


def _book_offline(a: Pc, b: Pc) -> None:
    ayse, omar = _patient(a, "ayse"), _patient(a, "omar")
    with a.db.read() as s:
        doctor = catalog.find(s, Provider, "Aydın").id
        service = catalog.find(s, Service, "Check-up").id
    for pc, patient in ((a, ayse), (b, omar)):
        with pc.db.write() as s:
            booking.book(
                s, admin(pc.ctx.clock), patient_id=patient, provider_id=doctor,
                service_id=service, start=TUE_10,
            )  # fmt: skip


def test_a_double_booking_settled_on_one_pc_is_closed_on_both(
    joined: tuple[Pc, Pc],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = joined
    _book_offline(a, b)
    settle(a, b)
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "a"), "--json", "conflicts", "list"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["kind"] == "overlap" and listed["state"] == "open"
    assert listed["words"] == (
        "Dr Aydın, Tue 08 Dec 10:00: booked for Omar Haddad on FRONT-2 and for Ayşe Yılmaz "
        "on FRONT-1 while offline"
    )
    ayse = next(s for s in listed["sides"] if s["patient"] == "Ayşe Yılmaz")
    omar = next(s for s in listed["sides"] if s["patient"] == "Omar Haddad")
    assert ayse["phone"] == "+905321234567"
    # PC 1 keeps Ayşe's booking and moves Omar's to 11:00.
    resolve = ["conflicts", "resolve", listed["id"][:8], "--keep", ayse["label"]]
    code = main(["--data-dir", str(tmp_path / "a"), "--json", *resolve, "--move-to",
                 "2026-12-08T11:00"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    done = json.loads(capsys.readouterr().out)
    assert (done["state"], done["resolution"], done["sent"]) == ("resolved", "moved", False)
    settle(a, b)
    for pc in (a, b):
        assert conflicts.listing(pc.db, admin(pc.ctx.clock)) == []
        [closed] = conflicts.listing(pc.db, admin(pc.ctx.clock), "all")
        assert closed.resolution == "moved" and not closed.sending
        assert replica.status(pc.db).open_conflicts == 0
        with pc.db.read() as s:
            moved = s.get(Appointment, omar["row_id"])
            assert moved is not None and moved.start_utc == TUE_10 + timedelta(hours=1)
            kept = s.get(Appointment, ayse["row_id"])
            assert kept is not None and kept.start_utc == TUE_10
            live = s.scalars(select(Appointment).where(Appointment.status == "booked")).all()
            assert len(live) == 2
    assert replica_of(a.db) == replica_of(b.db)
    assert replica.status(a.db).waiting == replica.status(b.db).waiting == 0


@pytest.mark.parametrize(
    ("words", "option"),
    [
        (["--keep", "A"], "move-to"),
        (["--keep-both"], "reason"),
        (["--keep", "A", "--cancel-other"], "reason"),
        (["--called", "--move-to", "2026-12-08T11:00"], "move-to"),
        (["--choose", "A", "--reason", "why"], "reason"),
        (["--keep", "A", "--move-to", "2026-12-08T11:00", "--cancel-other"], "move-to"),
    ],
)
def test_bad_resolve_options_are_exit_2_naming_the_option(
    cli_env: Path, capsys: pytest.CaptureFixture[str], words: list[str], option: str
) -> None:
    # Refused before the clinic file is opened: nothing can be written.
    assert main(["--json", "conflicts", "resolve", "3f2a9c01", *words]) == 2
    out = capsys.readouterr().out
    said = json.loads(out[out.index("{") :])
    assert said["field"] == option or f"--{option}" in said["error"]
    assert not cli_env.exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_conflict_the_endpoint_no_longer_holds_does_not_stop_the_rounds(
    joined: tuple[Pc, Pc],
) -> None:
    a, _ = joined
    with cloud.client_for(a.db) as client:
        client.resolve("0b0e2c1c-0000-4000-8000-000000000000", "moved")  # nothing to close
        with pytest.raises(Refused):
            client.resolve("0b0e2c1c-0000-4000-8000-000000000000", "Moved!")  # not a code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_keeping_one_booking_by_its_id_cancels_the_other_and_closes_it_on_both(
    joined: tuple[Pc, Pc],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`conflicts resolve ID --keep APPOINTMENT --cancel-others --reason ...`: one step
    out of a double booking, named by the booking to keep."""
    a, b = joined
    _book_offline(a, b)
    settle(a, b)
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "b"), "--json", "conflicts", "list"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    ayse = next(s for s in listed["sides"] if s["patient"] == "Ayşe Yılmaz")
    omar = next(s for s in listed["sides"] if s["patient"] == "Omar Haddad")
    assert main(["--data-dir", str(tmp_path / "b"), "conflicts", "list"]) == 0
    text = capsys.readouterr().out  # each booking with its time and the id --keep takes
    assert "Omar Haddad, 2026-12-08 10:00 on FRONT-2" in text
    assert f"[appointment {omar['row_id'][:8]}]" in text
    resolve = ["conflicts", "resolve", listed["id"][:8], "--keep", omar["row_id"][:8],
               "--cancel-others", "--reason", "Ayşe rebooked by phone"]  # fmt: skip
    assert main(["--data-dir", str(tmp_path / "b"), "--json", *resolve]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["state"], done["resolution"], done["sent"]) == ("resolved", "cancelled", False)
    settle(a, b)
    for pc in (a, b):
        assert conflicts.listing(pc.db, admin(pc.ctx.clock)) == []
        [closed] = conflicts.listing(pc.db, admin(pc.ctx.clock), "all")
        assert closed.resolution == "cancelled" and not closed.sending
        with pc.db.read() as s:
            cancelled = s.get(Appointment, ayse["row_id"])
            assert cancelled is not None and cancelled.status == "cancelled"
            assert cancelled.cancellation_reason == "Ayşe rebooked by phone"
            kept = s.get(Appointment, omar["row_id"])
            assert kept is not None and kept.status == "booked" and kept.start_utc == TUE_10
    assert replica_of(a.db) == replica_of(b.db)
