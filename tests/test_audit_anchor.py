"""An anchor, kept outside the file, finds what no check inside it can: a log that
someone holding the key rewrote whole, chain, head and all (issue #11, item 7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from tamper import add_and_open_patient, cut_end, genuine_template, rechain, seq_of
from templates import Template, cli_commands, cli_env_for, make_template

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import ValidationError
from receptionist.journal import anchor as anchors
from receptionist.journal import audit
from receptionist.journal.anchor import Anchor
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    """A genuine clinic (``tamper.genuine_clinic``), made once for the module; the time
    its making left the clock at."""
    return genuine_template(tmp_path_factory)


@pytest.fixture
def clinic(tmp_path: Path, clock: FixedClock, made: Template[datetime]) -> Iterator[Database]:
    """This test's own genuine clinic, open; ``clock`` is where the making left it."""
    clock.set(made.copy_to(tmp_path / "clinic"))
    db = open_clinic(tmp_path / "clinic")
    yield db
    db.close()


def take(db: Database, clock: FixedClock) -> Anchor:
    with db.read() as s:
        return audit.anchor(s, clock)


def verified(db: Database, kept: Anchor | None = None) -> audit.VerifyResult:
    with db.read() as s:
        return audit.verify(s, anchor=kept)


def desk(clock: FixedClock) -> Ctx:
    return Ctx(Actor("desk-1", "receptionist", "ui"), clock)


def test_an_anchor_records_the_head_and_reads_back(clinic: Database, clock: FixedClock) -> None:
    kept = take(clinic, clock)
    with clinic.read() as s:
        head = s.execute(text("SELECT seq, hash FROM audit_head")).one()
        clinic_id = s.scalar(text("SELECT id FROM clinic"))
        events = s.scalar(text("SELECT count(*) FROM audit_event"))
    assert events > 1
    assert (kept.clinic_id, kept.events, kept.head_seq, kept.head_hash) == (
        clinic_id, events, head.seq, head.hash
    )  # fmt: skip
    assert kept.taken_at == clock.now() and kept.head_at is not None
    assert anchors.parse(kept.dumps().encode()) == kept
    assert json.loads(kept.dumps())["format"] == "receptionist-audit-anchor"


def test_the_log_holds_its_anchor_as_it_grows(clinic: Database, clock: FixedClock) -> None:
    kept = take(clinic, clock)
    with clinic.write() as s:
        add_and_open_patient(s, desk(clock), "Omar")
    result = verified(clinic, kept)
    assert (result.ok, result.events, result.anchor) == (True, kept.events + 3, kept)
    assert result.message == (
        f"The audit log is intact ({kept.events + 3} events) and still holds event "
        f"{kept.head_seq} as the anchor of 2026-12-07 07:02 UTC recorded it."
    )


def test_an_opening_cut_from_the_middle_and_rechained_fails_only_the_anchor(
    clinic: Database, clock: FixedClock
) -> None:
    """A key holder removes the record of who opened a patient, renumbers and rehashes
    the rest, and goes on working: every check inside the file passes."""
    kept = take(clinic, clock)
    with clinic.write() as s:
        opened = seq_of(s, "open")
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": opened})
        rechain(s)
    with clinic.write() as s:
        add_and_open_patient(s, desk(clock), "Omar")
    assert verified(clinic).ok
    result = verified(clinic, kept)
    assert (result.ok, result.first_bad_seq) == (False, opened)
    assert result.problem == (
        "this event is not the one the anchor of 2026-12-07 07:02 UTC recorded: the log "
        "was rewritten up to here"
    )


def test_the_end_cut_after_an_anchor_fails_the_anchor(clinic: Database, clock: FixedClock) -> None:
    """SQL alone: the last opening deleted and the head set back to the event before."""
    kept = take(clinic, clock)
    with clinic.write() as s:
        last = seq_of(s, "open")
        cut_end(s, keep=last - 1)
    assert verified(clinic).ok
    result = verified(clinic, kept)
    assert (result.ok, result.events, result.first_bad_seq) == (False, last - 1, last)
    assert result.message == (
        f"The audit log was tampered with at event {last}: the log ends at event {last - 1}, "
        f"but it held event {last} when the anchor of 2026-12-07 07:02 UTC was taken: events "
        "were removed from its end (or this file is a copy from before the anchor)."
    )


def test_an_anchor_of_another_clinic_vouches_for_nothing(
    clinic: Database, clock: FixedClock
) -> None:
    kept = take(clinic, clock)
    other = Anchor("another-clinic", kept.events, kept.head_seq, kept.head_hash, None, clock.now())
    result = verified(clinic, other)
    assert (result.ok, result.first_bad_seq) == (False, None)
    assert "the anchor was taken of another clinic" in result.problem


def test_a_broken_chain_is_told_before_the_anchor(clinic: Database, clock: FixedClock) -> None:
    kept = take(clinic, clock)
    with clinic.write() as s:
        s.execute(text("UPDATE audit_event SET action = 'read' WHERE seq = 3"))
    assert verified(clinic, kept).problem == "this event was altered"


GOOD = {
    "format": "receptionist-audit-anchor",
    "version": 1,
    "clinic_id": "c1",
    "events": 3,
    "head_seq": 3,
    "head_hash": "a" * 64,
    "head_at": None,
    "taken_at": "2026-12-07T07:00:00+00:00",
}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[1, 2]", id="a-list"),
        pytest.param(b"[" * 100_000, id="deeply-nested"),
        pytest.param(b" " * (anchors.MAX_BYTES + 1), id="too-big"),
        pytest.param(json.dumps({**GOOD, "format": "x"}).encode(), id="other-format"),
        pytest.param(json.dumps({**GOOD, "events": True}).encode(), id="bool-count"),
        pytest.param(json.dumps({**GOOD, "head_seq": -1}).encode(), id="negative-seq"),
        pytest.param(json.dumps({**GOOD, "head_seq": "3"}).encode(), id="seq-as-text"),
        pytest.param(json.dumps({**GOOD, "head_hash": "A" * 64}).encode(), id="bad-hash"),
        pytest.param(json.dumps({**GOOD, "clinic_id": None}).encode(), id="no-clinic"),
        pytest.param(json.dumps({**GOOD, "taken_at": "2026-12-07"}).encode(), id="naive-time"),
        pytest.param(json.dumps({**GOOD, "taken_at": 5}).encode(), id="time-as-number"),
        pytest.param(json.dumps({**GOOD, "head_at": "soon"}).encode(), id="bad-head-time"),
    ],
)
def test_anything_but_an_anchor_is_refused_naming_the_option(data: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        anchors.parse(data)
    assert caught.value.field == "anchor"
    assert str(caught.value).startswith("The anchor file is not an audit anchor")


def test_a_newer_anchor_says_so() -> None:
    with pytest.raises(ValidationError, match="newer version"):
        anchors.parse(json.dumps({**GOOD, "version": 2}).encode())
    assert anchors.parse(json.dumps(GOOD).encode()).head_seq == 3


# -- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def made_by_cli(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of :func:`cli_clinic`, made through the CLI once for the module."""
    root = tmp_path_factory.mktemp("anchor") / "clinic"
    build = cli_commands(
        ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
         "--region", "TR", "--admin-user", "admin"],
        ["patient", "add", "--given-name", "Ayse", "--family-name", "Yilmaz"],
    )  # fmt: skip
    return make_template(root, build, env=cli_env_for(root))


@pytest.fixture
def cli_clinic(cli_env: Path, made_by_cli: Template[None]) -> Path:
    """This test's own clinic made by ``init``, with a patient, in ``cli_env``."""
    made_by_cli.copy_to(cli_env)
    return cli_env


def tamper(root: Path, sql: str) -> None:
    db = open_clinic(root)
    try:
        with db.write() as s:
            for statement in sql.split(";"):
                s.execute(text(statement))
    finally:
        db.close()


def test_cli_an_emptied_log_is_exit_1_with_a_sentence(
    cli_clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(cli_clinic, "DELETE FROM audit_event; DELETE FROM audit_head")
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out == (
        "The audit log was tampered with: the log is empty, but the clinic holds data: its "
        "events were deleted.\n"
    )


def test_cli_anchor_then_verify_against_it(
    cli_clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "anchor"]) == 0
    assert "Audit anchor: clinic " in capsys.readouterr().out
    assert main(["audit", "anchor", "--json"]) == 0
    kept = tmp_path / "anchor.json"
    kept.write_text(capsys.readouterr().out)
    assert main(["audit", "verify", "--anchor", str(kept)]) == 0
    head = json.loads(kept.read_text())["head_seq"]
    assert f"still holds event {head} as the anchor" in capsys.readouterr().out
    db = open_clinic(cli_clinic)
    try:
        with db.write() as s:  # the patient's creation cut, the rest rechained
            made = seq_of(s, "create", "patient")
            assert made == head
            s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": made})
            rechain(s)
    finally:
        db.close()
    assert main(["patient", "add", "--given-name", "Omar", "--family-name", "Haddad"]) == 0
    capsys.readouterr()
    assert main(["--json", "audit", "verify", "--anchor", str(kept)]) == 1
    said = json.loads(capsys.readouterr().out)
    assert (said["ok"], said["first_bad_seq"], said["anchor"]["head_seq"]) == (False, head, head)
    assert said["message"].startswith(
        f"The audit log was tampered with at event {head}: this event is not the one the anchor"
    )


def test_cli_a_bad_anchor_file_is_exit_2_naming_the_option(
    cli_clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (tmp_path / "missing.json", tmp_path):
        assert main(["--json", "audit", "verify", "--anchor", str(path)]) == 2
        said = json.loads(capsys.readouterr().out)
        assert (said["field"], said["exit_code"]) == ("anchor", 2)
        assert said["error"].startswith("The anchor file cannot be read")
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    assert main(["audit", "verify", "--anchor", str(junk)]) == 2
    assert "error (anchor): The anchor file is not an audit anchor" in capsys.readouterr().err


def test_cli_no_anchor_of_a_tampered_log(
    cli_clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(cli_clinic, "UPDATE audit_event SET actor_id = 'x' WHERE seq = 2")
    assert main(["audit", "anchor"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: The audit log was tampered with at event 2: this event was altered. No "
        "anchor was taken: it would vouch for a tampered log.\n"
    )
