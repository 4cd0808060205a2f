"""PCs that exchange records by hand, with no endpoint: each a copy of a new clinic
(``conftest.pc_installs``) joined as if to one, all sealing with one clinic key, so a
test hands one PC's encoded rows to another's ``replica.apply_pull``."""

from __future__ import annotations

from pathlib import Path

from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.ops import replica
from receptionist.replica.seal import ClinicKey
from receptionist.store.storage import Database
from receptionist.store.vault import Created, open_clinic

CLINIC = "clinic-1"
KEY = ClinicKey(1, bytes(range(32)))


def joined_pc(
    root: Path, clock: FixedClock, code: str, installs: dict[str, Template[Created]], *, first: bool
) -> Database:
    """PC ``code`` ("A", "B", "C") at ``root``: its new clinic copied there, open, and
    joined (as device-<code>, named FRONT-<code>) to a made-up endpoint; ``first``: the
    PC whose rows the clinic began with."""
    installs[code].copy_to(root)  # a new clinic, as vault.create makes it (conftest)
    db = open_clinic(root)
    joined = replica.Joined("http://127.0.0.1:9", CLINIC, f"device-{code}", code, f"FRONT-{code}")
    ctx = Ctx(Actor(None, "admin", "ui"), clock)
    replica.connected(db, ctx, joined, b"\0" * 32, KEY, first=first)
    return db
