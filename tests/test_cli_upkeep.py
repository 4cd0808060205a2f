"""The upkeep commands through the CLI, now that the operations check who may run
them: a refusal is bad input (exit 2) that changes nothing and asks for no secret;
progress goes to stderr, so stdout stays the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from receptionist.cli.main import main
from receptionist.store.vault import DataDir


def test_refusals_change_nothing_and_progress_stays_off_stdout(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    assert main(["user", "add", "ayse", "--role", "manager"]) == 0
    keys = DataDir(cli_env).keyfile.read_bytes()
    capsys.readouterr()

    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", "the next long passphrase")
    assert main(["--user", "ayse", "--json", "passphrase"]) == 2
    said = json.loads(capsys.readouterr().out)
    assert (said["error"], said["exit_code"]) == (
        "Only an administrator can change the admin passphrase.",
        2,
    )
    assert main(["--user", "ayse", "rekey"]) == 2
    assert "Only an administrator can change the encryption key." in capsys.readouterr().err
    assert DataDir(cli_env).keyfile.read_bytes() == keys

    assert main(["--json", "rekey"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)["recovery_code"]) == 29
    assert err.splitlines() == ["writing a copy of the clinic under the new key..."]
    assert main(["--user", "ayse", "--json", "compact"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["audit_warning"] is None
    assert err.splitlines() == ["writing a compact copy of the clinic..."]
    assert main(["--json", "audit", "verify"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]
