"""``check``: is the database file sound, and is it still ours?"""

from __future__ import annotations

from dataclasses import dataclass, field

from .storage import Database


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
    with db.engine.connect() as conn:
        report.integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        report.cipher = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
        report.foreign_keys = len(list(conn.exec_driver_sql("PRAGMA foreign_key_check")))
    return report
