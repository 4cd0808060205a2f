"""The endpoint keeps destruction records of what its housekeeping removes (issue #14:
KVKK's erasure regulation asks for a record of each destruction, kept at least three
years): per clinic, UTC day, kind and rule, how many, first and last time; no ids, no
content. Expired and used invitations' keys, spent codes and invitations, revoked
devices' token hashes, unclaimed and stale chunks, purged tombstones and their
chunks. Records past three years go, and that is recorded too. The operator reads them
with `receptionist server destructions [--json]`. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from serverkit import Endpoint, Joined, join, push_body, record, serving, snapshot
from sqlalchemy import insert

from receptionist.clock import FixedClock
from sync.cli import main
from sync.server import destroyed
from sync.server.chunks import Unclaimed
from sync.server.commands import NewClinic
from sync.server.destroyed import Destroyed
from sync.server.schema import conflict, destruction
from sync.server.spent import GRACE


def records(endpoint: Endpoint) -> list[Destroyed]:
    with endpoint.store.read() as conn:
        return destroyed.read(conn)


def counts(endpoint: Endpoint) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for r in records(endpoint):
        found[r.kind, r.rule] = found.get((r.kind, r.rule), 0) + r.count
    return found


def test_spent_credentials_are_recorded_per_day_kind_and_rule(
    endpoint: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    expiring = first_pc.http.post("/v1/invitations", json={"wrapped_key": "a2V5", "hours": 1})
    assert expiring.status_code == 200
    second = join(endpoint, first_pc, "FRONT-2")  # uses another invitation: its key goes
    clock.advance(hours=2)
    with second.http:
        first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")  # the expired key goes
    assert counts(endpoint) == {
        ("invitation_key", "invitation used"): 1,
        ("invitation_key", "invitation expired"): 1,
    }
    day = clock.now().date().isoformat()
    assert {r.day for r in records(endpoint)} == {day}
    clock.advance(hours=GRACE.total_seconds() / 3600 + 1)
    first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")  # again: runs the rest
    later = counts(endpoint)
    assert later[("invitation", "used or expired, 7 days on")] == 2
    assert later[("connect_code", "used or expired, 7 days on")] == 1
    assert later[("device_token", "device revoked, 7 days on")] == 1
    # What was removed is named by kind and count only: no id, no hash, no content.
    text = json.dumps([r.as_json() for r in records(endpoint)], default=str)
    for secret in (second.device_id, second.token, first_pc.device_id, "a2V5"):
        assert secret not in text


def test_purged_tombstones_and_chunks_are_recorded(
    endpoint: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    chunk = {"entity": "patient_document", "id": "d-1", "version": 1, "index": 0,
             "count": 1, "key_gen": 1, "sealed": "A" * 40}  # fmt: skip
    assert first_pc.http.put("/v1/chunks", json=chunk).status_code == 200
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    gone = push_body(2, record("patient_document", "d-1", 2, deleted=True))
    gone["changes"][0]["base_version"] = 1
    first_pc.http.post("/v1/push", json=gone)  # its chunk goes with the record
    assert counts(endpoint) == {("chunk_stale", "record deleted or newer"): 1}
    never = dict(chunk, id="d-2")
    assert first_pc.http.put("/v1/chunks", json=never).status_code == 200  # no record comes
    clock.advance(days=91)
    assert first_pc.http.put("/v1/chunks", json=dict(chunk, id="d-3")).status_code == 200
    first_pc.http.post("/v1/push", json=push_body(3, record("patient", "p-1")))
    assert counts(endpoint) == {
        ("chunk_stale", "record deleted or newer"): 1,
        ("chunk_unclaimed", "unclaimed for 24 hours"): 1,
        ("tombstone", "tombstone older than 90 days"): 1,
    }
    assert {r.day for r in records(endpoint) if r.kind == "tombstone"} == {
        clock.now().date().isoformat()
    }


def test_a_run_rolled_back_records_nothing(
    endpoint: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    """A chunk refused (past its document's bound) rolls back the unclaimed chunks its
    run dropped: they are still there, and no record says they went."""
    chunk = {"entity": "patient_document", "id": "d-1", "version": 1, "index": 0,
             "count": 1, "key_gen": 1, "sealed": "A" * 400}  # fmt: skip
    bounds = Unclaimed(1000, timedelta(days=1), document=1000)
    with (
        serving(endpoint.store, clock, unclaimed=bounds) as tight,
        tight.client(first_pc.token) as mine,
    ):
        assert mine.put("/v1/chunks", json=chunk).status_code == 200
        clock.advance(days=2)
        big = dict(chunk, id="d-2", sealed="A" * 2000)
        assert mine.put("/v1/chunks", json=big).status_code == 413
        assert len(snapshot(endpoint.store)["chunk"]) == 1
        assert records(endpoint) == []
        assert mine.put("/v1/chunks", json=dict(chunk, id="d-3")).status_code == 200
    assert counts(endpoint) == {("chunk_unclaimed", "unclaimed for 24 hours"): 1}


def test_records_are_kept_three_years_then_go_and_that_is_recorded(
    endpoint: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    now = clock.now()
    with endpoint.store.write() as conn:
        for days, kind in ((3 * 365 + 2, "tombstone"), (3 * 365 - 1, "connect_code")):
            at = now - timedelta(days=days)
            conn.execute(insert(destruction).values(
                clinic_id=first_pc.clinic_id, day=at.date().isoformat(), kind=kind,
                rule="r", count=5, first_at=at, last_at=at,
            ))  # fmt: skip
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "a2V5"})  # a housekeeping run
    kinds = {(r.kind, r.count) for r in records(endpoint)}
    assert ("tombstone", 5) not in kinds, "past three years: gone"
    assert ("connect_code", 5) in kinds, "not yet three years: kept"
    assert ("destruction_record", 1) in kinds


@pytest.mark.parametrize("as_json", [True, False])
def test_the_operator_reads_them(
    endpoint: Endpoint,
    first_pc: Joined,
    new_clinic: NewClinic,
    database_url: str,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    as_json: bool,
) -> None:
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "a2V5", "hours": 1})
    clock.advance(hours=2)
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "bmV3"})
    args = ["server", "destructions", "--database", database_url, "--clinic", new_clinic.clinic_id]
    assert main([*args, "--since", clock.now().date().isoformat()] + (["--json"] * as_json)) == 0
    out = capsys.readouterr().out
    if as_json:
        shown = json.loads(out)
        assert [(r["kind"], r["count"], r["rule"]) for r in shown] == [
            ("invitation_key", 1, "invitation expired")
        ]
        assert shown[0]["day"] == clock.now().date().isoformat()
    else:
        assert "invitation_key: 1 (invitation expired)" in out
    assert main([*args, "--since", "2999-01-01"]) == 0
    assert "No destruction records" in capsys.readouterr().out


def test_a_bad_day_is_refused_naming_the_option(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["server", "destructions", "--database", database_url, "--since", "June"])
    assert code == 2 and "--since" in capsys.readouterr().err


def test_a_database_file_that_is_not_there_is_refused_not_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped path is not an endpoint that destroyed nothing: reading the records
    makes no new database there, and says which option to check."""
    missing = tmp_path / "endpiont.db"
    code = main(["server", "destructions", "--database", f"sqlite:///{missing}"])
    err = capsys.readouterr().err
    assert code == 2 and "--database" in err and str(missing) in err
    assert not missing.exists()


def test_a_clinic_the_endpoint_does_not_have_is_refused_naming_the_option(
    endpoint: Endpoint, first_pc: Joined, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped clinic id is not a clinic whose data nothing destroyed."""
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "a2V5"})
    args = ["server", "destructions", "--database", database_url, "--clinic", "5f0c-typo"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--clinic" in err and "5f0c-typo" in err


def test_an_erased_conflict_is_emptied_past_the_horizon_with_no_tombstone_to_purge(
    endpoint: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    """Her tombstones go at the first push past the horizon; the conflict closed as
    erased a day after them is past it a day later, when no tombstone is left to purge:
    its sealed records (her booking) still go then, not only with some later tombstone."""
    first_pc.http.post("/v1/push", json=push_body(1, record("patient", "p-1")))
    gone = push_body(2, record("patient", "p-1", 2, deleted=True), base=1)
    assert first_pc.http.post("/v1/push", json=gone).status_code == 200
    with endpoint.store.write() as conn:
        conn.execute(
            insert(conflict).values(
                id="c-1", clinic_id=first_pc.clinic_id, kind="overlap", entity="appointment",
                row_id="a-1", records=json.dumps([record("appointment", "a-1")]), seq=10_000,
                device_id=first_pc.device_id, created_at=clock.now(),
                resolved_at=clock.now() + timedelta(days=1), resolved_by=first_pc.device_id,
                resolution="erased",
            )
        )  # fmt: skip
    clock.advance(days=90, hours=12)
    first_pc.http.post("/v1/push", json=push_body(3, record("patient", "p-2")))
    assert counts(endpoint) == {("tombstone", "tombstone older than 90 days"): 1}
    clock.advance(days=1)
    first_pc.http.post("/v1/push", json=push_body(4, record("patient", "p-3")))
    assert snapshot(endpoint.store)["conflict"][0][5] == "[]"
    assert counts(endpoint)[("conflict_records", "tombstone older than 90 days")] == 1
