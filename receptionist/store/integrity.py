"""``check``: is the database file sound, and is it still ours?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlcipher3
from sqlalchemy import text
from sqlalchemy.orm import Session

from receptionist.errors import Damaged
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text


@dataclass(frozen=True)
class CheckReport:
    integrity: tuple[str, ...] = ()
    cipher: tuple[str, ...] = ()
    foreign_keys: int = 0
    stale_cards: int = 0  # appointments whose local schedule copies disagree with them
    free_bytes: int = 0  # free pages inside the file (``compact`` gives them back)
    file_bytes: int = 0

    @property
    def worth_compacting(self) -> bool:
        """Enough free space inside the file to suggest ``receptionist compact``."""
        return self.free_bytes >= WORTH_COMPACTING and self.free_bytes * 10 >= self.file_bytes

    @property
    def damaged(self) -> bool:
        """Damage that only a backup puts right (not the schedule copies)."""
        return self.integrity != ("ok",) or bool(self.cipher) or self.foreign_keys > 0

    @property
    def ok(self) -> bool:
        return not self.damaged and self.stale_cards == 0


WORTH_COMPACTING = 64 * 1024 * 1024  # and a tenth of the file

# What each step checks, as ``check`` announces it (a large file takes a minute).
PHASES = (
    Text(QT_TRANSLATE_NOOP("core", "page authentication")),
    Text(QT_TRANSLATE_NOOP("core", "database structure")),
    Text(QT_TRANSLATE_NOOP("core", "references")),
    Text(QT_TRANSLATE_NOOP("core", "schedule copies")),
)


def check(db: Database, on_phase: Callable[[int, Text], None] | None = None) -> CheckReport:
    """``cipher_integrity_check`` (must return no rows: every page's HMAC verifies),
    ``PRAGMA integrity_check`` (must say "ok"), ``foreign_key_check`` and the schedule
    copies. ``on_phase(i, name)`` is told before each of the four steps."""
    tell = on_phase or (lambda _i, _name: None)
    with db.raw() as conn:
        # int(): SQLCipher answers PRAGMA page_size with text ("4096").
        pages, free, size = (
            int(conn.execute(f"PRAGMA {p}").fetchone()[0])
            for p in ("page_count", "freelist_count", "page_size")
        )
        # The page HMACs first: a page that fails them makes the other checks fail too.
        tell(0, PHASES[0])
        cipher = [_text(r[0]) for r in _rows(conn, "cipher_integrity_check")]
        cipher += _pages_problem(db)
        tell(1, PHASES[1])
        integrity = tuple(_text(r[0]) for r in _rows(conn, "integrity_check"))
        tell(2, PHASES[2])
        foreign_keys = len(_rows(conn, "foreign_key_check"))
        has_copies = conn.execute(  # not before migration 0008
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'card_kind'"
        ).fetchone()[0]
        stale = 0
        if integrity == ("ok",) and not cipher and has_copies:
            tell(3, PHASES[3])
            counted = f"SELECT count(*) FROM appointment AS a WHERE {_STALE}"
            stale = int(conn.execute(counted).fetchone()[0])
    return CheckReport(integrity, tuple(cipher), foreign_keys, stale, free * size, pages * size)


# The schedule reads two local copies on each appointment, kept by triggers
# (migrations 0005 and 0008): the patient's name and the card's kind number. They
# can only disagree with their sources through a bug or a hand edit with the
# triggers dropped; unlike damage, that is repaired from the file itself.
_KIND_OF = (
    "(SELECT k.no FROM card_kind AS k WHERE k.provider_id = a.provider_id"
    " AND k.room_id = coalesce(a.room_id, '') AND k.service_id = a.service_id"
    " AND k.status = a.status)"
)
_LABEL_OF = (
    "coalesce((SELECT trim(p.given_name || ' ' || p.family_name) FROM patient AS p"
    " WHERE p.id = a.patient_id), '')"
)
_STALE = f"a.card_kind IS NOT {_KIND_OF} OR a.patient_label IS NOT {_LABEL_OF}"


def repair_cards(session: Session) -> int:
    """Rebuild the schedule copies that disagree with their appointments, in the
    caller's write transaction; returns how many appointments were put right. Local
    data only: no row version changes, so nothing is sent to sync."""
    session.execute(
        text(
            "INSERT OR IGNORE INTO card_kind (provider_id, room_id, service_id, status)"
            " SELECT DISTINCT provider_id, coalesce(room_id, ''), service_id, status"
            " FROM appointment ORDER BY 1, 2, 3, 4"
        )
    )
    rebuilt = session.execute(
        text(
            f"UPDATE appointment AS a SET card_kind = {_KIND_OF}, patient_label = {_LABEL_OF}"
            f" WHERE {_STALE}"
        )
    )
    return int(rebuilt.rowcount)  # type: ignore[attr-defined]


def _pages_problem(db: Database) -> list[str]:
    """What the look at the pages made at every open finds (see ``store.pages``), so
    ``check`` never calls sound a file that the commands refuse as damaged."""
    try:
        found = db.file_problem()
    except Damaged:
        found = "the pages could not be looked at"
    if found is None:
        return []
    return [Text(QT_TRANSLATE_NOOP("core", "the file's pages: {problem}"), problem=found)]


def _rows(conn: Any, pragma: str) -> list[Any]:
    """The pragma's rows; a damaged file that makes it fail is reported as a row."""
    try:
        return list(conn.execute(f"PRAGMA {pragma}").fetchall())
    except sqlcipher3.DatabaseError as exc:
        damaged = Text(
            QT_TRANSLATE_NOOP("core", "{pragma} could not run: the file is damaged ({error})"),
            pragma=pragma,
            error=type(exc).__name__,
        )
        return [(damaged,)]


def _text(value: object) -> str:
    """A row's text; our own message stays a ``Text`` (``str()`` would drop that)."""
    return value if isinstance(value, Text) else str(value)
