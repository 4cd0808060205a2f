"""``sweep records`` holds the destruction records against the audit log both ways
(#14, session 17's review): an erasure's records are in the log as a sweep's are (not
tagged "[not in the audit log]", which reads as tampering), an edit of them is found
like an edit of a sweep's, and a sweep whose records were all deleted, though the log
still holds its counts, is told."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliclinic import shared_clinic, use_clinic
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.store.vault import open_clinic


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with shared_clinic(tmp_path / "clinic") as made:
        use_clinic(monkeypatch, made)
        yield made


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    return code, json.loads(said.out) if said.out.strip() else None


def _sql(root: Path, statement: str) -> None:
    db = open_clinic(root)
    try:
        with db.write() as s:
            s.execute(text(statement))
    finally:
        db.close()


def test_an_erasure_s_records_are_in_the_audit_log(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, added = run(capsys, "patient", "add", "--given-name", "Leyla", "--family-name", "Demir")
    assert code == 0
    assert run(capsys, "patient", "erase", added["number"], "--yes")[0] == 0
    assert main(["sweep", "records"]) == 0
    said = capsys.readouterr().out
    assert "patient: 1  (erasure=request)" in said
    assert "not in the audit log" not in said and "DIFFERS" not in said
    code, listed = run(capsys, "sweep", "records")
    assert code == 0
    erased = [r for r in listed["records"] if r["policy"] == "erasure=request"]
    assert erased and all(r["in_log"] is True for r in erased)
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    # an edit of them is found, as of a sweep's
    _sql(root, "UPDATE destruction_record SET count = 0 WHERE kind = 'patient'")
    assert main(["sweep", "records"]) == 0
    assert "DIFFERS FROM THE AUDIT LOG" in capsys.readouterr().out


def test_a_sweep_whose_records_were_deleted_is_told(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", "--dry-run"]) == 0
    assert main(["sweep", "--yes"]) == 0
    capsys.readouterr()
    code, listed = run(capsys, "sweep", "records")
    assert code == 0
    assert [r["in_log"] for r in listed["records"]] == [True]
    sweep_id = listed["records"][0]["sweep_id"]
    _sql(root, "DELETE FROM destruction_record")
    assert main(["sweep", "records"]) == 0
    said = capsys.readouterr().out
    assert "No destruction records." in said
    assert "holds the counts of 1 sweep(s) whose destruction records are gone" in said
    assert sweep_id[:8] in said


def test_an_erasure_made_before_its_records_went_into_the_log_is_no_sweep_cut_short(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An erasure of a version before session 17 left records with no events in the log.
    The next sweep writes in only sweeps cut short (``records.cut_short``): the erasure's
    records stay "[not in the audit log]", never dated as a sweep that did not end."""
    code, added = run(capsys, "patient", "add", "--given-name", "Leyla", "--family-name", "Demir")
    assert code == 0
    assert run(capsys, "patient", "erase", added["number"], "--yes")[0] == 0
    # as an older version left it: the records, none of their events
    _sql(root, "DELETE FROM audit_event WHERE action IN ('sweep_policy', 'sweep_count',"
               " 'erasure_records')")  # fmt: skip
    assert main(["sweep", "--dry-run"]) == 0
    assert main(["sweep", "--yes"]) == 0
    capsys.readouterr()
    code, listed = run(capsys, "sweep", "records")
    assert code == 0
    erased = [r for r in listed["records"] if r["policy"] == "erasure=request"]
    assert erased and all(r["in_log"] is None for r in erased), erased
    db = open_clinic(root)
    try:
        with db.read() as s:
            cut = s.execute(text("SELECT count(*) FROM audit_event"
                                 " WHERE action = 'sweep_cut_short'")).scalar_one()  # fmt: skip
    finally:
        db.close()
    assert cut == 0


def test_records_from_before_the_log_kept_them_are_said_so_not_as_missing(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#14, session 18: a sweep of a version before session 16 (its ``sweep`` event, no
    records before it) and an erasure of a version before session 17 (no event at all)
    read "[not in the audit log]", as if something had been removed. They were recorded
    in the destruction records table at the time; the log's copy began later: said so."""
    code, added = run(capsys, "patient", "add", "--given-name", "Leyla", "--family-name", "Demir")
    assert code == 0
    assert run(capsys, "patient", "erase", added["number"], "--yes")[0] == 0
    assert main(["sweep", "--dry-run"]) == 0
    assert main(["sweep", "--yes"]) == 0
    # as the older versions left them: each sweep's own event, none of the records'
    _sql(root, "DELETE FROM audit_event WHERE action IN ('sweep_policy', 'sweep_count',"
               " 'erasure_records')")  # fmt: skip
    capsys.readouterr()
    assert main(["sweep", "records"]) == 0
    said = capsys.readouterr().out
    assert "not in the audit log" not in said and "DIFFERS" not in said, said
    lines = said.splitlines()
    assert all("[from before the audit log kept a copy]" in line for line in lines[:2]), said
    assert "written by an earlier version of Receptionist" in said
    assert "session 16" in said and "session 17" in said
    assert "recorded in this table when they were made" in said
    code, listed = run(capsys, "sweep", "records")
    assert code == 0
    assert {r["policy"] == "erasure=request" for r in listed["records"]} == {True, False}
    assert all(r["in_log"] is None for r in listed["records"])
    assert {r["not_in_log"] for r in listed["records"]} == {"earlier_version"}


def test_sweep_records_json_names_the_sweeps_whose_records_are_gone(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#14, session 18: the text output warned of sweeps whose records were deleted
    while the log holds their counts; --json said nothing of them."""
    assert main(["sweep", "--dry-run"]) == 0
    assert main(["sweep", "--yes"]) == 0
    capsys.readouterr()
    code, listed = run(capsys, "sweep", "records")
    assert code == 0 and listed["gone"] == []
    [row] = listed["records"]
    assert row["in_log"] is True and row["not_in_log"] is None
    _sql(root, "DELETE FROM destruction_record")
    code, listed = run(capsys, "sweep", "records")
    assert code == 0
    assert listed["records"] == [] and listed["gone"] == [row["sweep_id"]]
    assert "whose destruction records are gone" in listed["warnings"][0]
