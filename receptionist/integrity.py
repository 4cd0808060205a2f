"""``check``: is the database file sound, and is it still ours?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlcipher3

from .storage import Database
from .texts import QT_TRANSLATE_NOOP, Text


@dataclass
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    cipher: list[str] = field(default_factory=list)
    foreign_keys: int = 0

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and not self.cipher and self.foreign_keys == 0


def check(db: Database) -> CheckReport:
    """``PRAGMA integrity_check`` (must say "ok"), ``cipher_integrity_check`` (must return
    no rows: every page's HMAC verifies) and ``foreign_key_check``."""
    report = CheckReport()
    with db.raw() as conn:
        # The page HMACs first: a page that fails them makes the other checks fail too.
        report.cipher = [_text(r[0]) for r in _rows(conn, "cipher_integrity_check")]
        report.integrity = [_text(r[0]) for r in _rows(conn, "integrity_check")]
        report.foreign_keys = len(_rows(conn, "foreign_key_check"))
    return report


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
