"""The vault's and the schedule's errors carry a ``Text``, with the English as before."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from factories import actor_ctx, make_clinic, make_patient, make_provider, make_service, weekdays

from receptionist import errors
from receptionist.context import Ctx
from receptionist.errors import (
    ConflictError,
    IllegalTransition,
    NotFound,
    NotOurFile,
    PermissionDenied,
    UnlockError,
    ValidationError,
)
from receptionist.models import Provider
from receptionist.schedule import booking, catalog, lifecycle
from receptionist.store import vault
from receptionist.store.storage import Database
from receptionist.texts import Text, message

CORE = Path(__file__).resolve().parent.parent / "receptionist"
# The modules whose messages these tests hold to Text.
FILES = (
    "store/vault.py",
    "store/storage.py",
    "store/keys.py",
    "store/keyfile.py",
    "store/secretfile.py",
    "store/keystore.py",
    "store/lock.py",
    "store/migrate.py",
    "store/rekey.py",
    "ops/setup.py",
    "store/integrity.py",
    "schedule/booking.py",
    "schedule/slots.py",
    "schedule/series.py",
    "schedule/overrides.py",
    "schedule/lifecycle.py",
    "schedule/clinic.py",
    "schedule/catalog.py",
    "schedule/blocked.py",
    "schedule/agenda.py",
    "schedule/appointments.py",
)
MON_10 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 10:00 in Istanbul


def text_of(raised: pytest.ExceptionInfo[BaseException], english: str) -> Text:
    """The ``Text`` the error was raised with; its English must be ``english``."""
    text = message(raised.value)
    assert isinstance(text, Text), f"not a Text: {text!r}"
    assert str(text) == english
    assert str(raised.value) == english
    return text


# -- the vault -----------------------------------------------------------------------------


def test_a_wrong_passphrase_says_so_in_a_text(data_dir: Path) -> None:
    keyring.get_keyring().store.clear()  # type: ignore[attr-defined]
    prompts: list[str] = []

    def ask(prompt: str) -> str | None:
        prompts.append(prompt)
        return "not the passphrase at all"

    with pytest.raises(UnlockError) as raised:
        vault.unlock(data_dir, ask=ask, env={}, attempts=1)
    text_of(raised, "That passphrase or recovery code does not unlock this clinic.")
    assert prompts == ["Enter the admin passphrase or the recovery code to unlock this clinic"]
    assert isinstance(prompts[0], Text)


def test_no_key_anywhere_and_a_short_passphrase(data_dir: Path, tmp_path: Path) -> None:
    keyring.get_keyring().store.clear()  # type: ignore[attr-defined]
    with pytest.raises(UnlockError) as raised:
        vault.unlock(data_dir, env={})
    text_of(
        raised,
        "The key is not in this computer's keychain. Set RECEPTIONIST_PASSPHRASE or enter "
        "the admin passphrase or recovery code.",
    )
    with pytest.raises(errors.UserError) as short:
        vault.create(tmp_path / "other", passphrase="short")
    text = text_of(
        short,
        "The admin passphrase must be at least 10 characters; a few unrelated words work well.",
    )
    assert dict(text.params) == {"limit": vault.MIN_PASSPHRASE}


def test_file_problems_name_the_file_as_a_param(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(errors.UserError) as taken:
        vault.create(data_dir)
    text = text_of(taken, f"{data_dir} already holds a clinic; choose an empty folder.")
    assert text.template == "{path} already holds a clinic; choose an empty folder."
    vault.DataDir(data_dir).keyfile.write_text("{}", encoding="utf-8")
    with pytest.raises(NotOurFile) as damaged:
        vault.unlock(data_dir, env={})
    keys = vault.DataDir(data_dir).keyfile
    text_of(
        damaged,
        f"{keys} is not a Receptionist key file. Put this clinic's clinic.keys back from a "
        "backup of the data folder.",
    )
    with pytest.raises(errors.UserError) as empty:
        vault.unlock(tmp_path / "nothing", env={})
    text_of(
        empty,
        f"There is no clinic in {tmp_path / 'nothing'}; check --data-dir, "
        "or run 'receptionist init'.",
    )


# -- the schedule --------------------------------------------------------------------------


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        make_clinic(s, ctx)
        return {
            "ayse": make_provider(s, ctx, "Dr Ayşe", weekdays(("09:00", "17:00"))).id,
            "exam": make_service(s, ctx, "Exam", 30).id,
            "old": make_service(s, ctx, "Old exam", 30).id,
            "zeynep": make_patient(s, ctx.clock.now(), 1, "Zeynep", "Yılmaz").id,
        }


def book(db: Database, ctx: Ctx, ids: dict[str, str], **kwargs: Any) -> str:
    args = {
        "patient_id": ids["zeynep"],
        "provider_id": ids["ayse"],
        "service_id": ids["exam"],
        "start": MON_10,
        **kwargs,
    }
    with db.write() as s:
        return booking.book(s, ctx, **args).id


def test_an_illegal_status_move_names_both_statuses(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    appt = book(db, ctx, ids)
    with db.write() as s:
        booking.set_status(s, ctx, appt, "in_room")
    with pytest.raises(IllegalTransition) as raised, db.write() as s:
        booking.set_status(s, ctx, appt, "no_show")
    text = text_of(
        raised,
        "An appointment that is in the room cannot become a no-show; it can become: completed.",
    )
    current = text.params["current"]
    assert isinstance(current, Text) and current.template == "in the room"
    with pytest.raises(IllegalTransition) as listed:
        lifecycle.check_move("booked", "completed")
    many = text_of(
        listed,
        "An appointment that is booked cannot become completed; it can become: "
        "confirmed, arrived, in the room, cancelled, a no-show.",
    )
    assert isinstance(many.params["allowed"], Text)
    with pytest.raises(IllegalTransition) as unknown:
        lifecycle.check_move("booked", "gone")
    text_of(
        unknown,
        "'gone' is not an appointment status; use one of: booked, confirmed, arrived, "
        "in_room, completed, cancelled, no_show.",
    )


def test_booking_with_an_unknown_provider(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with pytest.raises(NotFound) as raised:
        book(db, ctx, ids, provider_id="no-such-provider")
    text = text_of(
        raised, "There is no provider with that id; pick the provider from the list again."
    )
    kind = text.params["kind"]
    assert isinstance(kind, Text) and kind.template == "provider"


def test_booking_an_inactive_service(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        catalog.update_service(s, ctx, ids["old"], active=False)
    with pytest.raises(ValidationError) as raised:
        book(db, ctx, ids, service_id=ids["old"])
    text_of(raised, "This service is inactive; choose an active service.")


def test_a_clash_and_a_role_that_cannot_book(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, ids)
    desk = actor_ctx("receptionist", ctx.clock, "desk-1")
    with pytest.raises(ConflictError) as raised:
        book(db, desk, ids, start=MON_10 + timedelta(minutes=15))
    text = text_of(
        raised,
        "The provider has another appointment on Mon 02 Mar from 10:00 to 10:30. There is one "
        "more problem; pick another time or ask a manager to override.",
    )
    assert text.params["problem"] is raised.value.conflicts[0].reason, "whole, translatable"
    assert all(isinstance(c.reason, Text) for c in raised.value.conflicts)
    doctor = actor_ctx("provider", ctx.clock, "doc-1")
    with pytest.raises(PermissionDenied) as refused:
        book(db, doctor, ids, start=MON_10 + timedelta(hours=2))
    text_of(refused, "Your role cannot book appointments.")


def test_catalog_lookups(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        make_provider(s, ctx, "Dr Ayla")
    with pytest.raises(NotFound) as missing, db.read() as s:
        catalog.find(s, Provider, "Zehra")
    text_of(missing, "No provider is called 'Zehra'; check the spelling.")
    with pytest.raises(errors.Ambiguous) as two, db.read() as s:
        catalog.find(s, Provider, "Dr A")
    text = text_of(two, "'Dr A' matches 2 providers; type more of the name.")
    assert isinstance(text.params["kinds"], Text)


# -- no plain strings left -----------------------------------------------------------------

# Where each call takes its message (a positional index, and the keyword).
ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.ReceptionistError)
}
MESSAGE_AT: dict[str, int] = {
    **dict.fromkeys(ERRORS, 0),
    "ValidationError": 1,
    "require": 2,
    "live": 3,
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _plain(node: ast.expr | None, literals: set[str]) -> bool:
    """A literal string, an f-string, a joined or %-formatted one, or a name holding one."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain(node.left, literals) or _plain(node.right, literals)
    if isinstance(node, ast.IfExp):
        return _plain(node.body, literals) or _plain(node.orelse, literals)
    if isinstance(node, ast.Call) and _name(node.func) in {"format", "join"}:
        return isinstance(node.func, ast.Attribute) and _plain(node.func.value, literals)
    return isinstance(node, ast.Name) and node.id in literals


def plain_messages(source: str) -> list[int]:
    """Lines where an error of ours, ``require`` or ``records.live`` gets a plain string."""
    tree = ast.parse(source)
    literals = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _plain(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        at = MESSAGE_AT.get(_name(node.func) or "")
        if at is None:
            continue
        given = node.args[at] if len(node.args) > at else None
        given = given or next((k.value for k in node.keywords if k.arg == "message"), None)
        if _plain(given, literals):
            found.append(node.lineno)
    return sorted(found)


def test_the_check_finds_plain_messages() -> None:
    source = """
raise NotFound("There is nothing.")
raise ValidationError("end", f"The end {x} is wrong.")
raise ConflictError("Clash " + why, found)
require(ctx, "appointment.book", "Your role cannot.")
missing = "Gone; refresh."
records.live(session, Appointment, row_id, missing)
raise UnlockError(message="That is wrong.")
raise ValidationError("end", Text(QT_TRANSLATE_NOOP("core", "Fine.")))
require(ctx, "appointment.book", CANNOT_BOOK)
raise NotOurFile(already_a_clinic(root))
"""
    assert plain_messages(source) == [2, 3, 4, 5, 7, 8]


@pytest.mark.parametrize("name", FILES)
def test_no_error_in_these_modules_gets_a_plain_string(name: str) -> None:
    lines = plain_messages((CORE / name).read_text("utf-8"))
    assert not lines, f"{name}: plain-string messages on lines {lines}"


def test_the_messages_that_are_constants_are_texts() -> None:
    constants: list[Callable[[], object]] = [
        lambda: vault.UNLOCK_PROMPT,
        lambda: booking.CANNOT_BOOK,
        lambda: lifecycle.label("no_show"),
    ]
    for get in constants:
        assert isinstance(get(), Text)
