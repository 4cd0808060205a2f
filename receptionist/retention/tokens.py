"""Authentication tokens in the retention policy: kept only as long as a session needs
(a fixed rule, not a setting: Settings > Retention shows it, nobody edits it).

Every kind of token the product keeps, and when it goes:

- a staff sign-in keeps none: it is an actor in memory, gone when the app locks (idle
  minutes) or closes; there is no "remember me", no session table;
- a password reset or a staff invitation keeps none: an administrator sets the new
  password (``staff.admin.reset_password``), hashed with Argon2id;
- Google's authorisation (the refresh token, in the authorized-user JSON): forgotten
  from the keychain and the file at once when the account is disconnected
  (``google.account.disconnect``: ``settings.secretstore.write`` with "" deletes both);
- this PC's cloud device token: forgotten at once when the endpoint answers that this
  PC was revoked (``sync.cloud.sync_once``); one left for a device this PC no longer
  is (it joined again, under a new device, in its data folder or a new one; a data
  folder's once sweeps have missed the folder for 30 days, since it may have been
  moved) is removed by the sweep, from the file and from the keychain (which cannot
  be listed: the token book, ``settings.tokenbook``, names what this PC put there, and
  which data folder uses which): :data:`KIND`, counted in the dry run and the
  destruction records;
- a cloud invitation's secret is shown once and never kept on a PC; the endpoint keeps
  only hashes of invitations, connect codes and device tokens, and lets go of spent
  ones itself (``sync.server.spent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from receptionist.models import AuditEvent, LocalSecret, SyncState
from receptionist.settings import secretstore, tokenbook
from receptionist.settings.cloud import DEVICE_TOKEN, token_namespace
from receptionist.texts import QT_TRANSLATE_NOOP, Text

KIND = "auth_token"
_SUFFIX = ":" + DEVICE_TOKEN.key  # a device token's name ends so
RULE = "retention.auth_tokens=session"  # the policy a destruction record names
LABEL = Text(QT_TRANSLATE_NOOP("core", "Authentication tokens"))
TEXT = Text(QT_TRANSLATE_NOOP("core", "As long as a session needs (fixed)"))
HELP = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Sign-ins keep no token; Google's is forgotten when the account is disconnected; "
        "this PC's cloud token when the endpoint revokes the PC, and a spent one by the "
        "sweep. Fixed by the privacy policy: not a setting.",
    )
)


@dataclass(frozen=True)
class Spent:
    """The device tokens that serve no session: rows of the file (``in_file``), entries
    of the keychain (``in_keychain``), and names the book holds that the keychain no
    longer does (``absent``: only the book forgets them, uncounted). A name the
    keychain cannot be asked about (locked) is in neither: the book keeps it for the
    next sweep."""

    in_file: list[str]
    in_keychain: list[str]
    absent: list[str]

    @property
    def count(self) -> int:
        return len(self.in_file) + len(self.in_keychain)


@dataclass(frozen=True)
class Unused:
    """What the file and the token book say may be spent, before the keychain is
    asked: rows of the file (``in_file``), the names the book holds that no data
    folder of this PC uses (``names``, for :func:`asked`), and this device's name
    (``current``; None: this PC does not sync)."""

    in_file: list[str]
    names: list[str]
    current: str | None


def unused(session: Session, folder: Path, now: datetime) -> Unused:
    """The cloud device tokens that serve no session, as far as the file and the book
    tell (no keychain: safe inside a transaction): in the file, those of a device this
    PC no longer is (all of them when it syncs with no cloud); in the book, those of
    this clinic that no data folder of this PC uses at ``now`` (``folder``, this
    file's, uses this device's; ``settings.tokenbook`` says when another is gone)."""
    state = session.get(SyncState, 1)
    current = _name(state.clinic_id, state.device_id) if state is not None else None
    names: list[str] = []
    if state is not None:
        prefix = token_namespace(state.clinic_id, "")  # this clinic's, any device
        names = [n for n in tokenbook.unused(folder, current, prefix, now) if n.endswith(_SUFFIX)]
    return Unused(_in_file(session, current), names, current)


def asked(found: Unused) -> Spent:
    """``found`` with the keychain asked which of its names it holds. The keychain may
    wait for a person (an unlock prompt): call this outside any transaction, never
    while holding the database's write."""
    there: list[str] = []
    absent: list[str] = []
    for name in found.names:
        held = secretstore.in_keychain(name)
        if held is not None:  # None: the keychain cannot say (locked): next sweep
            (there if held else absent).append(name)
    return Spent(found.in_file, there, absent)


@dataclass(frozen=True)
class Earlier:
    """What earlier sweeps of a data folder noted they were deleting from the keychain
    (``tokenbook.pending``): the names of those that wrote their record (``closed``:
    the sweep's audit event is in the file) and of those that did not (``unclosed``),
    and of these the ones the book forgot (``forgotten``: deleted, then forgotten);
    and this sweep's note, whose ``after`` is the audit log's head now."""

    closed: list[str]
    unclosed: list[str]
    forgotten: set[str]
    note: tokenbook.Pending


def earlier(session: Session, folder: Path, sweep_id: str) -> Earlier:
    """Read inside the sweep's transaction that finds :func:`unused` (no keychain)."""
    head = session.execute(select(func.max(AuditEvent.seq))).scalar_one_or_none() or 0
    closed: list[str] = []
    unclosed: list[str] = []
    for name, note in tokenbook.pending(folder).items():
        if note.sweep != sweep_id:
            (closed if _closed(session, note) else unclosed).append(name)
    forgotten = set(unclosed) - tokenbook.written()
    return Earlier(closed, unclosed, forgotten, tokenbook.note(folder, sweep_id, head))


def _closed(session: Session, note: tokenbook.Pending) -> bool:
    """Whether the sweep of ``note`` wrote its record: its audit event is there."""
    found = session.execute(
        select(AuditEvent.seq).where(
            AuditEvent.seq > note.after,
            AuditEvent.action == "sweep",
            AuditEvent.entity_type == "retention",
            AuditEvent.entity_id == note.sweep,
        )
    )
    return found.first() is not None


def drop(found: Spent, now: datetime, folder: Path, before: Earlier) -> int:
    """Delete the keychain's spent entries (outside any transaction, as :func:`asked`);
    how many this sweep destroyed. One the keychain refuses to delete (a locked
    collection) stays in the book, for the next sweep. The book notes the data
    folders this sweep (at ``now``) missed.

    The names are noted in the book first (``tokenbook.deleting``); the sweep's
    caller lets go of the note once its record is written (``tokenbook.settled``).
    A note of an earlier sweep that wrote no record (killed, or failed, after it
    deleted them) counts here: a name gone from the keychain since, or from the book
    (forgotten once deleted). One that is in the keychain still is deleted and
    counted as any; one the keychain cannot say of waits, noted."""
    carried = [
        name
        for name in before.unclosed
        if name not in found.in_keychain and (name in found.absent or name in before.forgotten)
    ]
    tokenbook.deleting(folder, before.note, [*found.in_keychain, *carried], before.closed)
    dropped = [name for name in found.in_keychain if secretstore.drop_from_keychain(name)]
    tokenbook.forgotten([*dropped, *found.absent], now)
    return len(dropped) + len(carried)


def settled(folder: Path, sweep_id: str) -> None:
    """The sweep ``sweep_id`` wrote its record: the book's notes of it go (call it
    after that write's commit; see :func:`drop`)."""
    tokenbook.settled(folder, sweep_id)


def forget_in_file(session: Session, folder: Path) -> int:
    """Delete the file's spent tokens (``secure_delete`` overwrites their bytes), found
    again inside this write (a join since the sweep read them changes which device
    this PC is); how many went. ``folder``'s entry in the book names this device, as
    this write reads it (a file from before the book: its entry goes in), never the
    one the sweep read before the keychain: a join meanwhile made a new device, and a
    book naming the old one would let another folder's sweep delete the new token."""
    state = session.get(SyncState, 1)
    current = _name(state.clinic_id, state.device_id) if state is not None else None
    found = _in_file(session, current)
    if found:
        session.execute(delete(LocalSecret).where(LocalSecret.key.in_(found)))
    if current is not None:
        tokenbook.kept(folder, current)
    return len(found)


def _in_file(session: Session, current: str | None) -> list[str]:
    kept = session.scalars(select(LocalSecret.key).where(LocalSecret.key.like("cloud:%")))
    return sorted(k for k in kept if k.endswith(_SUFFIX) and k != current)


def _name(clinic_id: str, device_id: str) -> str:
    """As ``ops.replica`` keeps the token: per device, under the clinic."""
    return secretstore.stored_name(token_namespace(clinic_id, device_id), DEVICE_TOKEN)
