"""The cloud endpoint's signature over an audit checkpoint (docs/privacy.md,
"Keeping audit events for a limited time").

In a clinic that syncs, the endpoint holds an anchor of this PC's log from every
round. Before the retention sweep cuts a prefix, it proposes the checkpoint (event
``P``, its hash and time, and the anchor it stands on) and the endpoint signs it
with its Ed25519 key only if that anchor is the newest it holds of this PC and lies
past ``P``. The PC pinned the endpoint's public key when it connected or joined
(trust on first use; a PC joined before pins it at its next round), so a checkpoint
a script writes later needs a signature it cannot make. ``audit verify`` checks the
signature of the checkpoint the log begins at, and refuses an unsigned one whose
anchor is after the pinning.

No network here: the sweep is handed a :class:`Notary` by the front end that syncs.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal.anchor import Anchor
from receptionist.models import AuditCheckpoint, AuditEvent, AuditNotary, to_micros
from receptionist.texts import QT_TRANSLATE_NOOP, Text

DOMAIN: Final = "receptionist-audit-checkpoint-v1"
PIN: Final = "pin"
KIND: Final = "endpoint_key"
# A sync round saw the endpoint sign with another key than the pinned one / the pinned
# one again (``saw``); SAME also settles an owed pin whose key was pinned already (``pin``).
OTHER: Final = "endpoint_key.other"
SAME: Final = "endpoint_key.same"
# A person's connect or join could not fetch the endpoint's key (out of reach, or not
# answering it): the next round that can pins it, as that connect would have (``owe``).
OWED: Final = "endpoint_key.owed"

Problem = tuple[int | None, Text]


@dataclass(frozen=True)
class Proposal:
    """A checkpoint the sweep means to write: events up to ``seq`` go; event ``seq``
    had ``hash`` and time ``at``; the anchor of event ``anchor_seq`` vouches for it."""

    log_id: str
    seq: int
    hash: str
    at: datetime
    anchor_seq: int
    anchor_hash: str

    def message(self) -> bytes:
        """What the endpoint signs: every field, in a fixed order, under a domain."""
        parts = [DOMAIN, self.log_id, str(self.seq), self.hash, str(to_micros(self.at)),
                 str(self.anchor_seq), self.anchor_hash]  # fmt: skip
        return "\x1f".join(parts).encode("utf-8")


def of_checkpoint(log_id: str, point: AuditCheckpoint) -> Proposal:
    return Proposal(log_id, point.seq, point.hash, point.at, point.anchor_seq, point.anchor_hash)


class Notary(Protocol):
    """The cloud endpoint, as the sweep needs it (``sync/notary.py``)."""

    def held_anchor(self) -> Anchor | None:
        """The newest anchor the endpoint holds of this PC (None: none yet)."""

    def sign(self, proposal: Proposal) -> tuple[str, str] | None:
        """(signature, the endpoint's public key), both base64; None: refused."""


def signed(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is the Ed25519 signature of ``message`` by
    ``public_key`` (base64, 32 bytes)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), message)
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True


def pinned(session: Session) -> AuditNotary | None:
    """The endpoint's key pinned last (None: this PC never pinned one)."""
    return session.scalars(select(AuditNotary).order_by(AuditNotary.id.desc()).limit(1)).first()


def pins(session: Session) -> list[AuditNotary]:
    """Every key this PC pinned, oldest first (a new one only at a connect or join)."""
    return list(session.scalars(select(AuditNotary).order_by(AuditNotary.id)))


def pin(session: Session, ctx: Ctx, public_key: str, *, again: bool = False) -> bool:
    """Pin the endpoint's key (first use); False when another key is pinned already:
    it is never replaced silently. ``again``: a person connects or joins this PC to an
    endpoint (``sync/cloud.py``), or the round that fetches the key such a connect
    could not (:func:`owed`): its key is pinned after the others, audited, and
    signs the checkpoints whose anchor is after that event (the older keys stay, for
    the checkpoints they signed)."""
    from receptionist.journal import audit  # audit imports checkpoint, which imports us

    held = pinned(session)
    if held is not None and held.public_key == public_key:
        if again and owed(session):  # the pin owed is of the key pinned already: settled,
            audit.record(session, ctx, SAME, KIND, public_key[:36])  # else owed for good
        return True
    if held is not None and not again:
        return False
    event = audit.record(session, ctx, PIN, KIND, public_key[:36])
    number = held.id + 1 if held is not None else 1
    session.add(AuditNotary(id=number, public_key=public_key, pinned_at=ctx.clock.now(),
                            pinned_seq=event.seq))  # fmt: skip
    session.flush()
    return True


def owe(session: Session, ctx: Ctx) -> None:
    """A person connected or joined this PC to an endpoint whose key could not be
    fetched: the pin that connect owes is made by the next round that fetches it
    (:func:`owed`), after the keys pinned before, as the connect would have made it."""
    from receptionist.journal import audit

    audit.record(session, ctx, OWED, KIND, None)


def owed(session: Session) -> bool:
    """Whether the last connect or join still owes its pin (none made since, nor the
    key it would have pinned found pinned already: ``endpoint_key.same`` then)."""
    found = session.scalar(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == KIND, AuditEvent.action.in_((PIN, OWED, SAME)))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return found == OWED


def seen(session: Session, public_key: str) -> tuple[bool, str | None]:
    """Whether ``public_key`` is the pinned key, and what :func:`saw` would record."""
    held = pinned(session)
    if held is None:
        return False, None
    state = _key_state(session)
    if held.public_key == public_key:
        return True, SAME if state is not None and state[0] == OTHER else None
    return False, OTHER if state != (OTHER, public_key[:36]) else None


def saw(session: Session, ctx: Ctx, public_key: str) -> bool:
    """A sync round saw the endpoint's key: whether it is the pinned one. The first
    round that sees another key records it (``endpoint_key.other``), the first that
    sees the pinned key again after that records that too (``endpoint_key.same``), so
    the sweep and ``audit verify`` can say why audit events wait (:func:`key_changed`)."""
    from receptionist.journal import audit

    same, action = seen(session, public_key)
    if action is not None:
        audit.record(session, ctx, action, KIND, public_key[:36])
    return same


def key_changed(session: Session) -> bool:
    """Whether the last sync round that looked saw the endpoint sign with another key
    than the pinned one (since the last pinning)."""
    state = _key_state(session)
    return state is not None and state[0] == OTHER


def _key_state(session: Session) -> tuple[str, str | None] | None:
    found = session.execute(
        select(AuditEvent.action, AuditEvent.entity_id)
        .where(AuditEvent.entity_type == KIND, AuditEvent.action.in_((PIN, OTHER, SAME, OWED)))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (found.action, found.entity_id) if found is not None else None


def key_at(session: Session, anchor_seq: int) -> AuditNotary | None:
    """The key pinned when the anchor of event ``anchor_seq`` was taken: the newest
    pinned before it (else the first)."""
    held = pins(session)
    before = [p for p in held if p.pinned_seq <= anchor_seq]
    return before[-1] if before else (held[0] if held else None)


def first_pin(session: Session) -> int | None:
    """The first pinning of an endpoint's key the log still holds (None: none)."""
    return session.scalar(
        select(func.min(AuditEvent.seq)).where(
            AuditEvent.action == PIN, AuditEvent.entity_type == KIND
        )
    )


def signature_problem(session: Session, log_id: str, point: AuditCheckpoint) -> Problem | None:
    """Why the checkpoint the log begins at is not one the pinned endpoint signed,
    when it should be (None: signed, or made before any key was pinned)."""
    held = pinned(session)
    first = first_pin(session)
    if held is None:
        if first is None and point.signature is None:
            return None  # this PC never pinned an endpoint's key
        return point.seq + 1, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the cloud endpoint's key this PC pinned was removed from the file, so "
                "the checkpoint the log begins at cannot be checked",
            )
        )
    if point.signature is None:
        # The pin event under the chain, not only the row (which a script may delete
        # to have the key pinned again, at a later event).
        earliest = pins(session)[0].pinned_seq
        since = earliest if first is None else min(first, earliest)
        if point.anchor_seq < since:
            return None  # cut before this PC pinned the endpoint's key
        return point.seq + 1, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the log begins with a checkpoint the cloud endpoint should have signed "
                "and did not: its first events were removed outside the retention sweep",
            )
        )
    if not by_key_of_its_time(
        session, of_checkpoint(log_id, point), point.signature, point.signed_by
    ):
        return point.seq + 1, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the log begins with a checkpoint whose signature is not the cloud "
                "endpoint's: its first events were removed outside the retention sweep",
            )
        )
    return None


def by_key_of_its_time(
    session: Session, proposal: Proposal, signature: str, signed_by: str | None
) -> bool:
    """Whether ``signature`` over ``proposal`` is by the key this PC pinned when the
    anchor it stands on was taken (:func:`key_at`), named as that key, and that key is
    the one its pinning event names: the check ``audit verify`` makes of the checkpoint
    the log begins at, and the sweep makes before it cuts behind one."""
    key = key_at(session, proposal.anchor_seq)
    if key is None:
        return False  # no key pinned
    return (
        signed_by == key.public_key
        and not _unlike_its_event(session, key)
        and signed(key.public_key, proposal.message(), signature)
    )


def _unlike_its_event(session: Session, key: AuditNotary) -> bool:
    """Whether the log still holds the pinning of ``key`` and it names another key (the
    row is not under the chain's hashes; the event is)."""
    event = session.get(AuditEvent, key.pinned_seq)
    if event is None:
        return False  # cut since: earlier sweeps checked it
    return (event.action, event.entity_type, event.entity_id) != (PIN, KIND, key.public_key[:36])
