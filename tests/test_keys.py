from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import keyring
import pytest
from sqlalchemy import text

from receptionist.errors import Damaged, InstanceLocked, NotOurFile, UnlockError, UserError
from receptionist.store import keystore
from receptionist.store.integrity import check
from receptionist.store.keyfile import read_keyfile
from receptionist.store.keys import normalize_recovery_code
from receptionist.store.rekey import rekey
from receptionist.store.storage import db_files, raw_connect
from receptionist.store.vault import DataDir, create, open_clinic, unlock

PASS = "correct horse battery"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.is_file()
    }


def _write_probe(data_dir: Path) -> None:
    """A table holding the row 'kept', written and closed."""
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("CREATE TABLE probe(x)"))
        s.execute(text("INSERT INTO probe VALUES ('kept')"))
    db.close()


def test_wrong_secret_leaves_every_byte_unchanged(data_dir: Path, memory_keyring) -> None:
    _write_probe(data_dir)
    memory_keyring.store.clear()
    before = _digests(data_dir)
    with pytest.raises(UnlockError):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": "not the passphrase"})
    with pytest.raises(UnlockError):
        unlock(data_dir, ask=lambda _p: "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", env={})
    assert _digests(data_dir) == before


def test_wrong_key_in_keychain_falls_back(data_dir: Path, memory_keyring) -> None:
    """A wrong raw key reaches SQLCipher itself (a wrong secret fails earlier, at its
    slot): it fails at the first read and leaves every byte as it was."""
    _write_probe(data_dir)
    cid = read_keyfile(DataDir(data_dir).keyfile).clinic_id
    keystore.save_key(cid, b"\x01" * 32)
    before = _digests(data_dir)
    with pytest.raises(UnlockError):
        unlock(data_dir, env={})
    assert _digests(data_dir) == before
    assert len(unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})) == 32


def test_passphrase_file(data_dir: Path, memory_keyring, tmp_path: Path) -> None:
    memory_keyring.store.clear()
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    assert len(unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE_FILE": str(secret)})) == 32
    memory_keyring.store.clear()
    with pytest.raises(UserError, match="cannot be read"):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE_FILE": str(tmp_path / "nope")})


def test_not_our_files(tmp_path: Path) -> None:
    root = tmp_path / "c"
    create(root)
    ddir = DataDir(root)
    ddir.keyfile.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotOurFile, match="key file"):
        unlock(root, env={})
    other = tmp_path / "other"
    create(other)
    data = DataDir(other).db.read_bytes()
    DataDir(other).db.write_bytes(data[:1000])
    with pytest.raises(NotOurFile, match="truncated"):
        open_clinic(other)


def test_recovery_code_normalisation() -> None:
    assert (
        normalize_recovery_code("abcde fghjk mnpqr stvwx yz012") == "ABCDE-FGHJK-MNPQR-STVWX-YZ012"
    )
    assert normalize_recovery_code("oooo") is None
    assert normalize_recovery_code("ABCDE-FGHJK-MNPQR-STVWX-YZ01U") is None


def test_rekey_changes_key_keeps_rows(data_dir: Path, memory_keyring) -> None:
    _write_probe(data_dir)
    old_key = unlock(data_dir, env={})
    shown: list[str] = []
    result = rekey(data_dir, old_key, passphrase="a brand new passphrase", show_code=shown.append)
    assert shown == [result.recovery_code]
    assert result.recovery_code not in repr(result)
    assert unlock(data_dir, env={}) != old_key
    memory_keyring.store.clear()
    with pytest.raises(UnlockError):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    db = open_clinic(data_dir, env={"RECEPTIONIST_PASSPHRASE": result.recovery_code})
    with db.read() as s:
        assert s.execute(text("SELECT x FROM probe")).scalar_one() == "kept"
    assert check(db).ok
    db.close()
    kinds = {s.kind for s in read_keyfile(DataDir(data_dir).keyfile).slots}
    assert kinds == {"recovery", "passphrase"}


def test_interrupted_rekey_still_unlocks_with_old_secret(
    data_dir: Path, memory_keyring, monkeypatch
) -> None:
    """Die after the swap but before the final key file: the old passphrase still works."""
    import receptionist.store.rekey as rk

    old_key = unlock(data_dir, env={})
    real_write = rk.write_keyfile
    calls = {"n": 0}

    def dying_write(path, keyfile):  # second write is the final one
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        real_write(path, keyfile)

    monkeypatch.setattr(rk, "write_keyfile", dying_write)
    with pytest.raises(KeyboardInterrupt):
        rekey(data_dir, old_key, passphrase="the next passphrase", show_code=print)
    memory_keyring.store.clear()
    key = unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    assert key != old_key
    open_clinic(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS}).close()
    assert len(db_files(DataDir(data_dir).db)) >= 1


def test_check_reports_ok(db) -> None:
    report = check(db)
    assert report.ok, report


def test_rekey_refuses_to_drop_the_passphrase(data_dir: Path) -> None:
    key = unlock(data_dir, env={})
    before = _digests(data_dir)
    with pytest.raises(UserError, match="admin passphrase"):
        rekey(data_dir, key, show_code=print)
    assert _digests(data_dir) == before


def test_rekey_refused_while_open_elsewhere(data_dir: Path) -> None:
    key = unlock(data_dir, env={})
    db = open_clinic(data_dir)
    try:
        with pytest.raises(InstanceLocked, match="open elsewhere"):
            rekey(data_dir, key, passphrase="another passphrase", show_code=print)
    finally:
        db.close()
    assert unlock(data_dir, env={}) == key, "nothing changed"


def test_code_shown_before_old_slots_dropped(tmp_path: Path, memory_keyring) -> None:
    """show_code failing (say the terminal died) leaves a clinic the old code still opens."""
    created = create(tmp_path / "c")

    def broken_terminal(code: str) -> None:
        raise OSError("terminal gone")

    with pytest.raises(OSError):
        rekey(tmp_path / "c", created.key, show_code=broken_terminal)
    memory_keyring.store.clear()
    key = unlock(tmp_path / "c", env={"RECEPTIONIST_PASSPHRASE": created.recovery_code})
    assert key != created.key
    open_clinic(tmp_path / "c", env={"RECEPTIONIST_PASSPHRASE": created.recovery_code}).close()


def test_empty_database_is_not_a_new_clinic(data_dir: Path) -> None:
    DataDir(data_dir).db.write_bytes(b"")
    with pytest.raises(NotOurFile, match="empty"):
        open_clinic(data_dir)
    assert DataDir(data_dir).db.stat().st_size == 0, "left as found"


def test_damaged_file_with_right_secret_says_damaged(data_dir: Path, memory_keyring) -> None:
    path = DataDir(data_dir).db
    data = bytearray(path.read_bytes())
    data[100:104] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    memory_keyring.store.clear()
    with pytest.raises(NotOurFile, match="damaged"):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})


def test_check_reports_damage_instead_of_crashing(data_dir: Path) -> None:
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("CREATE TABLE probe(x)"))
        for _ in range(40):
            s.execute(text("INSERT INTO probe VALUES (randomblob(3000))"))
    db.close()
    db = open_clinic(data_dir)
    db.checkpoint()
    path = DataDir(data_dir).db
    size = path.stat().st_size
    with path.open("r+b") as fh:  # flip bytes in a page near the end (a probe page)
        fh.seek(size - 4096 + 200)
        fh.write(b"\xde\xad\xbe\xef")
    try:
        report = check(db)
    finally:
        db.close()
    assert not report.ok
    assert report.cipher, "the page HMAC check names the damaged page"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_rekeyed_file_stays_private(data_dir: Path, memory_keyring) -> None:
    """The rekeyed file replaces the database: it must not come back world-readable
    (SQLite creates files with the umask, usually 0644)."""
    previous = os.umask(0o022)
    try:
        assert stat.S_IMODE(DataDir(data_dir).db.stat().st_mode) == 0o600
        rekey(data_dir, unlock(data_dir, env={}), passphrase=PASS, show_code=lambda _: None)
        _write_probe(data_dir)  # brings the WAL and shared-memory files back
    finally:
        os.umask(previous)
    for path in db_files(DataDir(data_dir).db):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.parametrize("damage", ["truncated", "replaced"])
def test_a_damaged_file_is_not_blamed_on_the_keychain(
    data_dir: Path, memory_keyring, damage: str
) -> None:
    """With the key in the keychain and the file cut short at a page boundary or
    replaced by other bytes, the message names the file, not a missing key. A file
    cut short still has its first page, which the key decrypts: that proves the key,
    so the file is damaged. A replaced one does not: the passphrase tells which."""
    _write_probe(data_dir)
    db_path = DataDir(data_dir).db
    size = db_path.stat().st_size
    if damage == "truncated":
        with db_path.open("r+b") as fh:
            fh.truncate(size // 2 // 4096 * 4096)
        for env in ({}, {"RECEPTIONIST_PASSPHRASE": PASS}):
            with pytest.raises(Damaged, match="The clinic file is damaged: run"):
                unlock(data_dir, env=env)
        return
    db_path.write_bytes(os.urandom(size))
    with pytest.raises(UnlockError, match="may be damaged, truncated or replaced"):
        unlock(data_dir, env={})
    with pytest.raises(NotOurFile, match=r"secret is correct .* damaged, truncated or replaced"):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})


def test_no_keychain_backend_at_all(data_dir: Path, tmp_path: Path) -> None:
    """A machine with no usable keychain (headless Linux): set-up says the key is not
    stored, and the passphrase opens the clinic, every time."""
    from keyring.backends import fail, null

    for backend in (fail.Keyring(), null.Keyring()):  # refuses; accepts and forgets
        keyring.set_keyring(backend)
        root = tmp_path / type(backend).__module__.rsplit(".", 1)[-1]
        created = create(root, passphrase=PASS)
        assert not created.in_keychain
        with pytest.raises(UnlockError, match="not in this computer's keychain"):
            unlock(root, env={})
        open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASS}).close()
        assert unlock(root, env={"RECEPTIONIST_PASSPHRASE": PASS}) == created.key


def test_a_missing_keychain_is_logged_once(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    """A headless PC opens its clinic many times a day; the log says once per run that
    there is no keychain, not at every open."""
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(keystore, "_said", set())
    caplog.set_level("INFO", logger="receptionist.store.keystore")
    for _ in range(3):
        assert keystore.load_key("clinic") is None
        assert not keystore.save_key("clinic", b"k" * 32)
    said = [r.getMessage() for r in caplog.records if r.name == "receptionist.store.keystore"]
    assert said == [
        "keychain unavailable (NoKeyringError)",
        "keychain not written (NoKeyringError)",
    ]


def test_rekey_stopped_by_a_change_during_the_copy_keeps_the_old_key_file(
    data_dir: Path, memory_keyring, monkeypatch
) -> None:
    """Where nothing locks other writers out (Windows), a write during the copy stops
    the swap; the key file goes back to what it was, so nothing points at a key that
    encrypts nothing, and the old passphrase opens the clinic with that write in it."""
    import receptionist.store.rekey as rk
    from receptionist.store import sidecopy

    old_key = unlock(data_dir, env={})
    keys_before = DataDir(data_dir).keyfile.read_bytes()
    real = rk.write_side_copy

    def copy_then_someone_writes(*args, **kwargs):
        copy = real(*args, **kwargs)
        conn = raw_connect(DataDir(data_dir).db, old_key)
        conn.execute("CREATE TABLE written_meanwhile (x)")
        conn.close()
        return copy

    monkeypatch.setattr(rk, "write_side_copy", copy_then_someone_writes)
    with pytest.raises(sidecopy.ChangedDuringCopy):
        rekey(data_dir, old_key, passphrase="the next passphrase", show_code=print)
    assert DataDir(data_dir).keyfile.read_bytes() == keys_before
    memory_keyring.store.clear()
    db = open_clinic(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    try:
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM written_meanwhile")).scalar() == 0
    finally:
        db.close()


def _keyfile_doc(data_dir: Path) -> dict[str, object]:
    import json

    doc = json.loads(DataDir(data_dir).keyfile.read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(
    "change",
    [
        {"version": None},  # no version at all
        {"version": "1"},
        {"version": True},
        {"version": 0},
        {"clinic_id": None},
        {"clinic_id": 5},
        {"clinic_id": ""},
        {"slots": None},
        {"slots": 5},
        {"slots": "recovery"},
        {"slots": [5]},
        {"slots": [{}]},
        {"slots": [{"kind": "recovery"}]},
    ],
)
def test_a_key_file_of_the_wrong_shape_is_damaged_not_newer(
    data_dir: Path, memory_keyring, change: dict[str, object]
) -> None:
    """Valid JSON whose parts are missing or of the wrong type: the file is damaged,
    and the one way back is a copy of it (the passphrase and the code go through it)."""
    import json

    doc = _keyfile_doc(data_dir)
    for name, value in change.items():
        if value is None:
            doc.pop(name)
        else:
            doc[name] = value
    DataDir(data_dir).keyfile.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(NotOurFile) as raised:
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    said = str(raised.value)
    assert "newer" not in said
    assert f"The key file {DataDir(data_dir).keyfile} is damaged" in said
    assert "back from a backup of the data folder" in said


@pytest.mark.parametrize("damage", [b"", b'{"format": "receptionist-keyfile", "vers', b"\xff\xfe"])
def test_a_cut_or_garbled_key_file_is_damaged(data_dir: Path, damage: bytes) -> None:
    DataDir(data_dir).keyfile.write_bytes(damage)
    with pytest.raises(NotOurFile, match=r"is damaged\. Put clinic\.keys back from a backup"):
        unlock(data_dir, env={})


def test_only_a_later_version_number_means_a_newer_version(data_dir: Path) -> None:
    import json

    doc = _keyfile_doc(data_dir)
    doc["version"] = 2
    DataDir(data_dir).keyfile.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(NotOurFile, match="written by a newer version of Receptionist"):
        unlock(data_dir, env={})


@pytest.mark.parametrize(
    ("part", "value"),
    [("salt", "not base64!"), ("kdf", {"time_cost": 0}), ("nonce", "AAAA")],
)
def test_a_damaged_slot_says_what_to_do(
    data_dir: Path, memory_keyring, part: str, value: object
) -> None:
    import json

    doc = _keyfile_doc(data_dir)
    slots = doc["slots"]
    assert isinstance(slots, list)
    for slot in slots:
        slot[part] = value
    DataDir(data_dir).keyfile.write_text(json.dumps(doc), encoding="utf-8")
    memory_keyring.store.clear()
    with pytest.raises(NotOurFile) as raised:
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    said = str(raised.value)
    assert said.startswith("The key file is damaged") and "from a backup" in said
