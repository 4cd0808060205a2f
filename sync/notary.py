"""The cloud endpoint as the retention sweep's notary: it hands the sweep the newest
anchor it holds of this PC and signs each checkpoint the sweep proposes
(``receptionist.journal.notary``; docs/privacy.md). Registered with the core's sweep
when ``sync`` is loaded, so the nightly job, ``receptionist sweep`` and the app's
"Sweep now" all use it on a PC that syncs.
"""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.clock import Clock
from receptionist.context import Ctx
from receptionist.errors import ReceptionistError
from receptionist.journal.anchor import Anchor
from receptionist.journal.notary import Notary, Proposal
from receptionist.ops import audit as audit_ops
from receptionist.ops import replica, retention
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .client import Client, Refused
from .round import SYNC, Unreachable

OTHER_KEY = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The cloud endpoint signs with another key than the one this PC pinned when it "
        "connected: its key was replaced, or it is not the same endpoint. The data still "
        "syncs, but audit events past their time are kept until it signs with the pinned "
        "key again: tell the endpoint's operator (its signing key is in the endpoint's "
        "database and its backups).",
    )
)


class EndpointNotary:
    """The endpoint this PC syncs with (a request per call)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def held_anchor(self) -> Anchor | None:
        """None also when the endpoint is out of reach: the audit events wait, the
        rest of the sweep goes on."""
        from .cloud import client_for

        try:
            with client_for(self.db) as client:
                return client.my_anchor()
        except (ReceptionistError, Unreachable):
            return None

    def sign(self, proposal: Proposal) -> tuple[str, str] | None:
        from .cloud import client_for

        try:
            with client_for(self.db) as client:
                found = client.sign_checkpoint(proposal)
        except (ReceptionistError, Unreachable):
            return None
        if found is not None and found[1] != audit_ops.pinned_endpoint(self.db):
            return None  # not the endpoint this PC pinned: the cut waits
        return found


def notary_for(db: Database) -> Notary | None:
    """The endpoint, on a PC that syncs with one."""
    return EndpointNotary(db) if replica.status(db).connected else None


def pin(db: Database, ctx: Ctx, client: Client) -> None:
    """At a person's connect or join: pin the endpoint's key (after any pinned before:
    the new endpoint signs this log's checkpoints from now on; audited). The PC is
    connected already: an endpoint out of reach, or one not yet updated (404), fails
    nothing; the pin is owed, audited, and the next round that fetches the key makes
    it (:func:`settle`, :func:`check`)."""
    try:
        key = client.endpoint_key()
    except (Unreachable, Refused):
        audit_ops.owe_endpoint(db, ctx)
        return
    audit_ops.pin_endpoint(db, ctx, key, again=True)


@dataclass(frozen=True)
class Asked:
    """What a round's look at the endpoint's key found: the key, or None when the
    endpoint answered without one (a 404: not yet updated; asking again in the same
    round would cost a request and find the same)."""

    key: str | None


def settle(db: Database, clock: Clock, client: Client) -> Asked | None:
    """Before a round's work: the pin a connect or join owes, made now if the key can
    be fetched, so the anchor the round hands the endpoint is after it (the pinned key
    signs the checkpoints whose anchor is after its pinning: ``journal.notary.key_at``).
    What it found, for :func:`check` to use rather than ask again; None when it did
    not ask (nothing owed) or the endpoint was out of reach (5xx): :func:`check` tries
    again after the round."""
    if not audit_ops.endpoint_owed(db):
        return None
    try:
        key = client.endpoint_key()
    except Unreachable:
        return None
    except Refused:
        return Asked(None)
    audit_ops.pin_endpoint(db, Ctx(SYNC, clock), key, again=True)
    return Asked(key)


def check(db: Database, clock: Clock, client: Client, asked: Asked | None = None) -> Text | None:
    """After a round: pin the endpoint's key if this PC has none yet (a PC joined
    before keys were pinned: trust on first use) or a connect or join still owes its
    pin (its fetch failed), else compare it with the pinned one; a sentence when it
    differs (recorded in the log, so the sweep and `audit verify` say why audit events
    wait). A round never pins another key otherwise. ``asked``: what :func:`settle`
    found this round (the key is not fetched twice)."""
    ctx = Ctx(SYNC, clock)
    try:
        key = client.endpoint_key() if asked is None else asked.key
    except (Unreachable, Refused):
        key = None
    if key is None:
        # The round's work is done: an endpoint out of reach, or one not yet updated
        # that has no key to show (404), fails nothing; the next round looks again.
        return None
    if audit_ops.pinned_endpoint(db) is None or audit_ops.endpoint_owed(db):
        audit_ops.pin_endpoint(db, ctx, key, again=True)
        return None
    return None if audit_ops.saw_endpoint(db, ctx, key) else OTHER_KEY


retention.register_signer(notary_for)
