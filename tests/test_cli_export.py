"""``patient export``: a patient's whole record written to one zip from the CLI
(``ops.export``): what was written comes back counted (``--json``); a file already
there is refused naming ``--to`` unless ``--force``, an unknown patient naming the
patient, both exiting 2 and writing nothing."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliclinic import shared_clinic, use_clinic

from receptionist.cli.main import main


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("export") / "clinic") as root:
        yield root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    return code, json.loads(said.out) if said.out.strip() else None, said.err


def test_export_from_the_cli(
    shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:  # fmt: skip
    use_clinic(monkeypatch, shared)
    code, _, err = run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
                       "--service", "check-up", "--start", "2026-12-08T10:00")  # fmt: skip
    assert code == 0, err
    dest = tmp_path / "a-1.zip"
    assert main(["patient", "export", "A-1", "--to", str(dest)]) == 0
    said = capsys.readouterr().out
    assert f"Wrote patient A-1's record to {dest}" in said and "1 appointment(s)" in said
    assert "hand it to the patient" in said
    with zipfile.ZipFile(dest) as zf:
        data = json.loads(zf.read("record.json"))
    assert data["patient"]["number"] == "A-1" and data["appointments"][0]["service"]

    code, refused, _ = run(capsys, "patient", "export", "A-1", "--to", str(dest))
    assert code == 2 and refused["field"] == "to" and "already there" in refused["error"]
    code, done, err = run(capsys, "patient", "export", "A-1", "--to", str(dest), "--force")
    assert code == 0, err
    assert done["size_bytes"] == dest.stat().st_size and done["counts"]["appointments"] == 1
    code, refused, _ = run(capsys, "patient", "export", "Z-99", "--to", str(tmp_path / "z.zip"))
    assert code == 2 and refused["field"] == "patient"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-1.zip"]
