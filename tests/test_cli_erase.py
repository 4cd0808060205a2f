"""``patient erase``: a patient erased from the CLI through ``ops.patients.delete``
(issue #14). Refused with the hold's reason for a patient on hold, refused without a
terminal unless ``--yes``, asked on a terminal for the number or name typed back; what
went comes back counted (``--json``). Each refusal exits 2 and erases nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliclinic import shared_clinic, use_clinic

from receptionist.cli.main import main


class Terminal(io.StringIO):
    """Standard input as a terminal a person types ``text`` on."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("erase") / "clinic") as root:
        yield root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    return code, json.loads(said.out) if said.out.strip() else None, said.err


def _number(capsys: pytest.CaptureFixture[str], given: str, family: str) -> str:
    code, added, err = run(capsys, "patient", "add", "--given-name", given, "--family-name",
                           family)  # fmt: skip
    assert code == 0, err
    return str(added["number"])


def _found(capsys: pytest.CaptureFixture[str], query: str) -> int:
    code, rows, _ = run(capsys, "patient", "search", query)
    assert code == 0
    return len(rows)


def test_erase_from_the_cli(
    shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_clinic(monkeypatch, shared)
    leyla = _number(capsys, "Leyla", "Demir")
    assert main(["patient", "hold", leyla, "--reason", "court case 2026/114"]) == 0
    capsys.readouterr()
    code, refused, _ = run(capsys, "patient", "erase", leyla, "--yes")
    assert code == 2 and "on legal or medical hold (court case 2026/114)" in refused["error"]
    assert main(["patient", "unhold", leyla]) == 0
    capsys.readouterr()
    code, refused, _ = run(capsys, "patient", "erase", leyla)  # pytest's stdin: no terminal
    assert code == 2 and "confirm it with --yes" in refused["error"]
    monkeypatch.setattr("sys.stdin", Terminal("Leyla Demirci\n"))
    assert main(["patient", "erase", leyla]) == 2
    said = capsys.readouterr()
    assert "It removes: 0 appointment(s)" in said.out and "nothing was erased" in said.err
    assert _found(capsys, "leyla") == 1
    monkeypatch.setattr("sys.stdin", Terminal(""))  # Ctrl-D: nothing typed
    assert main(["patient", "erase", leyla]) == 2
    assert "nothing was erased" in capsys.readouterr().err
    assert _found(capsys, "leyla") == 1

    monkeypatch.setattr("sys.stdin", Terminal("  leyla   DEMİR \n"))
    assert main(["patient", "erase", leyla]) == 0
    assert f"Patient {leyla} is erased." in capsys.readouterr().out
    assert _found(capsys, "leyla") == 0

    code, _, _ = run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
                     "--service", "check-up", "--start", "2026-12-08T10:00")  # fmt: skip
    assert code == 0
    code, done, err = run(capsys, "patient", "erase", "A-1", "--yes")
    assert code == 0, err
    assert done["erased"] is True and done["number"] == "A-1"
    assert done["removed"]["appointment"] == 1 and done["removed"]["patient"] == 1
    code, refused, _ = run(capsys, "patient", "erase", "A-1", "--yes")
    assert code == 2 and refused["field"] == "patient", "erased already: not found"
