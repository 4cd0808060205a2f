"""``patient update --restrict [--reason] / --unrestrict``: the restriction of processing
from the CLI, shown by ``patient show``; each bad input exits 2 naming the option, with
nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliclinic import PASSPHRASE, shared_clinic, use_clinic
from sqlalchemy import func, select

from receptionist.cli.main import main
from receptionist.models import AuditEvent, Patient
from receptionist.store.vault import open_clinic


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("restrict") / "clinic") as root:
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_clinic(monkeypatch, shared)
    return shared


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    assert code == 0, said.err
    return json.loads(said.out)


def written(root: Path) -> tuple[int, int]:
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    try:
        with db.read() as s:
            events = int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)
            return events, int(s.scalar(select(func.sum(Patient.version))) or 0)
    finally:
        db.close()


def test_restrict_and_unrestrict_from_the_cli(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(
        capsys, "patient", "update", "A-1", "--restrict", "--reason", "disputes her address"
    )
    assert data["restricted"] is True and data["restricted_at"]
    assert data["restriction_reason"] == "disputes her address"
    shown = run_json(capsys, "patient", "show", "A-1")
    assert shown["restricted"] is True
    assert main(["patient", "show", "A-1"]) == 0
    out = capsys.readouterr().out
    assert "processing restricted since" in out and "(disputes her address)" in out
    lifted = run_json(capsys, "patient", "update", "A-1", "--unrestrict")
    assert lifted["restricted"] is False and lifted["restricted_at"] is None
    assert lifted["restriction_reason"] == ""
    assert main(["patient", "show", "A-1"]) == 0
    assert "restricted" not in capsys.readouterr().out


def test_restrict_goes_with_other_changes_in_one_write(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, "patient", "update", "A-1", "--restrict", "--notes", "see file")
    assert data["restricted"] is True and data["notes"] == "see file"
    before = written(clinic)
    code = main(["patient", "update", "A-1", "--notes", "other", "--restrict",
                 "--reason", "x" * 501])  # fmt: skip
    assert code == 2
    assert "error (reason): " in capsys.readouterr().err
    assert written(clinic) == before, "the notes were saved though the reason was refused"
    run_json(capsys, "patient", "update", "A-1", "--unrestrict")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--restrict", "--unrestrict"], "error (unrestrict): "),
        (["--reason", "because"], "error (reason): "),
        (["--unrestrict", "--reason", "because"], "error (reason): "),
        (["--restrict", "--reason", "x" * 501], "error (reason): "),
        (["--restrict", "--reason", "bad\x00"], "error (reason): "),
    ],
)
def test_bad_restriction_input_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    before = written(clinic)
    code = main(["patient", "update", "A-1", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert says in err
    assert written(clinic) == before, "a refused command wrote something"
