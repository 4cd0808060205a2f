"""The key file beside the database: the clinic id and the wrapped data-key slots.

Written atomically (permissions first, temp file, fsync, rename), so a crash leaves
either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from receptionist.errors import NotOurFile, UnlockError
from receptionist.store.keys import Slot, unwrap
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FORMAT = "receptionist-keyfile"
VERSION = 1


@dataclass
class KeyFile:
    clinic_id: str
    slots: list[Slot] = field(default_factory=list)

    def slots_of(self, kind: str) -> list[Slot]:
        return sorted(
            (s for s in self.slots if s.kind == kind), key=lambda s: s.generation, reverse=True
        )

    @property
    def generation(self) -> int:
        return max((s.generation for s in self.slots), default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "clinic_id": self.clinic_id,
            "slots": [s.to_json() for s in self.slots],
        }


def read_keyfile(path: Path) -> KeyFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key file {path} is missing; restore it from a backup of the data folder.",
                ),
                path=str(path),
            )
        ) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} is not a Receptionist key file, or it is damaged."
                ),
                path=str(path),
            )
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP("core", "{path} is not a Receptionist key file."), path=str(path)
            )
        )
    if data.get("version") != VERSION:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} was written by a newer version of Receptionist; update it."
                ),
                path=str(path),
            )
        )
    slots = [Slot.from_json(s) for s in data.get("slots", [])]
    return KeyFile(clinic_id=str(data["clinic_id"]), slots=slots)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if os.name == "posix":
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_keyfile(path: Path, keyfile: KeyFile) -> None:
    text = json.dumps(keyfile.to_json(), indent=2, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"))


def successor_key(keyfile: KeyFile, old_key: bytes) -> bytes | None:
    """The new key of an interrupted rekey, if ``old_key`` wraps one."""
    for slot in keyfile.slots_of("successor"):
        try:
            return unwrap(slot, old_key.hex(), clinic_id=keyfile.clinic_id)
        except UnlockError:
            continue
    return None
