"""Audit anchors: each device hands the endpoint the head of its audit log at every
round, and the endpoint keeps every one (docs/sync-protocol.md, "Audit anchors").

The endpoint cannot read a PC's log, so it checks only what it can: an anchor never
goes back (a lower event number, or the same number with another hash) unless the PC
says an admin accepted the break, and that acceptance is kept with it. The PC checks
its log against the newest anchor before it sends the next one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select

from receptionist.clock import Clock
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import bodies
from .auth import Caller, locked_device
from .problems import ApiError
from .schema import audit_anchor
from .store import Store, lock_clinic


def mine(store: Store, who: Caller) -> bodies.MyAnchorOut:
    """The caller's newest anchor, or none."""
    with store.read() as conn:
        row = _newest(conn, who)
    return bodies.MyAnchorOut(anchor=_out(row) if row is not None else None)


def put(store: Store, who: Caller, body: bodies.AnchorIn, clock: Clock) -> bodies.AnchorOut:
    """Keep the caller's new anchor; 409 ``anchor_regressed`` for one that goes back
    without an accepted break. The same anchor again is kept once."""
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        newest = _newest(conn, who)
        if newest is not None and _same(newest, body):
            return _out(newest)
        if newest is not None and not body.accepted_break and _goes_back(newest, body):
            raise regressed(newest.head_seq)
        conn.execute(
            insert(audit_anchor).values(
                clinic_id=who.clinic_id, device_id=who.id, log_id=body.log_id,
                events=body.events, head_seq=body.head_seq, head_hash=body.head_hash,
                taken_at=body.taken_at, received_at=clock.now(),
                accepted_break=body.accepted_break,
            )
        )  # fmt: skip
        row = _newest(conn, who)
    assert row is not None
    return _out(row)


def newest_of(conn: Connection, who: Caller) -> Row[Any] | None:
    """The caller's newest anchor (None: none yet)."""
    return _newest(conn, who)


def _newest(conn: Connection, who: Caller) -> Row[Any] | None:
    return conn.execute(
        select(audit_anchor)
        .where(audit_anchor.c.device_id == who.id)
        .order_by(audit_anchor.c.id.desc())
        .limit(1)
    ).first()


def _same(row: Row[Any], body: bodies.AnchorIn) -> bool:
    return bool(
        row.log_id == body.log_id
        and row.head_seq == body.head_seq
        and row.head_hash == body.head_hash
        and row.events == body.events
    )


def _goes_back(row: Row[Any], body: bodies.AnchorIn) -> bool:
    return bool(
        row.log_id != body.log_id
        or body.head_seq < row.head_seq
        or (body.head_seq == row.head_seq and body.head_hash != row.head_hash)
    )


def regressed(head_seq: int) -> ApiError:
    return ApiError(
        409,
        "anchor_regressed",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "This anchor goes back before the one the endpoint holds (event {seq}): "
                "the PC's audit log was rewritten or restored. An admin must accept the "
                "break on the PC.",
            ),
            seq=head_seq,
        ),
        head_seq=head_seq,
    )


def _out(row: Row[Any]) -> bodies.AnchorOut:
    return bodies.AnchorOut(
        log_id=row.log_id, events=row.events, head_seq=row.head_seq,
        head_hash=row.head_hash, taken_at=row.taken_at, received_at=row.received_at,
        accepted_break=row.accepted_break,
    )  # fmt: skip
