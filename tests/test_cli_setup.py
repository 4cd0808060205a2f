from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.store.vault import open_clinic


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


def test_check_finds_and_repairs_stale_schedule_copies(cli_env: Path, capsys) -> None:
    """The schedule's local copies (patient name, card kind) are kept by triggers, which
    undo even a direct write of a copy; one changed with the triggers dropped is found
    by ``check`` and rebuilt by ``--repair`` without touching the appointments'
    versions (nothing to sync)."""
    assert main(["demo", "--patients", "30", "--appointments", "60", "--providers", "2"]) == 0
    db = open_clinic(cli_env)
    update_trigger = importlib.import_module(
        "receptionist.store.migrations.versions.0008_card_kind"
    ).CARD_TRIGGERS[1]
    try:
        with db.write() as s:
            first = s.execute(text("SELECT id FROM appointment ORDER BY id LIMIT 1")).scalar_one()
            s.execute(text("UPDATE appointment SET card_kind = 999 WHERE id = :i"), {"i": first})
            healed = s.execute(
                text("SELECT card_kind <> 999 FROM appointment WHERE id = :i"), {"i": first}
            ).scalar_one()
            assert healed == 1, "a direct write of a copy is put right at once"
            s.execute(text("DROP TRIGGER tr_appointment_card_update"))
            ids = s.execute(text("SELECT id FROM appointment ORDER BY id LIMIT 3")).scalars().all()
            s.execute(text("UPDATE appointment SET card_kind = 999 WHERE id = :i"), {"i": ids[0]})
            s.execute(
                text("UPDATE appointment SET patient_label = 'x' WHERE id = :i"), {"i": ids[1]}
            )
            s.execute(
                text("UPDATE appointment SET card_kind = 0, patient_label = '' WHERE id = :i"),
                {"i": ids[2]},
            )
            versions = dict(s.execute(text("SELECT id, version FROM appointment")).all())
            s.execute(text(update_trigger))
    finally:
        db.close()
    capsys.readouterr()
    assert main(["--json", "check"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["ok"], out["stale_schedule_cards"]) == (False, 3)
    assert main(["check"]) == 1
    said = capsys.readouterr()
    assert "check --repair" in said.out
    assert said.err.splitlines() == [
        "checking page authentication (1/4)...",
        "checking database structure (2/4)...",
        "checking references (3/4)...",
        "checking schedule copies (4/4)...",
    ], "progress goes to stderr, so stdout stays the result"
    assert main(["check", "--repair"]) == 0
    assert "Rebuilt the schedule copies of 3 appointments" in capsys.readouterr().out
    assert main(["check"]) == 0
    db = open_clinic(cli_env)
    try:
        with db.read() as s:
            after = dict(s.execute(text("SELECT id, version FROM appointment")).all())
            label = s.execute(
                text(
                    "SELECT a.patient_label = trim(p.given_name || ' ' || p.family_name)"
                    " FROM appointment AS a JOIN patient AS p ON p.id = a.patient_id"
                    " WHERE a.id = :i"
                ),
                {"i": ids[1]},
            ).scalar_one()
    finally:
        db.close()
    assert after == versions and label == 1


def test_a_busy_clinic_is_exit_3_with_one_sentence(cli_env: Path, capsys, monkeypatch) -> None:
    """Another program holding the write lock past the busy timeout: the CLI says so
    plainly ("locked", exit 3) instead of an unexpected failure, and writes nothing."""
    from receptionist.store import storage
    from receptionist.store.vault import DataDir, unlock

    assert _init() == 0
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 300)
    other = storage.raw_connect(DataDir(cli_env).db, unlock(cli_env))
    try:
        other.execute("BEGIN IMMEDIATE")
        capsys.readouterr()
        assert main(["provider", "add", "Dr Busy"]) == 3
        err = capsys.readouterr().err
        assert "busy: another program kept it locked" in err and "Nothing was changed" in err
        assert "unexpected" not in err
        keys = DataDir(cli_env).keyfile.read_bytes()
        monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", "another long passphrase")
        assert main(["passphrase"]) == 3
        assert DataDir(cli_env).keyfile.read_bytes() == keys, "refused before the key file"
    finally:
        other.rollback()
        other.close()
    assert main(["--json", "provider", "list"]) == 0
    assert "Dr Busy" not in capsys.readouterr().out
    assert main(["provider", "add", "Dr Busy"]) == 0, "and works once the lock is gone"
