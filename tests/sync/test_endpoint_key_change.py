"""The audit log's signatures when the endpoint's key changes, the PC moves, or the PC
is revoked (issue #14), with real endpoints on loopback.

- A sync round never pins another key: it records and says that the endpoint signs
  with another key, and the sweep, its job and `audit verify` say why audit events
  wait and what to do; once the endpoint's key is back, they are cut again.
- Only a person's connect pins a new key, audited, after the old one; the checkpoints
  the old key signed still verify, and a key put in the pinned row by a script does
  not make its signature good.
- A revoked PC cuts nothing again, and says why; claiming to have left sync does not
  let it cut unsigned. A revoked PC that joins again (a new data folder) is a new
  device, pins the key again, and the endpoint vouches for its log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pairkit import PairTemplates
from serverkit import Endpoint, endpoint_at
from sqlalchemy import func, select, text
from templates import MemoryKeyring
from test_checkpoint_signature import SECRET, Pc, endpoint_key, old_pc, swept, synced, verify
from test_retention_tokens import LockedKeyring

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.errors import UnlockError
from receptionist.jobs.core import sweep as sweep_job
from receptionist.journal import audit, notary
from receptionist.models import AuditCheckpoint, AuditEvent
from receptionist.ops import audit as audit_ops
from receptionist.ops import auditwait, replica, retention
from receptionist.ops.patients import NewPatient, add
from receptionist.store.vault import open_clinic
from sync import cloud
from sync.cli import main
from sync.notary import OTHER_KEY
from sync.server.commands import NewClinic, add_clinic

__all__ = ["old_pc", "swept", "synced"]  # fixtures, from the signature tests


def replace_key(endpoint: Endpoint) -> tuple[object, ...]:
    """The operator lost the endpoint's signing key: a new one is made at the next ask."""
    with endpoint.store.write() as conn:
        row = tuple(conn.execute(text("SELECT * FROM signing_key")).one())
        conn.execute(text("DELETE FROM signing_key"))
    return row


def put_back(endpoint: Endpoint, row: tuple[object, ...]) -> None:
    with endpoint.store.write() as conn:
        conn.execute(text("DELETE FROM signing_key"))
        conn.execute(
            text("INSERT INTO signing_key VALUES (:id, :private, :public, :at)"),
            dict(zip(("id", "private", "public", "at"), row, strict=True)),
        )


def events(pc: Pc, action: str) -> int:
    with pc.db.read() as s:
        found = s.scalar(select(func.count()).where(AuditEvent.action == action))
        return int(found or 0)


def test_a_changed_key_is_never_pinned_by_a_round_and_the_waiting_is_said(
    endpoint: Endpoint,
    synced: Pc,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pinned = audit_ops.pinned_endpoint(synced.db)
    old = replace_key(endpoint)
    clock = FixedClock(synced.now)
    done = cloud.sync_once(synced.db, clock)
    assert done.notary_problem == OTHER_KEY
    cloud.sync_once(synced.db, clock)  # said again, recorded once
    assert audit_ops.pinned_endpoint(synced.db) == pinned != endpoint_key(endpoint)
    assert events(synced, notary.OTHER) == 1
    swept = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert swept.counts.get("audit_event", 0) == 0 and swept.audit_waiting > 0
    assert swept.audit_waiting_why is not None
    assert swept.audit_waiting_why.code == "endpoint_key_changed"
    counts = sweep_job(synced.db, clock)  # the nightly job's run, as Settings > Jobs keeps it
    assert counts["audit_waiting_endpoint_key_changed"] == 1 and counts["audit_waiting"] > 0
    # `audit verify` says it too (the log itself is fine).
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(synced.db.path.parent))
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", SECRET)
    synced.db.close()
    assert main(["--json", "audit", "verify"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ok"] and shown["audit_waiting_why"]["code"] == "endpoint_key_changed"
    assert "operator" in shown["audit_waiting_why"]["message"]
    synced.db = open_clinic(synced.db.path.parent, env={"RECEPTIONIST_PASSPHRASE": SECRET})
    # The operator puts the key back: the next round says nothing, and the sweep cuts.
    put_back(endpoint, old)
    assert cloud.sync_once(synced.db, clock).notary_problem is None
    assert events(synced, notary.SAME) == 1
    assert auditwait.why(synced.db) is None
    again = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert again.counts["audit_event"] > 0 and again.audit_waiting_why is None
    assert verify(synced).ok, verify(synced).message


@pytest.fixture
def other_endpoint(tmp_path: Path, clock: FixedClock) -> Iterator[Endpoint]:
    with endpoint_at(f"sqlite:///{tmp_path / 'other.db'}", clock) as served:
        yield served


def test_only_a_persons_connect_pins_a_new_key_and_old_checkpoints_still_verify(
    endpoint: Endpoint, swept: Pc, other_endpoint: Endpoint
) -> None:
    """The clinic moves to another endpoint: its PC's sync state is gone (no way to
    leave sync exists; here by hand), and an administrator connects it to the new one."""
    old_key = endpoint_key(endpoint)
    with swept.db.write() as s:
        for table in ("sync_key", "sync_state"):
            s.execute(text(f"DELETE FROM {table}"))
    code = add_clinic(str(other_endpoint.store.engine.url), "Moda", out=None).code
    cloud.connect(swept.db, swept.ctx(), other_endpoint.url, code, "FRONT-1")
    assert audit_ops.pinned_endpoint(swept.db) == endpoint_key(other_endpoint) != old_key
    with swept.db.read() as s:
        assert [p.public_key for p in notary.pins(s)] == [old_key, endpoint_key(other_endpoint)]
        by = s.scalars(select(AuditEvent.source).where(AuditEvent.action == notary.PIN)).all()
    assert by == ["ui", "ui"], "each pinning is a person's (not a sync round's), audited"
    assert verify(swept).ok, verify(swept).message  # the old key's checkpoint still holds
    cloud.sync_once(swept.db, FixedClock(swept.now))
    assert cloud.sync_once(swept.db, FixedClock(swept.now)).notary_problem is None


def rogue() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, base64.b64encode(raw).decode()


def test_a_key_a_script_pins_does_not_make_its_signature_good(swept: Pc) -> None:
    """A script with the file's key puts its own key in the pinned row and signs the
    checkpoint the log begins at with it: the pinning event, under the chain, names
    the endpoint's key."""
    private, public = rogue()
    with swept.db.write() as s:
        s.execute(text("UPDATE audit_notary SET public_key = :k"), {"k": public})
        point = s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).first()
        assert point is not None
        clinic = audit.anchor(s, FixedClock(swept.now)).clinic_id
        message = notary.of_checkpoint(clinic, point).message()
        point.signature = base64.b64encode(private.sign(message)).decode()
        point.signed_by = public
    result = verify(swept)
    assert not result.ok and "not the cloud" in result.problem


@pytest.fixture
def second(
    tmp_path: Path, endpoint: Endpoint, synced: Pc, pair_templates: PairTemplates
) -> Iterator[Pc]:
    """A second PC of the clinic, joined with an invitation."""
    pc = _joined(tmp_path / "b", endpoint, synced, pair_templates)
    yield pc
    pc.db.close()


def _joined(root: Path, endpoint: Endpoint, first: Pc, pairs: PairTemplates) -> Pc:
    """A new PC's empty file in ``root`` (a copy of one made once a session, one for
    each folder name), joined and synced."""
    pairs.empty_pc(SECRET, root.name).copy_to(root)
    pc = Pc(open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": SECRET}), first.now)
    invitation = cloud.invite(first.db, first.ctx())
    cloud.join(pc.db, Ctx(SYSTEM, FixedClock(pc.now)), endpoint.url, invitation.code, "FRONT-2")
    cloud.sync_once(pc.db, FixedClock(pc.now))
    return pc


def _revoke(first: Pc, pc: Pc) -> None:
    code = replica.status(pc.db).device_code
    with cloud.client_for(first.db) as client:
        gone = [d for d in client.devices() if d["code"] == code]
        client.revoke(gone[0]["id"])
    with pytest.raises(UnlockError, match="revoked"):
        cloud.sync_once(pc.db, FixedClock(pc.now))


def test_a_revoked_pc_says_why_its_audit_events_wait(synced: Pc, second: Pc) -> None:
    assert auditwait.why(second.db) is None
    _revoke(synced, second)
    swept = retention.sweep(second.db, second.ctx(), second.db.path.parent)
    assert swept.audit_waiting_why is not None and swept.audit_waiting_why.code == "revoked"
    assert "join" in str(swept.audit_waiting_why.message)


def test_a_keychain_that_cannot_be_read_is_not_called_a_revocation(
    synced: Pc, memory_keyring: MemoryKeyring
) -> None:
    """A sweep from a session where the keychain is locked (cron, SSH, a login keychain
    not unlocked) cannot read the device token: that is not "revoked", whose advice is
    to join again into a new data folder."""
    assert auditwait.why(synced.db) is None
    keyring.set_keyring(LockedKeyring(memory_keyring))
    assert auditwait.why(synced.db) is None


def test_a_revoked_pc_that_joins_again_is_a_new_device_and_pins_again(
    tmp_path: Path, endpoint: Endpoint, synced: Pc, second: Pc, pair_templates: PairTemplates
) -> None:
    old_device = replica.status(second.db).device_code
    _revoke(synced, second)
    again = _joined(tmp_path / "b-again", endpoint, synced, pair_templates)
    try:
        assert replica.status(again.db).device_code != old_device
        assert audit_ops.pinned_endpoint(again.db) == endpoint_key(endpoint)
        with again.db.read() as s:
            head = audit.anchor(s, FixedClock(again.now))
        with cloud.client_for(again.db) as client:
            held = client.my_anchor()
            assert held is not None and held.head_seq == head.head_seq
            at = head.taken_at
            proposal = notary.Proposal(head.clinic_id, 1, "a" * 64, at, held.head_seq,
                                       held.head_hash)  # fmt: skip
            assert client.sign_checkpoint(proposal) is not None, "the endpoint vouches again"
        assert auditwait.why(again.db) is None
    finally:
        again.db.close()


def test_claiming_to_have_left_sync_cuts_nothing_unsigned(synced: Pc) -> None:
    """A script drops the PC's sync state and hands the sweep an anchor of its own: the
    pinning (under the chain) still asks every cut for the endpoint's signature."""
    with synced.db.read() as s:
        kept = audit.anchor(s, FixedClock(synced.now))
    with synced.db.write() as s:
        for table in ("sync_key", "sync_state"):
            s.execute(text(f"DELETE FROM {table}"))
    done = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent, audit_anchor=kept)
    assert done.counts.get("audit_event", 0) == 0 and done.audit_waiting > 0
    assert done.audit_waiting_why is not None
    assert done.audit_waiting_why.code == "not_syncing"


def as_older(endpoint: Endpoint) -> Any:
    """The endpoint as one not yet updated shows it: 404 to ``GET /v1/endpoint-key``
    (on connections made from now on); what it served before, to put back."""
    served = endpoint.server.config.loaded_app  # each new connection is handed it

    async def older(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/endpoint-key":
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b'{"detail":"Not Found"}'})
            return
        await served(scope, receive, send)

    endpoint.server.config.loaded_app = older
    return served


def test_an_endpoint_without_the_key_route_does_not_fail_a_round_that_synced(
    endpoint: Endpoint, synced: Pc
) -> None:
    """An endpoint not yet updated answers 404 to the key asked after each round: the
    round's work is done and reported; only the key's comparison waits (as when out of
    reach), and nothing is recorded about a key."""
    as_older(endpoint)
    with endpoint.client(replica.token(synced.db)) as http:
        assert http.get("/v1/endpoint-key").status_code == 404  # as an older endpoint
    add(synced.db, synced.ctx(), NewPatient("New", "Comer"))
    done = cloud.sync_once(synced.db, FixedClock(synced.now))
    assert done.pushed >= 1 and done.notary_problem is None
    assert events(synced, notary.OTHER) == 0
    assert replica.status(synced.db).connected


def test_a_pc_that_syncs_is_not_told_a_backup_lets_its_audit_events_go(
    synced: Pc, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the endpoint out of reach, the audit events of a PC that pinned its key
    wait for its signature: the sweep says that, not "make a backup, or give one with
    --audit-anchor" (neither counts for a PC that syncs)."""
    with synced.db.write() as s:
        s.execute(text("UPDATE sync_state SET server_url = 'http://127.0.0.1:9'"))
    swept = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert swept.audit_waiting > 0 and swept.audit_waiting_why is None
    assert swept.audit_by_endpoint
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(synced.db.path.parent))
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", SECRET)
    synced.db.close()  # the command opens the folder itself
    assert main(["sweep", "--dry-run"]) == 0  # a person's: the sweep may follow
    capsys.readouterr()
    # --clock-checked: the fixture's clock is not the command's (the machine's)
    assert main(["sweep", "--yes", "--clock-checked"]) == 0
    said = capsys.readouterr().out
    assert "audit events past their time were kept" in said
    assert "cloud endpoint" in said and "sync" in said
    assert "backup" not in said and "--audit-anchor" not in said


def test_a_connect_whose_key_is_not_shown_is_connected_and_pins_at_a_later_round(
    endpoint: Endpoint, new_clinic: NewClinic, old_pc: Pc
) -> None:
    """The connect registers the PC before it asks the endpoint's key: a refusal (an
    endpoint not yet updated) or no answer then must not fail a connect that happened
    (a second try is told "already connected"); the key is pinned at a later round."""
    served = as_older(endpoint)
    cloud.connect(old_pc.db, old_pc.ctx(), endpoint.url, new_clinic.code, "FRONT-1")
    assert replica.status(old_pc.db).connected
    assert audit_ops.pinned_endpoint(old_pc.db) is None
    assert cloud.sync_once(old_pc.db, FixedClock(old_pc.now)).pushed >= 0
    endpoint.server.config.loaded_app = served  # the endpoint updated
    cloud.sync_once(old_pc.db, FixedClock(old_pc.now))
    assert audit_ops.pinned_endpoint(old_pc.db) == endpoint_key(endpoint)
