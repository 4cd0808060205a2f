"""The cloud endpoint's signature over an audit checkpoint, with a real endpoint on
loopback: a PC pins the endpoint's key when it connects (or, joined before, at its
next round); the retention sweep of a PC that syncs cuts only behind checkpoints the
endpoint signed after checking them against the newest anchor it holds of the PC;
`audit verify` accepts them and refuses a forged or missing signature; the endpoint
refuses to sign a checkpoint its anchor does not vouch for."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pairkit import make_old_pc, open_at
from serverkit import Endpoint
from sqlalchemy import select, text

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import audit, notary
from receptionist.journal.anchor import Anchor
from receptionist.models import AuditCheckpoint
from receptionist.ops import audit as audit_ops
from receptionist.ops import retention
from receptionist.store.storage import Database
from sync import cloud
from sync.notary import EndpointNotary
from sync.server import notary as server_notary
from sync.server.auth import Caller
from sync.server.bodies import CheckpointIn
from sync.server.commands import NewClinic
from sync.server.problems import ApiError

YEAR = timedelta(days=365)
SECRET = "a long enough passphrase"


@dataclass
class Pc:
    db: Database
    now: datetime

    def ctx(self, when: datetime | None = None) -> Ctx:
        return Ctx(Actor(None, "admin", "ui"), FixedClock(when or self.now))


@pytest.fixture
def old_pc(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    """A clinic opened twelve years before the endpoint's clock, with patients (on
    hold) added over the years: its oldest audit events are past their time."""
    pc = Pc(make_old_pc(tmp_path / "a", clock.now()), clock.now())
    yield pc
    pc.db.close()  # a test may have opened the folder again (pc.db)


@pytest.fixture
def synced(synced_pc: Path, endpoint: Endpoint, clock: FixedClock) -> Iterator[Pc]:
    """``old_pc`` connected and synced once (the endpoint holds an anchor): a copy of
    the one pairkit.make_synced_pc made once a session."""
    pc = Pc(open_at(synced_pc, SECRET, endpoint.url), clock.now())
    yield pc
    pc.db.close()  # a test may have opened the folder again (pc.db)


def endpoint_key(endpoint: Endpoint) -> str:
    with endpoint.store.read() as conn:
        return str(conn.execute(text("SELECT public_key FROM signing_key")).scalar_one())


def verify(pc: Pc) -> audit.VerifyResult:
    with pc.db.read() as s:
        return audit.verify(s, now=pc.now)


@pytest.fixture
def swept(synced: Pc) -> Pc:
    done = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert done.counts["audit_event"] > 0 and done.audit_waiting == 0
    return synced


def test_the_pc_pins_the_endpoints_key_when_it_connects(
    endpoint: Endpoint, new_clinic: NewClinic, old_pc: Pc
) -> None:
    """The connect itself, here (``synced`` is a copy of one made once a session)."""
    cloud.connect(old_pc.db, old_pc.ctx(), endpoint.url, new_clinic.code, "FRONT-1")
    assert audit_ops.pinned_endpoint(old_pc.db) == endpoint_key(endpoint)


def test_a_pc_joined_before_pins_the_key_at_its_next_round(endpoint: Endpoint, synced: Pc) -> None:
    with synced.db.write() as s:
        s.execute(text("DELETE FROM audit_notary"))
    cloud.sync_once(synced.db, FixedClock(synced.now))
    assert audit_ops.pinned_endpoint(synced.db) == endpoint_key(endpoint)


def test_the_sweep_cuts_behind_checkpoints_the_endpoint_signed(
    endpoint: Endpoint, swept: Pc
) -> None:
    with swept.db.read() as s:
        points = s.scalars(select(AuditCheckpoint)).all()
        assert points and all(p.signed_by == endpoint_key(endpoint) for p in points)
        clinic = audit.anchor(s, FixedClock(swept.now)).clinic_id
        for p in points:
            assert p.signature is not None
            message = notary.of_checkpoint(clinic, p).message()
            assert notary.signed(endpoint_key(endpoint), message, p.signature)
    assert verify(swept).ok, verify(swept).message
    # The next round's check of the endpoint's anchor passes too.
    assert cloud.sync_once(swept.db, FixedClock(swept.now)).audit_problem is None


def other_signature(message: bytes) -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return (
        base64.b64encode(key.sign(message)).decode(),
        base64.b64encode(public).decode(),
    )


@pytest.mark.parametrize("forgery", ["made_up", "other_key", "signed_as_other_key", "none"])
def test_a_forged_checkpoint_is_refused(swept: Pc, forgery: str) -> None:
    with swept.db.write() as s:
        point = s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).first()
        assert point is not None and point.signature is not None
        clinic = audit.anchor(s, FixedClock(swept.now)).clinic_id
        signature, key = other_signature(notary.of_checkpoint(clinic, point).message())
        if forgery == "made_up":
            point.signature = base64.b64encode(b"\x01" * 64).decode()
        elif forgery == "other_key":  # another endpoint's signature, named as ours
            point.signature = signature
        elif forgery == "signed_as_other_key":
            point.signature, point.signed_by = signature, key
        else:
            point.signature = point.signed_by = None
    result = verify(swept)
    assert not result.ok
    assert ("should have signed" if forgery == "none" else "not the cloud") in result.problem


def test_the_endpoint_refuses_a_checkpoint_its_anchor_does_not_vouch_for(synced: Pc) -> None:
    with synced.db.read() as s:
        head = audit.anchor(s, FixedClock(synced.now))
    with cloud.client_for(synced.db) as client:
        held = client.my_anchor()
        assert held is not None and held.head_seq == head.head_seq
        at = synced.now - 11 * YEAR
        good = notary.Proposal(head.clinic_id, 3, "a" * 64, at, held.head_seq, held.head_hash)
        assert client.sign_checkpoint(good) is not None
        for bad in (
            notary.Proposal(head.clinic_id, 3, "a" * 64, at, held.head_seq, "b" * 64),
            notary.Proposal(head.clinic_id, 3, "a" * 64, at, held.head_seq - 1, held.head_hash),
            notary.Proposal(
                head.clinic_id, held.head_seq, "a" * 64, at, held.head_seq, held.head_hash
            ),
            notary.Proposal("another-log", 3, "a" * 64, at, held.head_seq, held.head_hash),
        ):
            assert client.sign_checkpoint(bad) is None, bad


def test_without_the_endpoint_a_pc_that_syncs_cuts_nothing(synced: Pc) -> None:
    """A PC that pinned the endpoint's key, swept with the endpoint unreachable to it
    (no notary): an anchor a person gives is not enough; the events wait."""
    with synced.db.read() as s:
        kept = audit.anchor(s, FixedClock(synced.now))
    retention_sweep = retention.sweep
    done = retention_sweep(
        synced.db, synced.ctx(), synced.db.path.parent, audit_anchor=kept, signer=_Silent()
    )
    assert done.counts.get("audit_event", 0) == 0 and done.audit_waiting > 0


class _Silent:
    def held_anchor(self) -> None:
        return None

    def sign(self, proposal: notary.Proposal) -> None:
        return None


def test_with_the_endpoint_out_of_reach_the_sweep_goes_on_and_audit_events_wait(
    synced: Pc,
) -> None:
    with synced.db.write() as s:
        s.execute(text("UPDATE sync_state SET server_url = 'http://127.0.0.1:9'"))
    done = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert done.counts.get("audit_event", 0) == 0 and done.audit_waiting > 0
    assert verify(synced).ok


def test_removing_the_pinned_key_does_not_excuse_an_unsigned_checkpoint(swept: Pc) -> None:
    """A script with the file's key deletes the pinned key's row and the newest
    checkpoint's signature; the next round pins the key again, at a later event. The
    pin event kept in the chain still says since when checkpoints must be signed."""
    with swept.db.write() as s:
        s.execute(text("DELETE FROM audit_notary"))
        point = s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).first()
        assert point is not None
        point.signature = point.signed_by = None
    assert not verify(swept).ok  # no key pinned, but the log holds the pinning
    cloud.sync_once(swept.db, FixedClock(swept.now))  # pins again, at a later event
    result = verify(swept)
    assert not result.ok
    assert "should have signed" in result.problem


class _Garbled:
    """The endpoint as a broken proxy or a bad release shows it: its anchor, and a
    signature that is not one, named as the pinned key's."""

    def __init__(self, pc: Pc) -> None:
        self.real = EndpointNotary(pc.db)

    def held_anchor(self) -> Anchor | None:
        return self.real.held_anchor()

    def sign(self, proposal: notary.Proposal) -> tuple[str, str] | None:
        found = self.real.sign(proposal)
        assert found is not None
        return base64.b64encode(b"\x02" * 64).decode(), found[1]


def test_a_signature_that_does_not_verify_cuts_nothing(synced: Pc) -> None:
    """The sweep checks the signature before it cuts: a cut behind one that does not
    verify would leave a log `audit verify` refuses for good."""
    done = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent, signer=_Garbled(synced))
    assert done.counts.get("audit_event", 0) == 0 and done.audit_waiting > 0
    assert verify(synced).ok, verify(synced).message


def test_a_device_revoked_while_its_request_was_on_the_way_gets_no_signature(
    endpoint: Endpoint, synced: Pc
) -> None:
    """The caller's token was checked, then an admin revoked the device: the signature
    is refused under the clinic's lock, as an anchor would be."""
    with synced.db.read() as s:
        head = audit.anchor(s, FixedClock(synced.now))
    with endpoint.store.read() as conn:
        row = conn.execute(text("SELECT id, clinic_id, code FROM device")).one()
    who = Caller(row.id, row.clinic_id, row.code, None)
    body = CheckpointIn(
        log_id=head.clinic_id, seq=3, hash="a" * 64, at=synced.now - 11 * YEAR,
        anchor_seq=head.head_seq, anchor_hash=head.head_hash,
    )  # fmt: skip
    assert server_notary.sign(endpoint.store, who, body, endpoint.clock).signature
    with endpoint.store.write() as conn:
        conn.execute(text("UPDATE device SET revoked_at = created_at"))
    with pytest.raises(ApiError) as refused:
        server_notary.sign(endpoint.store, who, body, endpoint.clock)
    assert refused.value.status == 401


class _Keyed:
    """An endpoint as a PC reconnected to a new one may meet it: it holds an anchor of
    this PC taken before the new key was pinned, and signs with ``key``."""

    def __init__(self, held: Anchor, key: Ed25519PrivateKey) -> None:
        self.held, self.key = held, key

    def held_anchor(self) -> Anchor:
        return self.held

    def sign(self, proposal: notary.Proposal) -> tuple[str, str]:
        return base64.b64encode(self.key.sign(proposal.message())).decode(), public_of(self.key)


def public_of(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("signed_with", ["key_at_the_anchor", "newest_key"])
def test_the_sweep_checks_a_signature_with_the_key_audit_verify_uses(
    old_pc: Pc, signed_with: str
) -> None:
    """Two pins: key A, then (this PC connected to an endpoint with a new key) key B.
    The anchor the endpoint holds was taken between them: `audit verify` checks the
    checkpoint it vouches for with A (the key pinned at the anchor's time), so the
    sweep cuts behind A's signature, and behind B's cuts nothing (a cut there would
    leave a log `audit verify` refuses for good)."""
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with old_pc.db.write() as s:
        assert notary.pin(s, old_pc.ctx(), public_of(first))
    with old_pc.db.read() as s:
        held = audit.anchor(s, FixedClock(old_pc.now))
    with old_pc.db.write() as s:
        assert notary.pin(s, old_pc.ctx(), public_of(second), again=True)
    key = first if signed_with == "key_at_the_anchor" else second
    done = retention.sweep(old_pc.db, old_pc.ctx(), old_pc.db.path.parent, signer=_Keyed(held, key))
    if signed_with == "key_at_the_anchor":
        assert done.counts.get("audit_event", 0) > 0 and done.audit_waiting == 0
    else:
        assert done.counts.get("audit_event", 0) == 0 and done.audit_waiting > 0
    assert verify(old_pc).ok, verify(old_pc).message
