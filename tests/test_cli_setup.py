from __future__ import annotations

import json
from pathlib import Path

import pytest

from receptionist.cli.main import main


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    root = tmp_path / "clinic"
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    return root


def _init(*extra: str) -> int:
    return main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin", *extra])  # fmt: skip


def test_init_prints_recovery_code_once(cli_env: Path, capsys) -> None:
    assert main(["--json", "init", "--clinic-name", "Moda Dental", "--timezone",
                 "Europe/Istanbul", "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert len(out["recovery_code"]) == 29
    assert (cli_env / "clinic.db").exists()
    assert main(["check"]) == 0
    assert "sound" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert _init() == 2, "a second init over an existing clinic is bad input"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--timezone", "Mars/Olympus"], "timezone"),
        (["--region", "XX"], "region"),
        (["--slot-minutes", "7"], "slot-minutes"),
    ],
)
def test_init_bad_input_names_field_and_leaves_nothing(
    cli_env: Path, capsys, args: list[str], field: str
) -> None:
    assert _init(*args) == 2
    assert f"error ({field})" in capsys.readouterr().err
    assert not cli_env.exists()


def test_wrong_passphrase_exit_3(cli_env: Path, capsys, monkeypatch, memory_keyring) -> None:
    assert _init() == 0
    memory_keyring.store.clear()
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "this is the wrong one")
    assert main(["check"]) == 3
    assert "does not unlock" in capsys.readouterr().err


def test_user_add_and_list(cli_env: Path, capsys, monkeypatch) -> None:
    assert _init() == 0
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    assert main(["user", "add", "ayse", "--role", "receptionist"]) == 0
    assert main(["--json", "user", "list"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("[") :])
    assert {r["username"] for r in rows} == {"admin", "ayse"}
    assert main(["--user", "ayse", "user", "add", "bob"]) == 2, "receptionists can't add staff"


def test_rekey_via_cli(cli_env: Path, capsys, monkeypatch, memory_keyring) -> None:
    assert _init() == 0
    capsys.readouterr()
    assert main(["rekey"]) == 2, "the clinic has a passphrase: a new one is required"
    assert "RECEPTIONIST_NEW_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", "the next long passphrase")
    assert main(["--json", "rekey"]) == 0
    code = json.loads(capsys.readouterr().out)["recovery_code"]
    memory_keyring.store.clear()
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", code)
    assert main(["check"]) == 0
    assert main(["audit", "verify"]) == 0
