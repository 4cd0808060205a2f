"""The audit log's head kept on the cloud endpoint (issue #11, item 7): each round
hands it the head and checks the log against the anchor kept before, so someone who
holds the clinic's key and rewrites the log consistently is caught at the next sync;
a restore from a backup is accepted by an administrator, and the break stays on record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from serverkit import Endpoint, Joined
from sqlalchemy import select, text
from tamper import rechain
from test_cloud_cli import said

from receptionist.store.vault import open_clinic
from sync.cli import main
from sync.server.commands import NewClinic
from sync.server.schema import audit_anchor


@pytest.fixture
def connected(
    cli_first: Path, endpoint: Endpoint, new_clinic: NewClinic, capsys: pytest.CaptureFixture[str]
) -> Path:
    assert main(["cloud", "connect", "--server", endpoint.url, "--code", new_clinic.code]) == 0
    capsys.readouterr()
    return cli_first


def anchors(endpoint: Endpoint) -> list[tuple[int, bool]]:
    with endpoint.store.read() as conn:
        rows = conn.execute(
            select(audit_anchor.c.head_seq, audit_anchor.c.accepted_break).order_by(
                audit_anchor.c.id
            )
        ).all()
    return [(r.head_seq, r.accepted_break) for r in rows]


def rewrite_first_event(root: Path) -> None:
    """What a key holder's script does: change an old event, recompute every hash."""
    db = open_clinic(root)
    try:
        with db.write() as s:
            s.execute(text("UPDATE audit_event SET source = 'app' WHERE seq = 1"))
            rechain(s)
    finally:
        db.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_round_hands_the_endpoint_the_logs_head(
    connected: Path, endpoint: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    first = anchors(endpoint)
    assert len(first) == 1 and first[0][1] is False
    assert main(["--json", "cloud", "anchor"]) == 0
    checked = said(capsys)
    assert checked["ok"] is True and checked["anchor_seq"] == first[0][0]
    assert main(["patient", "add", "--given-name", "Omar", "--family-name", "Haddad"]) == 0
    assert main(["--json", "sync"]) == 0
    assert said(capsys)["audit_problem"] is None
    later = anchors(endpoint)
    assert len(later) == 2 and later[1][0] > later[0][0]
    assert main(["--json", "sync"]) == 0  # nothing new in the log but the sync's reads
    capsys.readouterr()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_consistent_rewrite_is_caught_at_the_next_sync(
    connected: Path, endpoint: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = anchors(endpoint)
    rewrite_first_event(connected)
    assert main(["--json", "audit", "verify"]) == 0, "inside the file, every check passes"
    capsys.readouterr()
    assert main(["--json", "sync"]) == 0, "the data still syncs"
    problem = str(said(capsys)["audit_problem"])
    assert "rewritten" in problem
    assert anchors(endpoint) == kept, "the endpoint keeps the evidence: no new anchor"
    assert main(["--json", "sync"]) == 0
    assert said(capsys)["audit_problem"] == problem, "every round says it again"
    assert main(["--json", "cloud", "anchor"]) == 1
    assert said(capsys)["ok"] is False
    # The warning says what to do, naming a command that exists and clears it.
    assert "restored from a backup" in problem and "`receptionist audit verify`" in problem
    command = re.findall(r"`receptionist (cloud anchor[^`]*)`", problem)
    assert command == ["cloud anchor --accept"]
    assert main(["--json", *command[0].split()]) == 0
    assert said(capsys)["accepted"] is True
    assert main(["--json", "sync"]) == 0
    assert said(capsys)["audit_problem"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_admin_accepts_a_break_and_it_stays_on_record(
    connected: Path, endpoint: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite_first_event(connected)  # as a restore from an older backup would look
    assert main(["--json", "cloud", "anchor", "--accept"]) == 0
    assert said(capsys)["accepted"] is True
    assert main(["--json", "sync"]) == 0
    assert said(capsys)["audit_problem"] is None
    kept = anchors(endpoint)
    assert [accepted for _, accepted in kept] == [False, True] + [False] * (len(kept) - 2)
    assert main(["--json", "cloud", "anchor"]) == 0
    capsys.readouterr()


def test_the_endpoint_refuses_an_anchor_that_goes_back(first_pc: Joined) -> None:
    body = {"log_id": "clinic-1", "events": 10, "head_seq": 10, "head_hash": "a" * 64,
            "taken_at": "2026-12-06T10:00:00+00:00"}  # fmt: skip
    assert first_pc.http.get("/v1/anchors/mine").json() == {"anchor": None}
    assert first_pc.http.post("/v1/anchors", json=body).status_code == 200
    assert first_pc.http.post("/v1/anchors", json=body).status_code == 200, "again: kept once"
    for change in ({"head_seq": 9}, {"head_hash": "b" * 64}, {"log_id": "clinic-2"}):
        answer = first_pc.http.post("/v1/anchors", json={**body, **change})
        assert answer.status_code == 409, change
        assert answer.json()["error"] == "anchor_regressed"
        assert answer.json()["head_seq"] == 10
    accepted = {**body, "head_seq": 3, "head_hash": "c" * 64, "accepted_break": True}
    assert first_pc.http.post("/v1/anchors", json=accepted).status_code == 200
    mine = first_pc.http.get("/v1/anchors/mine").json()["anchor"]
    assert (mine["head_seq"], mine["accepted_break"]) == (3, True)
    naive = {**body, "head_seq": 11, "taken_at": "2026-12-06T10:00:00"}
    assert first_pc.http.post("/v1/anchors", json=naive).status_code == 400
    wrong_type = first_pc.http.post("/v1/anchors", json={**body, "events": "10"})
    assert (wrong_type.status_code, wrong_type.json()["error"]) == (400, "bad_request")


def test_both_anchor_warnings_say_the_advice_once_from_one_text() -> None:
    """The advice (what to do after a restore, else) is one Text both warnings compose."""
    from receptionist.texts import Text
    from sync import round as rounds

    templates = [
        value.template if isinstance(value, Text) else value
        for name, value in vars(rounds).items()
        if name.isupper() and isinstance(value, str)
    ]
    advising = [t for t in templates if "`receptionist audit verify`" in t]
    assert len(advising) == 1, "the advice sentence is written once"
    lost = Text(rounds.LOST, problem="the anchor's event is missing", advice=rounds.ADVICE)
    for warning in (lost, rounds.REGRESSED):
        assert str(rounds.ADVICE) in warning
        assert warning.count("audit verify") == 1
