"""A damaged clinic file met outside ``check`` (issue #11, item 4).

A corpus of damage (cut short at several points, a byte flipped or a page zeroed at
the start, middle and end, pages swapped, a folder in the file's place, a WAL frame
that fails its HMAC) and every class of command against each: reads, writes and the
whole-file rewrites. None may end in exit 1; each that meets the damage says the one
sentence, exits 3 and leaves the files as they were.

SQLCipher finds a bad page only when something reads it. Damage that the look at open
finds (``receptionist.store.pages``: whole pages, the page count, the last page's
HMAC) stops every command; damage in the middle of the file stops the commands that
read it, and the others (which neither read nor write the bad page) go on.
"""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
import sqlcipher3
from keyring.backends.null import Keyring as NoKeychain
from sqlalchemy import text
from templates import fast_crypto

from receptionist.cli.main import main
from receptionist.clock import SystemClock
from receptionist.errors import Damaged
from receptionist.ops import patients as patient_ops
from receptionist.ops import staff as staff_ops
from receptionist.ops.patients import Duplicates, NewPatient
from receptionist.store import pages
from receptionist.store.storage import DAMAGED, Database, key_pragma_value
from receptionist.store.vault import DataDir, open_clinic, unlock

PAGE = 4096
PASSPHRASE = "correct horse battery"
SENTENCE = f"error: {DAMAGED}\n"
ENV = {
    "RECEPTIONIST_PASSPHRASE": PASSPHRASE,
    "RECEPTIONIST_ADMIN_PASSWORD": "admin-password-1",
    "RECEPTIONIST_USER_PASSWORD": "user-password-1",
    "RECEPTIONIST_NEW_PASSPHRASE": "another long passphrase",
}

Damage = Callable[[Path], None]


# --- a sound clinic, made once --------------------------------------------------------


def _run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clinic with a provider, a service, 30 patients and a booking: about 70 pages.
    Made with no keychain (the tests' in-memory one is per test): unlocked through
    ``RECEPTIONIST_PASSPHRASE``."""
    root = tmp_path_factory.mktemp("sound") / "clinic"
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeychain())
    try:
        with pytest.MonkeyPatch.context() as patch:
            fast_crypto(patch)  # as in each test: no rehash of the admin's password
            for name, value in ENV.items():
                patch.setenv(name, value)
            patch.setenv("RECEPTIONIST_DATA_DIR", str(root))
            _run("init", "--clinic-name", "Moda", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin")  # fmt: skip
            _run("provider", "add", "Dr. Elif Aksoy", "--hours", "mon-fri 09:00-17:00")
            _run("service", "add", "Check-up", "--minutes", "30")
            _add_patients(root, 30)
            _run("appointment", "book", "--patient", "A-1", "--provider", "aksoy",
                 "--service", "check", "--start", "2030-03-04T09:00")  # fmt: skip
    finally:
        keyring.set_keyring(previous)
    yield root


def _add_patients(root: Path, count: int) -> None:
    """``count`` patients, A-1 onwards, as ``patient add`` adds them (the same call, as
    the first administrator from the CLI), in one open of the file rather than
    ``count`` runs of the CLI (each an unlock and the look at open): the same file."""
    db = open_clinic(root, env=ENV)
    try:
        ctx = staff_ops.acting(db, SystemClock(), None, "cli")
        for n in range(count):
            added = patient_ops.add(db, ctx, NewPatient(f"Name{n}", f"Fam{n}"))
            assert not isinstance(added, Duplicates)
    finally:
        db.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def copy_of(sound: Path, tmp_path: Path) -> Path:
    root = tmp_path / "clinic"
    shutil.copytree(sound, root)
    return root


# --- the damage ------------------------------------------------------------------------


def _edit(change: Callable[[bytearray, int], None]) -> Damage:
    def damage(db: Path) -> None:
        data = bytearray(db.read_bytes())
        change(data, len(data) // PAGE)
        db.write_bytes(bytes(data))

    return damage


def cut(keep: Callable[[int], int]) -> Damage:
    """The file cut short: ``keep(size)`` bytes are left."""
    return lambda db: db.write_bytes(db.read_bytes()[: keep(db.stat().st_size)])


def flip(page: Callable[[int], int], offset: int = 200) -> Damage:
    """One bit flipped in page ``page(pages)`` (counted from 0)."""

    def change(data: bytearray, count: int) -> None:
        data[page(count) * PAGE + offset] ^= 0x01

    return _edit(change)


def zero(page: Callable[[int], int]) -> Damage:
    def change(data: bytearray, count: int) -> None:
        at = page(count) * PAGE
        data[at : at + PAGE] = bytes(PAGE)

    return _edit(change)


def swap(a: Callable[[int], int], b: Callable[[int], int]) -> Damage:
    def change(data: bytearray, count: int) -> None:
        x, y = a(count) * PAGE, b(count) * PAGE
        data[x : x + PAGE], data[y : y + PAGE] = data[y : y + PAGE], data[x : x + PAGE]

    return _edit(change)


def _root(db: Path, name: str) -> int:
    """The root page of table ``name`` (counted from 1, as SQLite counts)."""
    conn = sqlcipher3.connect(str(db))
    try:
        conn.execute(f"PRAGMA key = {key_pragma_value(unlock(db.parent, env=ENV))}")
        sql = "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?"
        return int(conn.execute(sql, (name,)).fetchone()[0])
    finally:
        conn.close()


def in_table(name: str, damage: Callable[[Callable[[int], int]], Damage]) -> Damage:
    """``damage`` done to the root page of table ``name``: a page every command that
    reads the table, and every rewrite, reads. (The page in the middle of a small file
    is, as the schema grows, as likely an empty index's root or a free page, which a
    rewrite does not read: it builds its indexes anew.)"""

    def change(db: Path) -> None:
        root = _root(db, name)
        damage(lambda count: root - 1)(db)

    return change


def tables_swapped(first: str, second: str) -> Damage:
    """The root pages of two tables swapped: pages in the file's middle that every
    rewrite reads (see :func:`in_table`)."""

    def change(db: Path) -> None:
        x, y = _root(db, first), _root(db, second)
        swap(lambda count: x - 1, lambda count: y - 1)(db)

    return change


def _flip_all_but_the_first(data: bytearray, count: int) -> None:
    for page in range(1, count):
        data[page * PAGE + 300] ^= 0x01


def folder(db: Path) -> None:
    db.unlink()
    db.mkdir()


def last(n: int) -> int:
    return n - 1


def middle(n: int) -> int:
    return n // 2


# Found by the look at open: every command stops.
AT_OPEN: dict[str, Damage] = {
    "cut inside the last page": cut(lambda size: size - 1000),
    "cut by one page": cut(lambda size: size - PAGE),
    "cut by four pages": cut(lambda size: size - 4 * PAGE),
    "cut in half": cut(lambda size: size // 2 // PAGE * PAGE),
    "cut to its first page": cut(lambda size: PAGE),
    "a bit flipped in the last page": flip(last),
    "a bit flipped in the last page's HMAC": flip(last, PAGE - 10),
    "the last page zeroed": zero(last),
    "the last page swapped with one in the middle": swap(middle, last),
    "a folder where clinic.db should be": folder,
}
# Page 1 fails its HMAC: as a wrong key does. The secret (verified by its own slot)
# tells them apart, and the message says the file is damaged.
FIRST_PAGE: dict[str, Damage] = {
    "a bit flipped in the first page": flip(lambda n: 0),
    "a bit flipped in the salt": flip(lambda n: 0, 3),
}


# In the middle of the file: found by the commands that read the page.
MIDDLE: dict[str, Damage] = {
    "a bit flipped in a middle page": in_table("patient", flip),
    "a middle page zeroed": in_table("patient", zero),
    "pages 2 and 3 swapped": swap(lambda n: 1, lambda n: 2),
    "two middle pages swapped": tables_swapped("patient", "appointment"),
    "a bit flipped in every page but the first": _edit(_flip_all_but_the_first),
}

READS = [
    ["patient", "search", "name1"],
    ["patient", "show", "A-1"],
    ["appointment", "list", "--date", "2030-03-04"],
    ["provider", "list"],
    ["service", "list"],
    ["user", "list"],
    ["slots", "--service", "check", "--count", "2"],
    ["audit", "verify"],
]
WRITES = [
    ["patient", "add", "--given-name", "Zeynep", "--family-name", "Kaya"],
    [
        "appointment",
        "book",
        *("--patient", "A-2", "--provider", "aksoy"),
        *("--service", "check", "--start", "2030-03-04T10:00"),
    ],
    ["provider", "add", "Dr. Can Demir", "--hours", "mon-fri 09:00-17:00"],
    ["user", "add", "deniz", "--role", "receptionist"],
    ["passphrase"],
    ["compact"],
    ["rekey"],
]
COMMANDS = READS + WRITES


def files(root: Path) -> dict[str, bytes]:
    """The clinic's data: the database, its WAL and the key file (not the lock files;
    a folder in the database's place reads as "<dir>")."""
    names = ("clinic.db", "clinic.db-wal", "clinic.keys")
    found = [root / name for name in names if (root / name).exists()]
    return {p.name: p.read_bytes() if p.is_file() else b"<dir>" for p in found}


def run(root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--data-dir", str(root), *argv])
    said = capsys.readouterr()
    return code, said.out, said.err


def each_command(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """Run every command; those that meet the damage must say the sentence, exit 3 and
    change nothing. Returns each command's exit code."""
    codes: dict[str, int] = {}
    for argv in COMMANDS:
        before = files(root)
        code, _out, err = run(root, argv, capsys)
        name = " ".join(argv[:2])
        codes[name] = code
        assert code in (0, 3), f"{name}: exit {code}: {err}"
        if code == 3:
            said_only_the_sentence(err)
            assert files(root) == before, f"{name} wrote into a damaged file"
    return codes


def said_only_the_sentence(err: str) -> None:
    """The sentence, after at most the command's own progress lines ("writing...")."""
    *progress, said = err.splitlines()
    assert said + "\n" == SENTENCE, err
    assert all(line.endswith("...") for line in progress), err


def check_says_so(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``check`` reports the damage (exit 1, not ok) or, when even it cannot read the
    file, says so (exit 3): never "sound", and never "run check" to itself."""
    code, out, err = run(root, ["--json", "check"], capsys)
    if code == 1:
        assert json.loads(out)["ok"] is False
    else:
        assert code == 3 and "check cannot read it" in err, err
        assert "run `receptionist check`" not in err


@pytest.mark.parametrize("case", list(AT_OPEN))
def test_damage_found_at_open_stops_every_command(
    case: str, sound: Path, tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of(sound, tmp_path)
    AT_OPEN[case](DataDir(root).db)
    codes = each_command(root, capsys)
    assert set(codes.values()) == {3}, codes
    check_says_so(root, capsys)


@pytest.mark.parametrize("case", list(FIRST_PAGE))
def test_a_damaged_first_page_is_told_from_a_wrong_key_by_the_secret(
    case: str, sound: Path, tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of(sound, tmp_path)
    FIRST_PAGE[case](DataDir(root).db)
    for argv in [*COMMANDS, ["check"]]:
        before = files(root)
        code, _out, err = run(root, argv, capsys)
        assert code == 3 and "the file is damaged" in err, (argv, err)
        assert err.count("\n") == 1 and files(root) == before


@pytest.mark.parametrize("case", list(MIDDLE))
def test_damage_in_the_middle_stops_each_command_that_meets_it(
    case: str, sound: Path, tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of(sound, tmp_path)
    MIDDLE[case](DataDir(root).db)
    codes = each_command(root, capsys)
    assert 3 in codes.values(), f"no command met the damage: {codes}"
    assert codes["compact"] == codes["rekey"] == 3, "a rewrite reads every page"
    check_says_so(root, capsys)


# --- a WAL frame that fails its HMAC -----------------------------------------------------


def _wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack((">" if big_endian else "<") + f"{len(data) // 4}I", data)
    for x0, x1 in zip(words[::2], words[1::2], strict=True):
        s0 = (s0 + x0 + s1) & 0xFFFFFFFF
        s1 = (s1 + x1 + s0) & 0xFFFFFFFF
    return s0, s1


def damage_wal_frames(wal: Path, hit: Callable[[int], bool]) -> int:
    """Flip a bit in the page of each frame whose page number ``hit`` picks, and write
    the WAL's running checksums again, so that SQLite takes the frames as committed
    and only SQLCipher's HMAC can find the damage. Returns how many were hit."""
    data = bytearray(wal.read_bytes())
    big_endian = bool(struct.unpack(">I", data[:4])[0] & 1)
    sums = struct.unpack(">II", data[24:32])
    size = pages.WAL_FRAME_HEADER_BYTES + PAGE
    count = 0
    for at in range(pages.WAL_HEADER_BYTES, len(data) - size + 1, size):
        if hit(struct.unpack(">I", data[at : at + 4])[0]):
            data[at + pages.WAL_FRAME_HEADER_BYTES + 100] ^= 0x01
            count += 1
        body = bytes(data[at : at + 8] + data[at + 24 : at + size])
        sums = _wal_checksum(body, *sums, big_endian)
        data[at + 16 : at + 24] = struct.pack(">II", *sums)
    wal.write_bytes(bytes(data))
    return count


def keyed(path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {key_pragma_value(key)}")
    conn.execute("PRAGMA user_version").fetchone()  # reads page 1: the WAL stays open
    return conn


def test_a_wal_frame_that_fails_its_hmac_stops_each_command_that_meets_it(
    sound: Path, tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The desk app has the file open (``holder``), so a command's close does not fold
    the WAL into the file: what a command writes would show in the WAL."""
    made, root = copy_of(sound, tmp_path / "made"), tmp_path / "clinic"
    key = unlock(made, env=ENV)
    holder = keyed(DataDir(made).db, key)
    try:
        _run(
            "--data-dir", str(made), "patient", "add", "--given-name", "Wal", "--family-name", "Ter"
        )
        shutil.copytree(made, root, ignore=shutil.ignore_patterns("*-shm", "*.inuse", "app.lock"))
    finally:
        holder.close()
    assert damage_wal_frames(Path(f"{DataDir(root).db}-wal"), lambda page: page != 1) > 3
    holder = keyed(DataDir(root).db, key)
    try:
        codes: dict[str, int] = {}
        for argv in READS + WRITES[:-2]:  # compact and rekey fold the WAL in first
            before = files(root)
            code, _out, err = run(root, argv, capsys)
            codes[argv[0] + " " + argv[1] if len(argv) > 1 else argv[0]] = code
            assert code in (0, 3), err
            if code == 3:
                said_only_the_sentence(err)
                assert files(root) == before, f"{argv} wrote into a damaged file"
    finally:
        holder.close()
    assert codes["patient search"] == codes["patient add"] == 3, codes


# --- after damage, nothing more is written -----------------------------------------------


def _damage_root_of(root: Path, table: str) -> None:
    """Flip a bit in the first page of ``table`` (one in the middle of the file)."""
    db_path = DataDir(root).db
    conn = keyed(db_path, unlock(root, env=ENV))
    try:
        (page,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    finally:
        conn.close()
    assert 1 < page < db_path.stat().st_size // PAGE
    flip(lambda _n: page - 1)(db_path)


def test_after_damage_is_met_the_database_writes_nothing_more(
    sound: Path, tmp_path: Path, env: None
) -> None:
    root = copy_of(sound, tmp_path)
    _damage_root_of(root, "appointment")
    before = files(root)
    db = open_clinic(root, env=ENV)  # the look at open sees a sound end of file
    try:
        with pytest.raises(Damaged), db.write() as session:  # the write path: rolled back
            session.execute(text("UPDATE appointment SET notes = notes"))
        assert db.damaged
        ran: list[str] = []
        with pytest.raises(Damaged), db.write() as session:
            ran.append("the block")  # a write that would not touch the bad page
            session.execute(text("UPDATE provider SET name = name"))
        assert ran == [], "no write is even begun after damage"
        with pytest.raises(Damaged), db.read() as session:
            session.execute(text("SELECT max(notes) FROM appointment")).scalar()
        with pytest.raises(Damaged), db.raw() as conn:
            conn.execute("SELECT max(notes) FROM appointment").fetchone()
        with pytest.raises(Damaged):
            db.checkpoint()
    finally:
        db.close()
    assert files(root) == before


def test_a_read_that_meets_damage_marks_the_database_too(
    sound: Path, tmp_path: Path, env: None
) -> None:
    root = copy_of(sound, tmp_path)
    _damage_root_of(root, "appointment")
    db = open_clinic(root, env=ENV)
    try:
        with db.write() as session:  # before the damage is met, writes go on
            session.execute(text("UPDATE provider SET name = name"))
        with pytest.raises(Damaged), db.read() as session:
            session.execute(text("SELECT max(notes) FROM appointment")).scalar()
        assert db.damaged
        with pytest.raises(Damaged), db.write() as session:
            session.execute(text("UPDATE provider SET name = name"))
    finally:
        db.close()


# --- the look at open: no false alarms ---------------------------------------------------


def test_a_sound_file_growing_in_its_wal_opens_beside_the_app(
    sound: Path, tmp_path: Path, env: None
) -> None:
    """The app holds the file and has written new pages that are only in the WAL (the
    header counts more pages than the file holds): another open must not call that
    damage."""
    root = copy_of(sound, tmp_path)
    app = open_clinic(root, env=ENV)
    try:
        with app.write() as session:
            session.execute(text("CREATE TABLE filler (x BLOB)"))
            for _ in range(20):
                session.execute(text("INSERT INTO filler VALUES (randomblob(3000))"))
        db_path = DataDir(root).db
        with app.raw() as conn:
            counted = int(conn.execute("PRAGMA page_count").fetchone()[0])
        assert counted > db_path.stat().st_size // PAGE, "the new pages are in the WAL only"
        beside = Database(db_path, unlock(root, env=ENV))
        beside.close()
    finally:
        app.close()


def test_the_last_page_check_stays_quiet_when_it_cannot_read_the_format(
    sound: Path, tmp_path: Path
) -> None:
    """Page 1 has just been read by SQLCipher: if our reading of the page format does
    not verify it (another key, other cipher settings), the check says nothing."""
    root = copy_of(sound, tmp_path)
    db_path = DataDir(root).db
    key = unlock(root, env=ENV)
    assert pages.last_page_authentic(db_path, key, PAGE)
    flip(last)(db_path)
    assert not pages.last_page_authentic(db_path, key, PAGE)
    assert pages.last_page_authentic(db_path, bytes(32), PAGE), "not our format: no alarm"
