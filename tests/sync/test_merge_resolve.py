"""Two PCs edit different fields of one patient offline: the endpoint records the
second push as a conflict, and the PC that merges it (no field clashes) closes it for
all with ``resolve``. When that resolve goes unanswered, the conflict must still
close on both PCs: the merge is recorded as a resolution still to send, in the same
transaction as the merge, and sent again (the endpoint takes it once) next round."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from faultkit import free_port
from serverkit import Endpoint, LosingProxy
from sqlalchemy import select
from test_two_pcs import Pc, _patient, settle

from receptionist.models import Patient, SyncConflict
from receptionist.ops import conflicts, replica
from receptionist.patients import record as patients
from sync import cloud
from sync import round as rounds
from sync.client import Client
from sync.round import Unreachable


class LosesResolve:
    """An endpoint whose ``resolve`` answers are lost; all else goes through."""

    def __init__(self, client: Client, lossy: Client) -> None:
        self.client, self.lossy = client, lossy

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def resolve(self, conflict_id: str, resolution: str, forgotten: Sequence[str] = ()) -> None:
        self.lossy.resolve(conflict_id, resolution, forgotten)


def _conflicts(pc: Pc) -> list[tuple[str, bool, str]]:
    with pc.db.read() as s:
        rows = s.scalars(select(SyncConflict).where(SyncConflict.kind == "edit"))
        return [(r.id, r.resolved_at is not None, r.resolution) for r in rows]


@pytest.mark.parametrize("lost", ["answer", "request"])
def test_a_merge_whose_resolve_was_not_answered_closes_the_conflict_on_both_pcs(
    endpoint: Endpoint,
    joined: tuple[Pc, Pc],
    lost: str,
) -> None:
    """``answer``: the endpoint closed the conflict, the PC did not hear it;
    ``request``: the endpoint never heard of it (the network went at that moment)."""
    a, b = joined
    ayse = _patient(a, "ayse")
    with a.db.write() as s:
        patients.update_patient(s, a.ctx, ayse, phone="05329998877")
    with b.db.write() as s:
        patients.update_patient(s, a.ctx, ayse, notes="Prefers mornings")
    cloud.sync_once(a.db, a.ctx.clock)
    proxy = LosingProxy(endpoint.url)
    lossy_url = proxy.url if lost == "answer" else f"http://127.0.0.1:{free_port()}"
    try:
        token = replica.token(b.db)
        with (
            Client(endpoint.url, token) as client,
            Client(lossy_url, token) as lossy,
            pytest.raises(Unreachable),
        ):
            rounds.run(b.db, LosesResolve(client, lossy), b.ctx.clock)
    finally:
        proxy.close()
    assert bool(proxy.lost) == (lost == "answer"), "the endpoint closed it, or never heard"
    (merged,) = _conflicts(b)
    assert merged[1] and conflicts.unsent(b.db) == [(merged[0], "merged")], "kept to send"

    settle(a, b)

    for pc in (a, b):
        assert _conflicts(pc) == [(merged[0], True, "merged")]
        assert conflicts.unsent(pc.db) == []
        with pc.db.read() as s:
            row = s.get(Patient, ayse)
            assert row is not None and (row.phone, row.notes) == (
                "+905329998877",
                "Prefers mornings",
            )
