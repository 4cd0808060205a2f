"""The endpoint's signature over a PC's audit checkpoint (docs/sync-protocol.md,
"Audit anchors"; docs/privacy.md, "Keeping audit events for a limited time").

The endpoint has one Ed25519 key, made once and kept in its database. A PC pins the
public key when it connects or joins. Before the PC's retention sweep cuts the
oldest events of its log, it proposes the checkpoint; the endpoint signs it only if
the newest anchor it holds of that device is the anchor the checkpoint stands on
(same log, event and hash) and lies past the cut. It cannot read the log: it vouches
that the checkpoint stands on the anchor it was handed, so a checkpoint a script
writes later, or one past an anchor the endpoint never saw, has no signature.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.exc import IntegrityError

from receptionist.clock import Clock
from receptionist.journal.notary import Proposal
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import bodies
from .anchors import newest_of
from .auth import Caller, locked_device
from .problems import ApiError
from .schema import signing_key
from .store import Store, lock_clinic


def ensure_key(store: Store, clock: Clock) -> str:
    """The endpoint's public key (base64), made on the first call."""
    with store.read() as conn:
        found = _public(conn)
    if found is not None:
        return found
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        with store.write() as conn:
            if _public(conn) is None:
                conn.execute(
                    insert(signing_key).values(
                        id=1, private_key=_b64(raw), public_key=_b64(public),
                        created_at=clock.now(),
                    )
                )  # fmt: skip
    except IntegrityError:
        pass  # another process made it first
    with store.read() as conn:
        made = _public(conn)
    assert made is not None
    return made


def public_key(store: Store, clock: Clock) -> bodies.EndpointKeyOut:
    return bodies.EndpointKeyOut(public_key=ensure_key(store, clock))


def sign(store: Store, who: Caller, body: bodies.CheckpointIn, clock: Clock) -> bodies.SignedOut:
    """The endpoint's signature over ``body``; 409 ``checkpoint_unvouched`` unless the
    newest anchor it holds of the caller is the checkpoint's, past its event. The key
    is read in the request's one transaction, never cached: one the operator replaced
    signs from the next request on. Only when none is held (removed from the database)
    is one made first, in transactions of its own (:func:`ensure_key`)."""
    anchor, key = _vouching(store, who)
    if key is None:
        ensure_key(store, clock)
        anchor, key = _vouching(store, who)
    if (
        anchor is None
        or anchor.log_id != body.log_id
        or anchor.head_seq != body.anchor_seq
        or anchor.head_hash != body.anchor_hash
        or body.anchor_seq <= body.seq
    ):
        raise unvouched(anchor.head_seq if anchor is not None else 0)
    assert key is not None
    proposal = Proposal(body.log_id, body.seq, body.hash, body.at, body.anchor_seq,
                        body.anchor_hash)  # fmt: skip
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(str(key.private_key)))
    signature = private.sign(proposal.message())
    return bodies.SignedOut(signature=_b64(signature), public_key=str(key.public_key))


def _vouching(store: Store, who: Caller) -> tuple[Row[Any] | None, Row[Any] | None]:
    """The newest anchor the endpoint holds of the caller, and its signing key (both
    halves), read in one transaction under the clinic's lock: a device revoked since
    its token was checked gets no signature."""
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        anchor = newest_of(conn, who)
        key: Row[Any] | None = conn.execute(
            select(signing_key).where(signing_key.c.id == 1)
        ).first()
    return anchor, key


def unvouched(head_seq: int) -> ApiError:
    return ApiError(
        409,
        "checkpoint_unvouched",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The endpoint does not sign this checkpoint: the newest anchor it holds of "
                "this PC (event {seq}) is not the one the checkpoint stands on. Sync, then "
                "run the sweep again.",
            ),
            seq=head_seq,
        ),
        head_seq=head_seq,
    )


def _public(conn: Connection) -> str | None:
    return conn.scalar(select(signing_key.c.public_key).where(signing_key.c.id == 1))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
