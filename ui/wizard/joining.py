"""Joining a clinic from the set-up wizard: the CLI's ``join`` path (an empty encrypted
file made all or nothing by ``ops.setup.initialise_empty``, then ``sync.cloud.join`` and
the first download), run on the database worker. A failure anywhere leaves no clinic
in the folder, so the wizard can simply start over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx
from receptionist.ops import settings
from receptionist.ops.setup import initialise_empty
from receptionist.store.storage import Database
from receptionist.store.vault import Created, DataDir
from sync import cloud


@dataclass(frozen=True)
class Request:
    server: str
    code: str
    pc_name: str
    passphrase: str | None = None  # the optional admin passphrase of this PC's file


@dataclass(frozen=True)
class Joined:
    created: Created
    clinic_name: str
    device_code: str
    pulled: int


def join_clinic(root: Path, clock: Clock, asked: Request, pulled: Callable[[int], None]) -> Joined:
    """Make this PC's clinic file in ``root``, join with the invitation, download the
    clinic (``pulled`` told how many records have come so far). The file stays marked
    unfinished until the wizard's last page (its recovery code kept); the app already
    holds the folder's lock."""
    said: dict[str, Any] = {}

    def join_and_download(created: Created) -> None:
        db = Database(DataDir(Path(root)).db, created.key)
        try:
            joined = cloud.join(db, Ctx(SYSTEM, clock), asked.server, asked.code, asked.pc_name)
            done = cloud.sync_once(db, clock, pulled)
            said.update(name=settings.clinic_info(db).name, device=joined.device_code)
            said.update(pulled=done.pulled)
        finally:
            db.close()

    created = initialise_empty(
        root,
        clock,
        passphrase=asked.passphrase,
        last_step=join_and_download,
        finished=False,
        holding_lock=True,
    )
    return Joined(created, said["name"], said["device"], said["pulled"])
