"""An anchor: the audit log's head written down outside the clinic file.

Whoever holds the key can rewrite the whole log consistently (every hash is SHA-256
over public fields, so a script recomputes them). What they cannot rewrite is a copy
of the head kept where they cannot reach: an anchor records the clinic, how many
events the log held, and the newest event's number and hash. Because each event's
hash covers every event before it, a log that still holds that event with that hash
holds, unchanged, everything up to it. Backups keep one each, sync will hand one to
the server, and ``receptionist audit anchor`` prints one to keep anywhere.

An anchor holds no patient data (ids, counts, a hash and two times), so it can be
kept in plain text: printed, mailed, on a USB stick. It is not keyed: a key would
have to live on the clinic's PC, beside the key holder it is meant to stop; the
protection is where the copies are kept, not a secret in them (see docs/privacy.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeGuard

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FORMAT: Final = "receptionist-audit-anchor"
VERSION: Final = 1
MAX_BYTES: Final = 64 * 1024  # an anchor is ~400 bytes; refuse anything that is not one
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Anchor:
    """The audit log's head at ``taken_at``: event ``head_seq`` had hash ``head_hash``."""

    clinic_id: str
    events: int
    head_seq: int
    head_hash: str
    head_at: datetime | None
    taken_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "clinic_id": self.clinic_id,
            "events": self.events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "head_at": _iso(self.head_at) if self.head_at else None,
            "taken_at": _iso(self.taken_at),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    @property
    def taken(self) -> str:
        """When it was taken, for a sentence ("2026-12-06 10:00 UTC")."""
        return self.taken_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def not_an_anchor() -> ValidationError:
    return ValidationError(
        "anchor",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The anchor file is not an audit anchor (or it was damaged); give the file "
                "that `receptionist audit anchor --json` wrote.",
            )
        ),
    )


def parse(data: bytes) -> Anchor:
    """The anchor in ``data`` (the JSON that :meth:`Anchor.dumps` writes), or
    ValidationError on field "anchor" for anything else."""
    if len(data) > MAX_BYTES:
        raise not_an_anchor()
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise not_an_anchor() from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise not_an_anchor()
    if doc.get("version") != VERSION:
        raise ValidationError(
            "anchor",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The anchor file was written by a newer version of Receptionist; "
                    "update this one to check it.",
                )
            ),
        )
    return _fields(doc)


def read_file(path: Path) -> Anchor:
    """The anchor in the file at ``path``; a file that cannot be read, or is not an
    anchor, is a ValidationError on field "anchor" (the option that named it)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValidationError(
            "anchor",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The anchor file cannot be read ({error}); check the path."
                ),
                error=exc.strerror or type(exc).__name__,
            ),
        ) from None
    return parse(data)


def _fields(doc: dict[str, Any]) -> Anchor:
    clinic_id, events, seq, digest = (doc.get(k) for k in _REQUIRED)
    head_at = doc.get("head_at")
    if not (
        isinstance(clinic_id, str)
        and _count(events)
        and _count(seq)
        and isinstance(digest, str)
        and _HASH.match(digest)
        and (head_at is None or isinstance(head_at, str))
    ):
        raise not_an_anchor()
    return Anchor(
        clinic_id=clinic_id,
        events=events,
        head_seq=seq,
        head_hash=digest,
        head_at=_when(head_at) if head_at is not None else None,
        taken_at=_when(doc.get("taken_at")),
    )


_REQUIRED: Final = ("clinic_id", "events", "head_seq", "head_hash")


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _when(value: object) -> datetime:
    if not isinstance(value, str):
        raise not_an_anchor()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise not_an_anchor() from None
    if at.tzinfo is None:
        raise not_an_anchor()
    return at.astimezone(UTC)
