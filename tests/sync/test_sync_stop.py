"""Closing the app (or stopping ``receptionist service``) while cloud sync downloads
(#14): the round ends before its next page, never inside one. The page under way is
applied with its cursor, nothing after it is; the run reads "stopped", the last sync's
time is not moved (the round did not end), and the next round goes on from that
cursor to the end. Before, the round ran through every page while the app waited. A
real endpoint on loopback, pages of two records, the runner and the cloud sync job."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from faultkit import BlankPcs, first_pc
from serverkit import Endpoint
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.jobs import due
from receptionist.jobs.runner import Runner
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add
from sync import client, cloud
from sync.jobs import CLOUD_SYNC
from sync.server.commands import NewClinic


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sync_asked_to_stop_ends_after_the_page_under_way_and_the_next_goes_on(
    endpoint: Endpoint, new_clinic: NewClinic, tmp_path: Path, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch, blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    a = first_pc(tmp_path / "a", clock)
    cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
    for given in ("Deniz", "Selin", "Layla"):
        add(a.db, a.admin(), NewPatient(given, "Yılmaz"))
    cloud.sync_once(a.db, clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        monkeypatch.setattr(client, "PULL_LIMIT", 2)
        synced_before = replica.status(b.db).last_sync_at
        runner = Runner([CLOUD_SYNC])
        real = replica.apply_pull
        cursors: list[int] = []

        def applied(*args: Any, **kwargs: Any) -> Any:
            done = real(*args, **kwargs)
            cursors.append(args[4])  # the page's cursor, applied with it
            runner.stopping.set()  # the app closes while the first page is written
            return done

        monkeypatch.setattr(replica, "apply_pull", applied)
        clock.advance(minutes=10)

        ran = runner.run_now(b.db, clock, CLOUD_SYNC.name)

        assert ran is not None and ran.outcome == "stopped" and ran.error == "", ran
        assert len(cursors) == 1, "no page after the one under way"
        assert ran.counts["pulled"] == 2
        now = replica.status(b.db)
        assert replica.position(b.db)[0] == cursors[0], "the cursor at the page applied"
        assert now.last_sync_at == synced_before, "a round stopped is no sync that ended"
        with b.db.read() as s:
            assert due.due(s, CLOUD_SYNC, clock.now()) is not None, "owed at the next start"
        monkeypatch.setattr(replica, "apply_pull", real)

        again = Runner([CLOUD_SYNC]).run_due(b.db, clock)  # the app's next start

        assert [r.outcome for r in again] == ["ok"]
        assert again[0].counts["pulled"] > 0
        with a.db.read() as s, b.db.read() as t:
            names = "SELECT given_name FROM patient ORDER BY given_name"
            assert list(t.execute(text(names)).scalars()) == list(
                s.execute(text(names)).scalars()
            ), "the next round went on to the end"
        assert replica.status(b.db).last_sync_at == clock.now()
    finally:
        a.db.close()
        b.db.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sync_asked_to_stop_while_it_pushes_ends_after_the_batch_under_way(
    endpoint: Endpoint, new_clinic: NewClinic, tmp_path: Path, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The push side: the batch under way gets its answer and is marked sent, no other
    goes; the changes not sent wait, and the next round sends them, each once."""
    a = first_pc(tmp_path / "a", clock)
    try:
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        cloud.sync_once(a.db, clock)  # the clinic uploaded: what follows is pushed
        for given in ("Deniz", "Selin", "Layla", "Emre", "Ece"):
            add(a.db, a.admin(), NewPatient(given, "Yılmaz"))
        waiting = replica.status(a.db).waiting
        assert waiting > 2
        monkeypatch.setattr(replica, "next_batch", functools.partial(replica.next_batch, limit=2))
        runner = Runner([CLOUD_SYNC])
        real = replica.answered
        answers: list[int] = []

        def answered(*args: Any, **kwargs: Any) -> None:
            real(*args, **kwargs)
            answers.append(args[1])
            runner.stopping.set()  # the app closes while the first batch is answered

        monkeypatch.setattr(replica, "answered", answered)
        clock.advance(minutes=10)

        ran = runner.run_now(a.db, clock, CLOUD_SYNC.name)

        assert ran is not None and ran.outcome == "stopped", ran
        assert len(answers) == 1 and ran.counts["pushed"] == 2
        assert replica.status(a.db).waiting == waiting - 2, "the rest wait, unsent"
        monkeypatch.setattr(replica, "answered", real)

        again = Runner([CLOUD_SYNC]).run_due(a.db, clock)

        assert [(r.outcome, r.counts["pushed"]) for r in again] == [("ok", waiting - 2)]
        assert replica.status(a.db).waiting == 0
    finally:
        a.db.close()
