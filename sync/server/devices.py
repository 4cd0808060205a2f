"""Devices: the first PC's connect, invitations and joins, key envelopes, the list, and
revocation.

A device's patient-number code is the next in the order A, B, ... Z, AA, ...: the
count of the clinic's devices so far, revoked ones included, so a code is never
handed out twice (patient numbers made under it stay unique).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from receptionist.clock import Clock
from receptionist.freetext import clean_text
from receptionist.models import new_id

from . import bodies, destroyed
from .auth import Caller, locked_device
from .credentials import connect_code_digest, device_code, digest, new_invite_id, new_token
from .problems import bad_request, code_refused, not_found
from .schema import clinic, connect_code, device, invitation, key_envelope
from .spent import USED_KEY, forget_spent
from .store import Store, lock_clinic

CONNECT_CODE_LIFE = timedelta(hours=24)


def connect(store: Store, body: bodies.ConnectIn, clock: Clock) -> bodies.Joined:
    """The clinic's first PC registers with the operator's one-time connect code."""
    name, public_key = _device_name(body.name), _public_key(body.public_key)
    now = clock.now()
    with store.write() as conn:
        code = conn.execute(
            select(connect_code)
            .where(connect_code.c.code_hash == connect_code_digest(body.code))
            .with_for_update()
        ).first()
        _usable(code, now, "connect code")
        assert code is not None
        joined = _register(conn, code.clinic_id, name, public_key, now)
        conn.execute(
            update(connect_code)
            .where(connect_code.c.code_hash == code.code_hash)
            .values(used_at=now, used_by=joined.device_id)
        )
        forget_spent(conn, code.clinic_id, now)
    return joined


def invite(
    store: Store, who: Caller, body: bodies.InvitationIn, clock: Clock
) -> bodies.InvitationOut:
    """Keep the clinic key as the inviting PC wrapped it; hand out the invitation's id."""
    invite_id, now = new_invite_id(), clock.now()
    expires = now + timedelta(hours=body.hours)
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        conn.execute(
            insert(invitation).values(
                id_hash=digest(invite_id), clinic_id=who.clinic_id, created_by=who.id,
                wrapped_key=body.wrapped_key, created_at=now, expires_at=expires,
            )
        )  # fmt: skip
        forget_spent(conn, who.clinic_id, now)
    return bodies.InvitationOut(invite_id=invite_id, expires_at=expires)


def join(store: Store, body: bodies.JoinIn, clock: Clock) -> bodies.Joined:
    """Another PC registers with an invitation; it gets the wrapped clinic key once."""
    name, public_key = _device_name(body.name), _public_key(body.public_key)
    now = clock.now()
    with store.write() as conn:
        found = conn.execute(
            select(invitation)
            .where(invitation.c.id_hash == digest(body.invite_id))
            .with_for_update()
        ).first()
        _usable(found, now, "invitation")
        assert found is not None
        joined = _register(conn, found.clinic_id, name, public_key, now)
        conn.execute(
            update(invitation)
            .where(invitation.c.id_hash == found.id_hash)
            .values(used_at=now, used_by=joined.device_id, wrapped_key="")
        )
        destroyed.note(conn, found.clinic_id, now, destroyed.INVITATION_KEY, 1, USED_KEY)
        forget_spent(conn, found.clinic_id, now)
    return joined.model_copy(update={"wrapped_key": found.wrapped_key})


def _usable(row: Row[Any] | None, now: datetime, what: str) -> None:
    if row is None:
        raise code_refused("unknown_code", what)
    if row.used_at is not None:
        raise code_refused("used", what)
    if row.expires_at <= now:
        raise code_refused("expired", what)


def _register(
    conn: Connection, clinic_id: str, name: str, public_key: str, now: datetime
) -> bodies.Joined:
    place = lock_clinic(conn, clinic_id)
    count = conn.scalar(select(func.count()).where(device.c.clinic_id == clinic_id)) or 0
    token, device_id, code = new_token(), new_id(), device_code(count)
    conn.execute(
        insert(device).values(
            id=device_id, clinic_id=clinic_id, name=name, code=code,
            token_hash=digest(token), public_key=public_key, created_at=now,
            last_seq=0, last_seen_at=now,
        )
    )  # fmt: skip
    return bodies.Joined(
        clinic_id=clinic_id, clinic_name=place.name, device_id=device_id, device_code=code,
        token=token,
    )  # fmt: skip


def _device_name(name: str) -> str:
    cleaned = clean_text(name, "name", 100, lines=False)
    if not cleaned:
        raise bad_request("name", "the device's name is empty")
    return cleaned


def _public_key(text: str) -> str:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise bad_request("public_key", "it must be an X25519 public key (32 bytes) in base64")
    return text


def list_devices(store: Store, who: Caller) -> bodies.DevicesOut:
    with store.read() as conn:
        rows = conn.execute(
            select(device).where(device.c.clinic_id == who.clinic_id).order_by(device.c.code)
        ).all()
    return bodies.DevicesOut(devices=[device_out(row) for row in rows])


def device_out(row: Row[Any]) -> bodies.DeviceOut:
    return bodies.DeviceOut(
        id=row.id, name=row.name, code=row.code, public_key=row.public_key,
        created_at=row.created_at, revoked_at=row.revoked_at, last_seen_at=row.last_seen_at,
        last_seq=row.last_seq,
    )  # fmt: skip


def revoke(store: Store, who: Caller, device_id: str, clock: Clock) -> bodies.DeviceOut:
    """Revoke a device of the caller's clinic at once (again: nothing changes)."""
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        target = _clinic_device(conn, who, device_id)
        if target.revoked_at is None:
            conn.execute(
                update(device).where(device.c.id == device_id).values(revoked_at=clock.now())
            )
        forget_spent(conn, who.clinic_id, clock.now())
        row = conn.execute(select(device).where(device.c.id == device_id)).one()
    return device_out(row)


def _clinic_device(conn: Connection, who: Caller, device_id: str) -> Row[Any]:
    """A device of the caller's clinic; 404 for another clinic's, as for none."""
    row = conn.execute(
        select(device).where(device.c.id == device_id, device.c.clinic_id == who.clinic_id)
    ).first()
    if row is None:
        raise not_found("device")
    return row


def put_envelopes(
    store: Store, who: Caller, body: bodies.EnvelopesIn, clock: Clock
) -> bodies.EnvelopesOut:
    """Store key envelopes for devices of the caller's clinic, all or none. An envelope
    for a revoked device is refused: it must not read what is written after."""
    now = clock.now()
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        for i, envelope in enumerate(body.envelopes):
            target = _clinic_device(conn, who, envelope.device_id)
            if target.revoked_at is not None:
                raise bad_request(f"envelopes.{i}.device_id", "that device was revoked")
            _upsert_envelope(conn, envelope, now)
    return bodies.EnvelopesOut(
        envelopes=[
            bodies.EnvelopeOut(
                device_id=e.device_id, generation=e.generation, blob=e.blob, created_at=now
            )
            for e in body.envelopes
        ]
    )


def _upsert_envelope(conn: Connection, envelope: bodies.EnvelopeIn, now: datetime) -> None:
    where = (
        key_envelope.c.device_id == envelope.device_id,
        key_envelope.c.generation == envelope.generation,
    )
    if conn.execute(select(key_envelope.c.device_id).where(*where)).first() is None:
        conn.execute(
            insert(key_envelope).values(
                device_id=envelope.device_id, generation=envelope.generation,
                blob=envelope.blob, created_at=now,
            )
        )  # fmt: skip
    else:
        conn.execute(update(key_envelope).where(*where).values(blob=envelope.blob, created_at=now))


def my_envelopes(store: Store, who: Caller) -> bodies.EnvelopesOut:
    """The caller's own envelopes, oldest generation first."""
    with store.read() as conn:
        rows = conn.execute(
            select(key_envelope)
            .where(key_envelope.c.device_id == who.id)
            .order_by(key_envelope.c.generation)
        ).all()
    return bodies.EnvelopesOut(
        envelopes=[
            bodies.EnvelopeOut(
                device_id=r.device_id,
                generation=r.generation,
                blob=r.blob,
                created_at=r.created_at,
            )
            for r in rows
        ]
    )


def new_clinic(conn: Connection, name: str, code: str, now: datetime) -> str:
    """Insert a clinic and its one-time connect code; its id."""
    clinic_id = new_id()
    conn.execute(
        insert(clinic).values(id=clinic_id, name=name, next_seq=1, horizon_seq=0, created_at=now)
    )
    conn.execute(
        insert(connect_code).values(
            code_hash=connect_code_digest(code), clinic_id=clinic_id, created_at=now,
            expires_at=now + CONNECT_CODE_LIFE,
        )
    )  # fmt: skip
    return clinic_id
