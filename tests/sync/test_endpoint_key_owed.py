"""A connect that could not fetch the endpoint's key owes its pin, and the next round
that fetches the key makes it (issue #14), with a real endpoint on loopback whose key
route fails as a load balancer's does (503).

Before, a PC that had pinned a key already and was connected again (the endpoint's key
was replaced, and the clinic set up on it anew) while the key could not be fetched kept
the old key for good: every round said the endpoint signs with another key, the sweep
kept its audit events, and only another connect could pin it. Now the connect records,
in the log, that it owes the pin; the round pins it (audited, after the old key, which
still checks the checkpoints it signed), before it hands the endpoint its anchor. A
pin made after the round's anchor signs only checkpoints on a later anchor: the sweep
waits for one rather than cut behind a checkpoint `audit verify` would refuse.
"""

from __future__ import annotations

from typing import Any

from serverkit import Endpoint
from sqlalchemy import func, select, text
from test_checkpoint_signature import Pc, endpoint_key, old_pc, synced, verify

from receptionist.clock import FixedClock
from receptionist.journal import notary
from receptionist.models import AuditEvent
from receptionist.ops import audit as audit_ops
from receptionist.ops import auditwait, replica, retention
from sync import cloud
from sync.server.commands import add_clinic

__all__ = ["old_pc", "synced"]  # fixtures, from the signature tests


def failing_key(endpoint: Endpoint, times: int) -> list[int]:
    """The endpoint's key route answers 503 ``times`` times (on connections made from
    now on), then as before; the list fills with the statuses it gave."""
    served = endpoint.server.config.loaded_app
    given: list[int] = []

    async def flaky(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/endpoint-key":
            if given.count(503) < times:
                given.append(503)
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"text/html")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b"<h1>Bad gateway</h1>"})
                return
            given.append(200)
        await served(scope, receive, send)

    endpoint.server.config.loaded_app = flaky
    return given


def reconnect_with_a_new_key(endpoint: Endpoint, database_url: str, pc: Pc) -> str:
    """The operator replaced the endpoint's key and set the clinic up on it anew; the
    PC's sync state is gone (no way to leave sync exists: by hand) and an administrator
    connects it again. The key it was connected under before."""
    old = audit_ops.pinned_endpoint(pc.db)
    assert old == endpoint_key(endpoint)
    with endpoint.store.write() as conn:
        conn.execute(text("DELETE FROM signing_key"))
    code = add_clinic(database_url, "Moda", clock=endpoint.clock, out=None).code  # a new key
    with pc.db.write() as s:
        for table in ("sync_key", "sync_state"):
            s.execute(text(f"DELETE FROM {table}"))
    cloud.connect(pc.db, pc.ctx(), endpoint.url, code, "FRONT-1")
    assert replica.status(pc.db).connected
    return old


def events(pc: Pc, action: str) -> int:
    with pc.db.read() as s:
        return int(s.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


def pins(pc: Pc) -> list[tuple[str, str]]:
    with pc.db.read() as s:
        found = s.execute(
            select(AuditEvent.seq, AuditEvent.source).where(AuditEvent.action == notary.PIN)
        )
        sources = {seq: source for seq, source in found}
        return [(p.public_key, sources[p.pinned_seq]) for p in notary.pins(s)]


def test_a_reconnect_whose_key_fetch_failed_pins_it_at_the_next_round(
    endpoint: Endpoint, database_url: str, synced: Pc
) -> None:
    given = failing_key(endpoint, 1)
    old = reconnect_with_a_new_key(endpoint, database_url, synced)
    assert given == [503] and audit_ops.pinned_endpoint(synced.db) == old, "not fetched"
    assert events(synced, notary.OWED) == 1
    assert auditwait.why(synced.db) is None, "not said to be a changed key"
    done = cloud.sync_once(synced.db, FixedClock(synced.now))
    new = endpoint_key(endpoint)
    assert done.notary_problem is None and events(synced, notary.OTHER) == 0
    assert audit_ops.pinned_endpoint(synced.db) == new != old
    assert pins(synced) == [(old, "ui"), (new, "sync")], "after the old one, audited"
    assert not audit_ops.endpoint_owed(synced.db)
    # Pinned before the round's anchor: the sweep cuts behind the new key's signature.
    cut = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert cut.counts["audit_event"] > 0 and cut.audit_waiting == 0
    assert verify(synced).ok, verify(synced).message
    assert cloud.sync_once(synced.db, FixedClock(synced.now)).notary_problem is None


def test_a_pin_made_after_the_rounds_anchor_waits_for_the_next_anchor(
    endpoint: Endpoint, database_url: str, synced: Pc
) -> None:
    """The key fetched only after the round (the connect's and the round's first asks
    failed): the checkpoint on that round's anchor would be refused by `audit verify`
    (its anchor is before the new key's pinning), so the sweep cuts nothing until the
    next round hands the endpoint an anchor after it."""
    failing_key(endpoint, 2)
    old = reconnect_with_a_new_key(endpoint, database_url, synced)
    assert cloud.sync_once(synced.db, FixedClock(synced.now)).notary_problem is None
    assert audit_ops.pinned_endpoint(synced.db) == endpoint_key(endpoint) != old
    waited = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert waited.counts.get("audit_event", 0) == 0 and waited.audit_waiting > 0
    assert verify(synced).ok, verify(synced).message
    cloud.sync_once(synced.db, FixedClock(synced.now))
    cut = retention.sweep(synced.db, synced.ctx(), synced.db.path.parent)
    assert cut.counts["audit_event"] > 0 and cut.audit_waiting == 0
    assert verify(synced).ok, verify(synced).message


def test_an_owed_pin_of_the_key_pinned_already_is_settled_and_a_later_key_is_not_pinned(
    endpoint: Endpoint, database_url: str, synced: Pc
) -> None:
    """A reconnect to an endpoint under the key pinned already, whose fetch failed: the
    next round finds that key, so nothing is owed any longer. Before, nothing settled
    it (the pin of a key pinned already records nothing), and every round after, for
    good, pinned whatever key the endpoint showed: a replaced key was taken silently
    instead of said to be another."""
    given = failing_key(endpoint, 1)
    old = audit_ops.pinned_endpoint(synced.db)
    code = add_clinic(database_url, "Moda", clock=endpoint.clock, out=None).code
    with synced.db.write() as s:
        for table in ("sync_key", "sync_state"):
            s.execute(text(f"DELETE FROM {table}"))
    cloud.connect(synced.db, synced.ctx(), endpoint.url, code, "FRONT-1")
    assert given == [503] and audit_ops.endpoint_owed(synced.db)
    assert cloud.sync_once(synced.db, FixedClock(synced.now)).notary_problem is None
    assert audit_ops.pinned_endpoint(synced.db) == old == endpoint_key(endpoint)
    assert not audit_ops.endpoint_owed(synced.db), "settled: the key is the one pinned"
    with endpoint.store.write() as conn:  # the endpoint's key replaced, no connect
        conn.execute(text("DELETE FROM signing_key"))
    done = cloud.sync_once(synced.db, FixedClock(synced.now))
    assert endpoint_key(endpoint) != old
    assert done.notary_problem is not None, "another key, said so"
    assert audit_ops.pinned_endpoint(synced.db) == old, "never pinned silently"
    assert [key for key, _ in pins(synced)] == [old]


class KeyRoute:
    """The endpoint's key route as one not yet updated has it (404) while ``missing``;
    ``given`` fills with the statuses it gave."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.missing, self.given = True, list[int]()
        served = endpoint.server.config.loaded_app

        async def route(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/v1/endpoint-key":
                self.given.append(404 if self.missing else 200)
                if self.missing:
                    await send({"type": "http.response.start", "status": 404,
                                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
                    await send({"type": "http.response.body", "body": b'{"error": "not_found"}'})
                    return
            await served(scope, receive, send)

        endpoint.server.config.loaded_app = route


def test_an_endpoint_with_no_key_to_show_is_asked_once_a_round_while_the_pin_is_owed(
    endpoint: Endpoint, database_url: str, synced: Pc
) -> None:
    """An endpoint not yet updated answers 404 for its key: a round that owed the pin
    asked twice (before its work and after), for the same 404; now once. Once the
    endpoint shows its key, one request pins it (after the old one, audited)."""
    route = KeyRoute(endpoint)
    old = reconnect_with_a_new_key(endpoint, database_url, synced)
    assert route.given == [404] and audit_ops.endpoint_owed(synced.db)
    for _ in range(2):
        done = cloud.sync_once(synced.db, FixedClock(synced.now))
        assert done.notary_problem is None and audit_ops.endpoint_owed(synced.db)
    assert route.given == [404, 404, 404], "one request a round"
    assert audit_ops.pinned_endpoint(synced.db) == old
    route.missing = False  # the endpoint updated
    assert cloud.sync_once(synced.db, FixedClock(synced.now)).notary_problem is None
    assert route.given == [404, 404, 404, 200], "pinned with the key the round fetched"
    assert pins(synced) == [(old, "ui"), (endpoint_key(endpoint), "sync")]
    assert not audit_ops.endpoint_owed(synced.db) and events(synced, notary.OTHER) == 0
