"""`settings set backup.folder` refuses a path that is a file, and says of a folder
that does not exist yet whether the first backup makes it (#14, session 18's review).
Only setting it is refused: a value read back is what was stored (a folder made a
file since is the backup's to tell, not a silent move to the default folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from receptionist.cli.main import main
from receptionist.ops import backups
from receptionist.settings import backups as settings
from receptionist.settings import pcstore


@pytest.fixture
def clinic(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    capsys.readouterr()
    return cli_env


def test_a_file_is_refused_as_the_backup_folder(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    for given in (afile, afile / "backups"):
        assert main(["settings", "set", "backup.folder", str(given)]) == 2
        err = capsys.readouterr().err
        assert f"{afile} is a file, not a folder" in err, err
    assert pcstore.value(settings.FOLDER) == ""  # nothing was stored
    assert backups.folder_for(clinic) == clinic / "backups"


def test_a_folder_not_made_yet_is_told_it_will_be_made(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "nas" / "backups"
    assert main(["settings", "set", "backup.folder", str(new)]) == 0
    out = capsys.readouterr().out
    assert "does not exist yet: the first backup makes it" in out, out
    assert main(["backup", "create"]) == 0
    assert new.is_dir() and list(new.glob("*.rcbackup"))
    # an existing folder is set without a note
    assert main(["settings", "set", "backup.folder", str(tmp_path / "nas")]) == 0
    assert "does not exist" not in capsys.readouterr().out


def test_a_folder_made_a_file_after_it_was_set_is_still_read_as_set(
    clinic: Path, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    assert main(["settings", "set", "backup.folder", str(later)]) == 0
    later.write_text("x")
    assert pcstore.value(settings.FOLDER) == str(later)
    assert backups.folder_for(clinic) == later
    stored = json.loads(next(pcstore.config_dir().glob("*.json")).read_text())
    assert stored["backup.folder"] == str(later)
