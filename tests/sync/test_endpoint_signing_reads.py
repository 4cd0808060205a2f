"""The endpoint reads its signing key once per checkpoint it signs, inside the request's
one transaction (issue #14): before, every signing request opened a second transaction
of its own just to read the public key (and a third, on the first request, to make
it). The key is not cached in the process: one the operator replaced signs from the
next request on. SQLite and PostgreSQL, counted on the engine's own connections."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from serverkit import Endpoint, Joined
from sqlalchemy import event, text

from receptionist.journal.notary import Proposal
from sync.server import notary
from sync.server.auth import Caller
from sync.server.bodies import CheckpointIn

HEAD = "b" * 64


@dataclass
class Counted:
    transactions: int = 0
    statements: list[str] = field(default_factory=list)

    def about(self, table: str) -> int:
        return sum(table in s for s in self.statements)


@contextmanager
def counting(endpoint: Endpoint) -> Iterator[Counted]:
    """The transactions begun and the statements sent on the endpoint's engine."""
    engine, seen = endpoint.store.engine, Counted()

    def begun(_conn: Any) -> None:
        seen.transactions += 1

    def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.statements.append(statement)

    event.listen(engine, "begin", begun)
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begun)
        event.remove(engine, "before_cursor_execute", sent)


def _anchored(endpoint: Endpoint, pc: Joined) -> tuple[Caller, CheckpointIn]:
    """The PC's anchor on the endpoint, and a checkpoint it vouches for."""
    at = endpoint.clock.now()
    kept = pc.http.post("/v1/anchors", json={
        "log_id": pc.clinic_id, "events": 40, "head_seq": 40, "head_hash": HEAD,
        "taken_at": at.isoformat(),
    })  # fmt: skip
    assert kept.status_code == 200, kept.text
    body = CheckpointIn(log_id=pc.clinic_id, seq=3, hash="a" * 64, at=at - timedelta(days=400),
                        anchor_seq=40, anchor_hash=HEAD)  # fmt: skip
    return Caller(pc.device_id, pc.clinic_id, pc.code, None), body


def _signed_by(public: str, body: CheckpointIn, signature: str) -> bool:
    proposal = Proposal(body.log_id, body.seq, body.hash, body.at, body.anchor_seq,
                        body.anchor_hash)  # fmt: skip
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
    try:
        key.verify(base64.b64decode(signature), proposal.message())
    except Exception:
        return False
    return True


def test_a_signing_request_reads_the_key_once_in_its_one_transaction(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    who, body = _anchored(endpoint, first_pc)
    with counting(endpoint) as seen:
        signed = notary.sign(endpoint.store, who, body, endpoint.clock)
    assert seen.transactions == 1, seen.statements
    assert seen.about("signing_key") == 1, seen.statements
    assert _signed_by(signed.public_key, body, signed.signature)


def test_a_replaced_key_signs_from_the_next_request_and_a_missing_one_is_made(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    who, body = _anchored(endpoint, first_pc)
    before = notary.sign(endpoint.store, who, body, endpoint.clock).public_key
    with endpoint.store.write() as conn:  # the operator lost the key
        conn.execute(text("DELETE FROM signing_key"))
    made = notary.sign(endpoint.store, who, body, endpoint.clock)
    assert made.public_key != before and _signed_by(made.public_key, body, made.signature)
    assert notary.ensure_key(endpoint.store, endpoint.clock) == made.public_key
    with counting(endpoint) as seen:  # once made, one transaction again
        again = notary.sign(endpoint.store, who, body, endpoint.clock)
    assert again.public_key == made.public_key and seen.transactions == 1
