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
from receptionist.store.folder import make_private_dir
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
        raise _damaged(path) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} is not a Receptionist key file. Put this clinic's clinic.keys "
                    "back from a backup of the data folder.",
                ),
                path=str(path),
            )
        )
    version = data.get("version")
    if type(version) is int and version > VERSION:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} was written by a newer version of Receptionist; update it."
                ),
                path=str(path),
            )
        )
    clinic_id, slots = data.get("clinic_id"), data.get("slots")
    if version != VERSION or type(version) is not int or not _shaped(clinic_id, slots):
        raise _damaged(path)
    assert isinstance(clinic_id, str) and isinstance(slots, list)
    try:
        return KeyFile(clinic_id=clinic_id, slots=[Slot.from_json(s) for s in slots])
    except NotOurFile as exc:  # a slot with a part missing
        raise _damaged(path) from exc


def _shaped(clinic_id: object, slots: object) -> bool:
    return (
        isinstance(clinic_id, str)
        and bool(clinic_id)
        and isinstance(slots, list)
        and all(isinstance(s, dict) for s in slots)
    )


def _damaged(path: Path) -> NotOurFile:
    """A key file of ours whose contents are not whole: only a copy can replace it."""
    return NotOurFile(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The key file {path} is damaged. Put clinic.keys back from a backup of the "
                "data folder: the admin passphrase and the recovery code only work "
                "through it.",
            ),
            path=str(path),
        )
    )


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file."""
    make_private_dir(path.parent)
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
