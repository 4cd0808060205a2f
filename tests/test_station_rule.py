"""One rule says whether this PC is a station, the reminders' and Google's alike
(``receptionist.patients.numbering.runs_here``): the PC whose device code the setting
names; named none, this PC only where the clinic has no cloud."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from receptionist.google import station as google_station
from receptionist.models import SyncState
from receptionist.patients import numbering
from receptionist.reminders import station as reminder_station
from receptionist.store.storage import Database

CASES = [  # named, code, cloud -> runs here
    ("", "A", False, True),
    ("", "B", True, False),
    ("A", "A", False, True),
    ("a", "A", True, True),
    ("B", "A", True, False),
    ("B", "A", False, False),
]


@pytest.mark.parametrize(("named", "code", "cloud", "here"), CASES)
def test_the_rule(named: str, code: str, cloud: bool, here: bool) -> None:
    assert numbering.runs_here(named, code, cloud) is here
    assert google_station.Station(named.upper(), code, cloud).is_here is here


def _join(s: Session, code: str) -> None:
    s.add(
        SyncState(
            id=1, server_url="https://sync.example", clinic_id="c", device_id="d",
            device_code=code, device_name="Desk 2", private_key=b"k",
        )
    )  # fmt: skip


def test_both_stations_ask_the_one_rule(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str, bool]] = []
    real = numbering.runs_here

    def spy(named: str, code: str, cloud: bool) -> bool:
        asked.append((named, code, cloud))
        return real(named, code, cloud)

    monkeypatch.setattr(numbering, "runs_here", spy)
    with db.write() as s:
        _join(s, "B")
    with db.read() as s:
        assert reminder_station.is_station(s, "b")
        assert not google_station.of(s).is_here  # google.station unset, with a cloud
    assert asked == [("b", "B", True), ("", "B", True)]
