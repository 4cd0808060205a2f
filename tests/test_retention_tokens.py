"""Authentication tokens kept only as long as a session needs (issue #14): a cloud
device token that serves no session is counted by the dry run and removed by the
sweep (a destruction record under the fixed rule); Google's authorisation is forgotten
at once when the account is disconnected; sign-ins keep no token at all."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import keyring
import pytest
import sqlcipher3
from factories import actor_ctx, make_clinic
from keyring.errors import KeyringLocked
from sqlalchemy import inspect, select
from templates import MemoryKeyring, Template

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.google import account
from receptionist.models import LocalSecret, SyncState
from receptionist.ops import replica, retention
from receptionist.replica.seal import ClinicKey
from receptionist.retention import records, tokens
from receptionist.settings import pcstore, secretstore, tokenbook
from receptionist.store.storage import Database
from receptionist.store.vault import Created, open_clinic

OLD = "cloud:clinic-1:device-old:cloud.device_token"
NOW = "cloud:clinic-1:device-now:cloud.device_token"
CHANNEL = "clinic-x:channels.sms_token"  # a channel's credentials: no session token


def keep(db: Database, *names: str) -> None:
    """Tokens as a PC with no keychain keeps them: rows of the encrypted file."""
    with db.write() as s:
        for name in names:
            s.add(LocalSecret(key=name, value=f"secret of {name}"))


def kept(db: Database) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(LocalSecret.key)))


def this_pc_is(db: Database, device: str) -> None:
    with db.write() as s:
        s.add(
            SyncState(
                id=1, server_url="https://sync.example", clinic_id="clinic-1",
                device_id=device, device_code="B", device_name="Front", private_key=b"k" * 32,
            )
        )  # fmt: skip


def test_a_spent_device_token_is_counted_then_swept(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    keep(db, OLD, NOW, CHANNEL)
    this_pc_is(db, "device-now")  # it joined again: device-old's token is spent
    plan = retention.dry_run(db, ctx, db.path.parent)
    assert plan.counts["auth_token"] == 1
    assert plan.policies["auth_token"] == "retention.auth_tokens=session"
    assert kept(db) == {OLD, NOW, CHANNEL}, "a dry run writes nothing"
    swept = retention.sweep(db, ctx, db.path.parent)
    assert swept.counts["auth_token"] == 1
    assert ("auth_token", 1, "retention.auth_tokens=session") in {
        (r.kind, r.count, r.policy) for r in swept.records
    }
    assert kept(db) == {NOW, CHANNEL}, "this PC's own token and other secrets stay"
    assert retention.dry_run(db, ctx, db.path.parent).counts["auth_token"] == 0


def test_a_pc_that_syncs_no_more_keeps_no_device_token(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    keep(db, OLD, NOW)
    with db.read() as s:
        assert tokens.unused(s, db.path.parent, ctx.clock.now()).in_file == sorted([OLD, NOW])
    assert retention.sweep(db, ctx, db.path.parent).counts["auth_token"] == 2
    assert kept(db) == set()


def test_google_authorisation_is_forgotten_at_once_on_disconnect(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    info = {"client_id": "id", "client_secret": "cs", "refresh_token": "r1", "type": "x"}
    account.connect(db, ctx, info)
    assert account.kept(db) is not None
    names = [n for (_, n) in memory_keyring.store if n.endswith(":google.credentials")]
    assert names and json.loads(keyring.get_password(secretstore.SERVICE, names[0]) or "{}")
    account.disconnect(db, ctx)
    assert account.kept(db) is None
    assert keyring.get_password(secretstore.SERVICE, names[0]) is None
    assert not [k for k in kept(db) if k.endswith(":google.credentials")]


def test_sign_in_keeps_no_session_token(db: Database) -> None:
    """Nothing to sweep: no table of the file holds a session, reset or invitation code."""
    with db.read() as s:
        tables = set(inspect(s.connection()).get_table_names())
    suspects = {t for t in tables if any(w in t for w in ("session", "token", "invit", "reset"))}
    assert suspects == set(), suspects


def joined_as(db: Database, ctx: Ctx, device: str, token: str) -> None:
    """This PC connects (or joins again) as ``device``, keeping its token as the app does."""
    joined = replica.Joined("https://sync.example", "clinic-1", device, "B", "Front")
    replica.connected(db, ctx, joined, b"k" * 32, ClinicKey(1, bytes(32)), first=False)
    replica.keep_token(db, ctx, token)


def in_keychain(memory_keyring: MemoryKeyring) -> set[tuple[str, str]]:
    return set(memory_keyring.store)


def test_spent_device_tokens_in_the_keychain_are_found_and_swept(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """The keychain keeps a token under its device's name: this PC joined again (a new
    device, in this folder), and another data folder of this PC that is gone had one.
    Both are swept (the gone folder's once sweeps have missed it for 30 days: it may
    have been moved); this device's, a living folder's, another clinic's and another
    app's entries stay."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    service = secretstore.SERVICE
    assert (service, OLD) in memory_keyring.store, "the old device's token is still there"
    other_pc_folder, gone_folder = tmp_path / "two", tmp_path / "gone"
    other_pc_folder.mkdir()
    elsewhere = {
        "cloud:clinic-1:device-two:cloud.device_token": other_pc_folder,  # in use there
        "cloud:clinic-1:device-gone:cloud.device_token": gone_folder,  # its folder gone
        "cloud:clinic-2:device-x:cloud.device_token": tmp_path / "clinic2",  # not ours
    }
    for name, folder in elsewhere.items():
        keyring.set_password(service, name, "t")
        tokenbook.kept(folder, name)
    keyring.set_password("Other app", OLD, "theirs")  # another app's, the same name
    keyring.set_password(service, CHANNEL, "standing credentials")
    before = in_keychain(memory_keyring)

    plan = retention.dry_run(db, admin, db.path.parent)
    assert plan.counts["auth_token"] == 1
    assert in_keychain(memory_keyring) == before, "a dry run removes nothing"
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 1
    assert in_keychain(memory_keyring) == before - {(service, OLD)}
    month = actor_ctx("admin", FixedClock(ctx.clock.now() + tokenbook.GRACE))
    assert retention.dry_run(db, month, db.path.parent).counts["auth_token"] == 1
    assert retention.sweep(db, month, db.path.parent).counts["auth_token"] == 1

    gone = {(service, OLD), (service, "cloud:clinic-1:device-gone:cloud.device_token")}
    assert in_keychain(memory_keyring) == before - gone
    assert (service, NOW) in memory_keyring.store
    assert retention.dry_run(db, month, db.path.parent).counts["auth_token"] == 0
    assert retention.sweep(db, month, db.path.parent).counts["auth_token"] == 0


def test_a_revoked_pcs_token_leaves_the_book_with_the_keychain(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-now", "t-now")
    replica.forget_token(db, ctx.clock)
    assert (secretstore.SERVICE, NOW) not in memory_keyring.store
    assert tokenbook.unused(db.path.parent, None, "cloud:clinic-1:", ctx.clock.now()) == []


def test_a_folder_on_a_drive_not_mounted_keeps_its_token(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """A data folder on a USB stick or network share that is not mounted at the sweep's
    time is not there, but is not gone: its token stays. The book recorded the volume
    it lived on; that volume is not where its path now leads (an empty mount point on
    this disk), so nothing proves the folder gone. One whose own volume is there and
    holds no such folder is gone: its token is swept."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-now", "t-now")
    stick = tmp_path / "media" / "usb-stick" / "clinic"  # not mounted now
    stick_name = "cloud:clinic-1:device-stick:cloud.device_token"
    keyring.set_password(secretstore.SERVICE, stick_name, "t")
    tokenbook.kept(stick, stick_name)
    book_file = pcstore.config_dir() / tokenbook.FILE_NAME
    book = json.loads(book_file.read_text("utf-8"))
    here = tmp_path.stat().st_dev
    # As kept() wrote it while the stick was mounted: the stick's own volume.
    book.setdefault("volumes", {})[str(stick.resolve())] = here + 1
    book_file.write_text(json.dumps(book), "utf-8")

    assert retention.dry_run(db, admin, db.path.parent).counts["auth_token"] == 0
    retention.sweep(db, admin, db.path.parent)
    assert (secretstore.SERVICE, stick_name) in memory_keyring.store

    book["volumes"][str(stick.resolve())] = here  # this disk's: the folder was deleted
    book_file.write_text(json.dumps(book), "utf-8")
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 0  # missed
    month = actor_ctx("admin", FixedClock(ctx.clock.now() + tokenbook.GRACE))
    assert retention.sweep(db, month, db.path.parent).counts["auth_token"] == 1
    assert (secretstore.SERVICE, stick_name) not in memory_keyring.store


def test_a_token_book_that_cannot_be_written_fails_neither_joining_nor_the_sweep(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    """The book is an index for the sweep: one that cannot be written (a folder not
    writable, a file another process holds open on Windows) must not turn a join that
    kept its token into an error after the fact (the clinic key not yet handed to the
    endpoint), nor roll back a sweep whose keychain entries are already gone. A name it
    misses is only swept later: never a token in use."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    (pcstore.config_dir() / tokenbook.FILE_NAME).mkdir(parents=True)  # not writable
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    assert replica.token(db) == "t-now"
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 0
    assert (secretstore.SERVICE, NOW) in memory_keyring.store


class LockedKeyring(MemoryKeyring):
    """The same entries, behind a locked collection (a headless scheduler's session,
    a login keychain not unlocked): every read and delete is refused."""

    def __init__(self, held: MemoryKeyring) -> None:
        super().__init__()
        self.store = held.store

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


def test_a_locked_keychain_leaves_the_book_for_the_next_sweep(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    """A sweep that cannot read the keychain cannot tell a spent token there from one
    gone: the book keeps naming it, and the sweep after the keychain is unlocked
    removes it (it was dropped from the book as "absent", and left in the keychain for
    good)."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    keyring.set_keyring(LockedKeyring(memory_keyring))
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 0
    assert (secretstore.SERVICE, OLD) in memory_keyring.store
    keyring.set_keyring(memory_keyring)
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 1
    assert (secretstore.SERVICE, OLD) not in memory_keyring.store
    assert (secretstore.SERVICE, NOW) in memory_keyring.store


def test_a_folder_the_system_cannot_look_at_neither_stops_the_sweep_nor_loses_its_token(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """Asking whether a folder is there can fail (a share whose credentials lapsed:
    EACCES; a stale NFS handle: ESTALE; here a name the file system refuses): that
    folder may well be alive, so its token stays, and the rest of the sweep goes on."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    share = tmp_path / ("x" * 300) / "clinic"  # stat: ENAMETOOLONG
    share_name = "cloud:clinic-1:device-share:cloud.device_token"
    keyring.set_password(secretstore.SERVICE, share_name, "t")
    book_file = pcstore.config_dir() / tokenbook.FILE_NAME
    book = json.loads(book_file.read_text("utf-8"))
    book["written"].append(share_name)
    book["in_use"][str(share)] = share_name
    book_file.write_text(json.dumps(book), "utf-8")

    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 1  # the old
    assert (secretstore.SERVICE, share_name) in memory_keyring.store
    assert (secretstore.SERVICE, OLD) not in memory_keyring.store


class DeskWatchingKeyring(MemoryKeyring):
    """The same entries; each read or delete first looks whether the clinic's write
    lock is held (another connection's BEGIN IMMEDIATE refused at once), as a desk PC's
    save would find it while a keychain's unlock prompt waits for a person."""

    def __init__(self, held: MemoryKeyring, db: Database) -> None:
        super().__init__()
        self.store, self.db = held.store, db
        self.calls: list[tuple[str, bool]] = []  # (what, the write lock was held)

    def _look(self, what: str) -> None:
        conn = self.db.connect()
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlcipher3.OperationalError:
                self.calls.append((what, True))
            else:
                conn.execute("ROLLBACK")
                self.calls.append((what, False))
        finally:
            conn.close()

    def get_password(self, service: str, username: str) -> str | None:
        self._look("read")
        return super().get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self._look("delete")
        super().delete_password(service, username)


def test_the_sweep_asks_the_keychain_while_holding_no_write(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    """A keychain may stop to ask for its unlock (a Linux desktop's prompt): the sweep
    reads and deletes there outside its writes, so the desk can save meanwhile."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    watching = DeskWatchingKeyring(memory_keyring, db)
    keyring.set_keyring(watching)
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 1
    assert (secretstore.SERVICE, OLD) not in memory_keyring.store
    assert {what for what, _ in watching.calls} == {"read", "delete"}
    assert not [call for call in watching.calls if call[1]], watching.calls


def test_a_sweep_that_drops_no_token_leaves_the_book_unwritten(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    """Every sweep looks at the book; one that changes nothing in it writes nothing
    (the same file: its inode and time of change stay)."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    joined_as(db, admin, "device-now", "t-now")
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 1
    book_file = pcstore.config_dir() / tokenbook.FILE_NAME
    before = book_file.stat()
    assert retention.sweep(db, admin, db.path.parent).counts["auth_token"] == 0
    after = book_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert tokenbook.unused(db.path.parent, NOW, "cloud:clinic-1:", ctx.clock.now()) == []


def test_a_moved_data_folder_keeps_its_token(
    data_dir: Path,
    clinic_template: Template[Created],
    ctx: Ctx,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    """Two data folders of one clinic on this PC (a joined-again PC kept the old one).
    The first is moved (same disk, new path) while the second sweeps: its old path is
    not there, on a disk that is, which is what a deleted folder looks like. Its token
    stays: a folder counts as deleted only when not seen for 30 days, and the moved
    one, opened and synced, is known under its new path at its first round. Once it
    is deleted for good, its token goes 30 days after a sweep first missed it."""
    admin = actor_ctx("admin", ctx.clock)
    first = open_clinic(data_dir)
    with first.write() as s:
        make_clinic(s, admin)
    joined_as(first, admin, "device-a", "t-a")
    first.close()
    clinic_template.copy_to(tmp_path / "b")
    second = open_clinic(tmp_path / "b")
    try:
        with second.write() as s:
            make_clinic(s, admin)
        joined_as(second, admin, "device-b", "t-b")
        moved = data_dir.rename(tmp_path / "moved")
        a_name = "cloud:clinic-1:device-a:cloud.device_token"

        def sweep(days: int) -> int:
            later = actor_ctx("admin", FixedClock(ctx.clock.now() + timedelta(days=days)))
            return retention.sweep(second, later, second.path.parent).counts["auth_token"]

        assert sweep(0) == 0
        assert (secretstore.SERVICE, a_name) in memory_keyring.store
        again = open_clinic(moved)
        try:
            assert replica.token(again) == "t-a"  # its first round, under its new path
        finally:
            again.close()
        assert sweep(60) == 0
        assert (secretstore.SERVICE, a_name) in memory_keyring.store
        shutil.rmtree(moved)  # deleted for good
        assert sweep(61) == 0  # first missed: not yet

        def planned(days: int) -> int:
            later = actor_ctx("admin", FixedClock(ctx.clock.now() + timedelta(days=days)))
            return retention.dry_run(second, later, second.path.parent).counts["auth_token"]

        assert (planned(90), planned(91)) == (0, 1)  # missed for 29 days, then 30
        assert sweep(92) == 1
        assert (secretstore.SERVICE, a_name) not in memory_keyring.store
    finally:
        second.close()


def test_a_join_while_the_sweep_asks_the_keychain_keeps_the_new_token_in_use(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """The sweep reads which device this folder is, then asks the keychain outside its
    write; a join in this folder meanwhile makes it a new device. The book must name
    the new device as this folder's, not the one the sweep read before: else a sweep
    of another data folder of the clinic takes the new token for spent and deletes it
    from the keychain, and this folder can no longer sync."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    joined_as(db, admin, "device-old", "t-old")
    folder, now = db.path.parent, ctx.clock.now()
    with db.read() as s:
        found = tokens.unused(s, folder, now)  # the sweep's read: this folder is device-old
        before = tokens.earlier(s, folder, "sweep-1")
    assert found.current == OLD
    joined_as(db, admin, "device-now", "t-now")  # a join, while the sweep asks the keychain
    asked = tokens.asked(found)
    tokens.drop(asked, now, folder, before)
    with db.write() as s:
        tokens.forget_in_file(s, folder)  # the sweep's write
    other = tmp_path / "other"  # another data folder of this clinic, on this PC
    other.mkdir()
    assert NOW not in tokenbook.unused(other, None, "cloud:clinic-1:", now)
    assert (secretstore.SERVICE, NOW) in memory_keyring.store


def test_a_sweep_stopped_after_deleting_keychain_tokens_has_them_counted_once(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep notes in the book which tokens it is deleting before it deletes them.
    Stopped after the keychain's deletion, before the book's write or the sweep's own
    record (a kill, a full disk), its count would be lost: the next sweep finds the
    note with no record of that sweep in the file, and counts them. Stopped after its
    record, before the note went, the next sweep finds the record: no second count."""
    admin = actor_ctx("admin", ctx.clock)
    with db.write() as s:
        make_clinic(s, admin)
    folder = db.path.parent
    real_forgotten, real_forget_in_file, real_settled = (
        tokenbook.forgotten, tokens.forget_in_file, tokens.settled,
    )  # fmt: skip

    def stopped(*args: object) -> None:
        raise RuntimeError("the sweep stops here")

    def join(device: str) -> str:  # this PC joins (again): the device before is spent
        joined_as(db, admin, device, f"t-{device}")
        return f"cloud:clinic-1:{device}:cloud.device_token"

    def sweep_stopped_in(module: object, name: str, real: object) -> None:
        monkeypatch.setattr(module, name, stopped)
        with pytest.raises(RuntimeError):
            retention.sweep(db, admin, folder)
        monkeypatch.setattr(module, name, real)

    def sweep() -> int:
        return retention.sweep(db, admin, folder).counts["auth_token"]

    first = join("device-1")
    second = join("device-2")
    sweep_stopped_in(tokenbook, "forgotten", real_forgotten)  # the keychain's went; no book
    assert (secretstore.SERVICE, first) not in memory_keyring.store
    assert tokenbook.written() >= {first}, "the book still names it"
    assert (sweep(), sweep()) == (1, 0)

    join("device-3")
    sweep_stopped_in(tokens, "forget_in_file", real_forget_in_file)  # the book's went; no record
    assert second not in tokenbook.written() and tokenbook.pending(folder)
    assert (sweep(), sweep()) == (1, 0)

    join("device-4")
    sweep_stopped_in(tokens, "settled", real_settled)  # its record is written; the note stays
    assert tokenbook.pending(folder)
    assert (sweep(), sweep()) == (0, 0)
    assert tokenbook.pending(folder) == {}
    with db.read() as s:
        kept_records = [r for r in records.recent(s) if r.kind == "auth_token"]
    assert sum(r.count for r in kept_records) == 3  # one for each token deleted
