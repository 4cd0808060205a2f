"""Joining a clinic from the set-up wizard: the CLI's ``join`` path (an empty encrypted
file made all or nothing by ``ops.setup.initialise_empty``, then ``sync.cloud.join`` and
the first download), run on the database worker. A failure anywhere leaves no clinic
in the folder, so the wizard can simply start over.

The person may cancel (``cancel`` set, from the UI thread): the join stops at the next
point it looks (before joining, after it, after each downloaded page), withdraws this
PC's device from the endpoint (revoked, so the clinic's device list keeps no
half-joined PC; best effort when the network is gone), and fails with
:class:`JoinCancelled`, so ``initialise_empty`` removes everything it made. An
invitation is used once: joining again takes a new one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx
from receptionist.errors import ReceptionistError
from receptionist.ops import settings
from receptionist.ops.setup import initialise_empty
from receptionist.safelog import describe
from receptionist.store.storage import Database
from receptionist.store.vault import Created, DataDir
from sync import cloud
from sync.round import Unreachable

log = logging.getLogger("receptionist.ui")


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


class JoinCancelled(Exception):
    """The person cancelled the join: nothing of it was kept on this PC."""


def join_clinic(
    root: Path,
    clock: Clock,
    asked: Request,
    pulled: Callable[[int], None],
    cancel: threading.Event | None = None,
) -> Joined:
    """Make this PC's clinic file in ``root``, join with the invitation, download the
    clinic (``pulled`` told how many records have come so far). The file stays marked
    unfinished until the wizard's last page (its recovery code kept); the app already
    holds the folder's lock. :class:`JoinCancelled` once ``cancel`` is set."""
    said: dict[str, Any] = {}
    stop = cancel or threading.Event()

    def look() -> None:
        if stop.is_set():
            raise JoinCancelled

    def progress(count: int) -> None:
        pulled(count)
        look()

    def join_and_download(created: Created) -> None:
        db = Database(DataDir(Path(root)).db, created.key)
        try:
            look()
            joined = cloud.join(db, Ctx(SYSTEM, clock), asked.server, asked.code, asked.pc_name)
            try:
                look()
                done = cloud.sync_once(db, clock, progress)
            except JoinCancelled:
                _withdraw(db, joined.device_id)
                raise
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


def _withdraw(db: Database, device_id: str) -> None:
    """This PC's device revoked on the endpoint: the join was cancelled."""
    try:
        with cloud.client_for(db) as client:
            client.revoke(device_id)
    except (Unreachable, ReceptionistError) as exc:
        log.warning("a cancelled join could not withdraw its device: %s", describe(exc))
