"""Generations of the clinic key on this PC: the ones the endpoint's envelopes bring
(after another PC rotated the key), and a rotation made here. See
docs/sync-protocol.md, "Rotation"; ``sync/cloud.py`` runs the requests around these.
"""

from __future__ import annotations

from receptionist.context import Ctx, require
from receptionist.journal import audit
from receptionist.replica import state
from receptionist.replica.envelopes import open_device_envelope
from receptionist.replica.seal import ClinicKey
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CANNOT = Text(QT_TRANSLATE_NOOP("core", "Only an administrator can rotate the clinic key."))


def keep_envelopes(db: Database, envelopes: list[tuple[int, str]]) -> list[int]:
    """Open this device's envelopes (generation, blob) the PC does not hold yet, and
    keep their keys; the generations kept. UnlockError for one that does not open."""
    with db.write() as s:
        sync = state.required(s)
        held = state.keys(s)
        kept = []
        for generation, blob in envelopes:
            if generation in held:
                continue
            key = open_device_envelope(blob, sync.private_key, sync.clinic_id)
            if key.generation != generation:
                continue  # an envelope filed under another generation: not used
            state.keep_key(s, key)
            held[generation] = key
            kept.append(generation)
        return kept


def new_generation(db: Database, ctx: Ctx) -> ClinicKey:
    """A new clinic key, one generation past the newest this PC holds (not kept yet:
    it is kept when its envelope comes back from the endpoint)."""
    require(ctx, "keys.manage", CANNOT)
    with db.read() as s:
        return ClinicKey.new(max(state.keys(s)) + 1)


def rotated(db: Database, ctx: Ctx) -> None:
    """A rotation is done: in the audit log."""
    with db.write() as s:
        audit.record(s, ctx, "cloud_rotate", "clinic", None)
