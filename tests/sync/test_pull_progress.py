"""A round reports its download as it goes: the records pulled so far, after each
page, through the callback it is given (the join wizard's count), like other long
work. A real endpoint on loopback, pages of two records."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from faultkit import BlankPcs, first_pc
from serverkit import Endpoint

from receptionist.clock import FixedClock
from receptionist.ops.patients import NewPatient, add
from sync import client, cloud
from sync import round as rounds
from sync.server.commands import NewClinic


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_round_tells_its_callback_the_records_pulled_after_each_page(
    endpoint: Endpoint, new_clinic: NewClinic, tmp_path: Path, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch, blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    a = first_pc(tmp_path / "a", clock)
    cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
    for given in ("Ayşe", "Omar", "Layla", "Deniz", "Selin"):
        add(a.db, a.admin(), NewPatient(given, "Yılmaz"))
    cloud.sync_once(a.db, clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        monkeypatch.setattr(client, "PULL_LIMIT", 2)
        told: list[int] = []
        with cloud.client_for(b.db) as endpoint_client:
            done = rounds.run(b.db, endpoint_client, clock, told.append)
        assert done.pulled >= 5
        assert told[-1] == done.pulled
        assert told == sorted(told) and len(told) >= done.pulled // 2, "once a page"
        assert all(later - earlier <= 2 for earlier, later in pairwise(told))
        # sync_once hands its callback to the round: nothing new, one empty page.
        said: list[int] = []
        assert cloud.sync_once(b.db, clock, said.append).pulled == 0
        assert said == [0]
    finally:
        a.db.close()
        b.db.close()
