"""The Conflicts panel: a double booking pulled from the endpoint, read in plain words,
opened from the menu or the status bar's count, and settled by moving one booking to
a time the slot finder offers, or by keeping one and cancelling the others in one
step; a call is noted and leaves the conflict open. Two edits are settled field by
field, and the values picked survive the panel's rebuilds."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QRadioButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import DAY, Seeded, at

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Appointment, Patient
from receptionist.ops import replica
from receptionist.ops.conflicterasure import close_erased
from receptionist.replica.apply import DeviceName, PulledConflict, keep_conflicts
from receptionist.replica.records import encode
from receptionist.replica.seal import ClinicKey
from receptionist.store import vault
from ui.app import stylesheet
from ui.conflicts import Conflicts, ConflictsPanel
from ui.conflicts.dialogs import CallDialog, CancelOthersDialog, MoveDialog, ReasonDialog
from ui.mainwindow import MainWindow

KEY = ClinicKey(1, bytes(range(32)))
WORDS = (
    "Dr. Ayşe Demir, Tue 03 Mar 09:00: booked for Layla Haddad on FRONT-2 and for John "
    "Smith on FRONT-1 while offline"
)


def shot(widget: QWidget, tmp_path: Path, name: str) -> Path:
    """Saved beside the test, and where CONFLICT_SHOTS names a folder (to look at)."""
    widget.setStyleSheet(stylesheet())
    QApplication.processEvents()  # laid out again with the style's sizes
    picture = widget.grab()
    widget.setStyleSheet("")
    path = tmp_path / f"{name}.png"
    assert picture.save(str(path))
    folder = os.environ.get("CONFLICT_SHOTS")
    if folder:
        picture.save(str(Path(folder) / f"{name}.png"))
    return path


@pytest.fixture
def conflicted(seeded: Seeded, clock: FixedClock) -> str:
    """This PC (FRONT-1) joined a clinic, and pulled a conflict: FRONT-2 booked Layla
    with Dr Demir at Tuesday 09:00, where this PC had booked John. Its id."""
    db = vault.open_clinic(seeded.root)
    try:
        admin = Ctx(Actor(None, "admin", "ui"), clock)
        joined = replica.Joined("http://127.0.0.1:9", "clinic-1", "device-A", "A", "FRONT-1")
        replica.connected(db, admin, joined, b"\0" * 32, KEY, first=False)
        with db.write() as s:
            john = s.get(Appointment, seeded.ids["next"])
            assert john is not None
            layla = s.query(Patient).filter(Patient.given_name == "Layla").one()
            layla.phone = "+905321234567"
            theirs = Appointment(
                patient_id=layla.id, provider_id=john.provider_id, service_id=john.service_id,
                room_id=seeded.ids["room2"], start_utc=john.start_utc, end_utc=john.end_utc,
                status="booked", created_at=clock.now(), updated_at=clock.now(),
            )  # fmt: skip
            s.add(theirs)
            s.flush()
            records = [encode(theirs, "clinic-1", KEY), encode(john, "clinic-1", KEY)]
            pulled = PulledConflict(
                "c-1", "overlap", "appointment", theirs.id, records, clock.now(),
                devices=("device-B", "device-A"),
            )  # fmt: skip
            keep_conflicts(s, [pulled], {"device-B": DeviceName("FRONT-2", "B")})
    finally:
        db.close()
    return "c-1"


def _controller(window: MainWindow) -> Conflicts:
    found = window.findChild(Conflicts)
    assert found is not None
    return found


def _open(qtbot: QtBot, window: MainWindow) -> ConflictsPanel:
    controller = _controller(window)
    action = window.findChild(QAction, "action_conflicts")
    assert isinstance(action, QAction)
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        action.trigger()
    assert controller.panel is not None and controller.panel.isVisible()
    return controller.panel


def test_the_panel_says_who_was_booked_where_and_a_move_settles_it(
    qtbot: QtBot, conflicted: str, window: MainWindow, tmp_path: Path, seeded: Seeded
) -> None:
    panel = _open(qtbot, window)
    card = panel.card(conflicted)
    assert card is not None
    words = card.findChild(QLabel, "conflictWords")
    assert words is not None and words.text() == WORDS
    assert set(card.buttons) == {
        "cancelOthersA", "cancelOthersB", "keepA", "keepB", "keepBoth", "call",
    }  # fmt: skip
    picture = shot(panel, tmp_path, "conflicts-panel")
    assert picture.stat().st_size > 0
    controller = _controller(window)
    with qtbot.waitSignal(controller.asked) as asked:
        card.buttons["keepB"].click()  # keep John's booking, move Layla's
    dialog = asked.args[0]
    assert isinstance(dialog, MoveDialog)
    qtbot.waitUntil(lambda: dialog.finder.list.count() > 0, timeout=10_000)
    slot = dialog.finder.list.current_slot()
    assert slot is not None and slot.start > at("09:00", DAY + timedelta(days=1)) - timedelta(
        minutes=1
    )
    shot(dialog, tmp_path, "conflicts-move")
    with qtbot.waitSignal(controller.settled, timeout=10_000) as done:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert done.args[1].resolution == "moved"
    # Settled here, not yet sent: the panel says so, with nothing left to decide.
    qtbot.waitUntil(lambda: _unsent(panel, conflicted) is not None, timeout=10_000)
    settled = panel.card(conflicted)
    assert settled is not None and settled.buttons == {} and not panel.empty.isVisible()
    shot(panel, tmp_path, "conflicts-unsent")
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            layla = s.get(Appointment, done.args[1].sides[0].row_id)
            assert layla is not None and layla.start_utc == slot.start
    finally:
        db.close()


def test_keeping_one_booking_cancels_the_other_in_one_step(
    qtbot: QtBot, conflicted: str, window: MainWindow, tmp_path: Path, seeded: Seeded
) -> None:
    panel = _open(qtbot, window)
    card = panel.card(conflicted)
    assert card is not None
    sides = [card.findChild(QLabel, f"conflictSide{label}") for label in "AB"]
    assert [s.text() if s else "" for s in sides] == [
        "A: Layla Haddad, Tue 03 Mar 09:00, booked on FRONT-2",
        "B: John Smith, Tue 03 Mar 09:00, booked on FRONT-1",
    ]
    assert card.buttons["cancelOthersB"].text() == "Keep B, cancel A…"
    controller = _controller(window)
    with qtbot.waitSignal(controller.asked) as asked:
        card.buttons["cancelOthersB"].click()  # keep John's booking, cancel Layla's
    dialog = asked.args[0]
    assert isinstance(dialog, CancelOthersDialog)
    kept, cancelled = (dialog.findChild(QLabel, n) for n in ("conflictKept", "conflictCancelA"))
    assert kept is not None and kept.text() == (
        "Keep B: John Smith, Tue 03 Mar 09:00, booked on FRONT-1"
    )
    assert cancelled is not None and cancelled.text() == (
        "Cancel A: Layla Haddad, Tue 03 Mar 09:00, booked on FRONT-2"
    )
    assert dialog.reason.text(), "a reason is offered: one step, still recorded"
    shot(dialog, tmp_path, "conflicts-cancel-others")
    with qtbot.waitSignal(controller.settled, timeout=10_000) as done:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert done.args[1].resolution == "cancelled" and done.args[1].sending
    qtbot.waitUntil(lambda: _unsent(panel, conflicted) is not None, timeout=10_000)
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            layla = s.get(Appointment, done.args[1].sides[0].row_id)
            john = s.get(Appointment, seeded.ids["next"])
            assert layla is not None and layla.status == "cancelled"
            assert layla.cancellation_reason == dialog.reason.text()
            assert john is not None and john.status == "booked"
    finally:
        db.close()


def test_enter_in_the_cancel_others_dialog_goes_back_cancelling_nothing(
    qtbot: QtBot, conflicted: str, window: MainWindow, seeded: Seeded
) -> None:
    """As the cancel dialog's: the safe button is the default, so an Enter pressed in
    the (already filled) reason cancels nobody's booking."""
    dialog = _asked(qtbot, window, conflicted, "cancelOthersB")
    assert isinstance(dialog, CancelOthersDialog)
    given: list[str] = []
    dialog.reasonGiven.connect(given.append)
    go_back = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert go_back.isDefault()
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert given == []
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            john = s.get(Appointment, seeded.ids["next"])
            assert john is not None
            both = s.scalars(select(Appointment.status).where(
                Appointment.start_utc == john.start_utc,
                Appointment.provider_id == john.provider_id,
            )).all()  # fmt: skip
            assert both == ["booked", "booked"]
    finally:
        db.close()


@pytest.fixture
def john_gone(conflicted: str, seeded: Seeded, clock: FixedClock) -> str:
    """The conflict, with John's booking (side B) no longer on this PC."""
    db = vault.open_clinic(seeded.root)
    try:
        with db.write() as s:
            john = s.get(Appointment, seeded.ids["next"])
            assert john is not None
            john.deleted_at = clock.now()
    finally:
        db.close()
    return conflicted


def test_what_needs_a_booking_not_on_this_pc_is_greyed_saying_why(
    qtbot: QtBot, john_gone: str, window: MainWindow, tmp_path: Path
) -> None:
    panel = _open(qtbot, window)
    card = panel.card(john_gone)
    assert card is not None
    why = (
        "Booking B is not on this PC: it was removed here, or has not arrived yet. Sync "
        "and look again, or settle this conflict on a PC that holds it."
    )
    said = card.findChild(QLabel, "conflictNotHereB")
    assert said is not None and said.text() == why
    assert card.findChild(QLabel, "conflictNotHereA") is None
    greyed = {name for name, button in card.buttons.items() if not button.isEnabled()}
    assert greyed == {"cancelOthersA", "keepA"}  # both change B: cancel it, move it
    assert card.buttons["cancelOthersA"].toolTip() == why
    shot(panel, tmp_path, "conflicts-not-here")


@pytest.fixture
def john_anonymised(conflicted: str, seeded: Seeded, clock: FixedClock) -> str:
    """The conflict, John (side B, the booking the endpoint took) since anonymised by the
    retention sweep, as the sweep leaves the conflict (``close_erased``)."""
    db = vault.open_clinic(seeded.root)
    try:
        with db.write() as s:
            john = s.get(Appointment, seeded.ids["next"])
            patient = s.get(Patient, john.patient_id) if john is not None else None
            assert patient is not None
            patient.given_name, patient.family_name = "", ""
            patient.number, patient.anonymised_at = "ANON-TESTTESTTES", clock.now()
            close_erased(s, clock.now())
    finally:
        db.close()
    return conflicted


def test_an_anonymised_patient_s_kept_visit_is_named_so_and_cannot_be_moved_or_cancelled(
    qtbot: QtBot, john_anonymised: str, window: MainWindow, tmp_path: Path
) -> None:
    """Layla's refused booking against a visit an anonymised patient keeps stays open
    (session 17): side B reads "anonymised", and what would move or cancel it is greyed
    saying why; keeping both, or keeping B and moving or cancelling Layla's, is offered."""
    panel = _open(qtbot, window)
    card = panel.card(john_anonymised)
    assert card is not None
    side = card.findChild(QLabel, "conflictSideB")
    assert side is not None and side.text().startswith("B: anonymised, ")
    why = (
        "Booking B is an anonymised patient's visit, kept for statistics: it cannot be "
        "moved or cancelled. Keep both, or keep it and move or cancel the other booking."
    )
    greyed = {name for name, button in card.buttons.items() if not button.isEnabled()}
    assert greyed == {"cancelOthersA", "keepA"}  # both change B: cancel it, move it
    assert card.buttons["cancelOthersA"].toolTip() == card.buttons["keepA"].toolTip() == why
    shot(panel, tmp_path, "conflicts-anonymised")


# "an anonymised patient" as a Turkish and an Arabic .qm would give it (context "core").
AN_ANONYMISED = {"tr": "anonimleştirilmiş bir hasta", "ar": "مريض مجهول الهوية"}


class OnePhrase(QTranslator):
    """A translator for the core's "an anonymised patient" only, as a built .qm would be."""

    def __init__(self, phrase: str) -> None:
        super().__init__()
        self.phrase = phrase

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return self.phrase if (context, source) == ("core", "an anonymised patient") else None

    def isEmpty(self) -> bool:
        return False


@pytest.mark.parametrize("language", [None, *sorted(AN_ANONYMISED)])
def test_the_headline_says_an_anonymised_patient_in_the_user_s_language(
    qtbot: QtBot, john_anonymised: str, window: MainWindow, qapp: QApplication,
    language: str | None,
) -> None:  # fmt: skip
    """The headline names her kept visit's side "an anonymised patient", one phrase a
    translator sees whole (session 17: it read "booked ... for anonymised on FRONT-1")."""
    phrase = AN_ANONYMISED.get(language or "", "an anonymised patient")
    translator = OnePhrase(phrase)
    assert qapp.installTranslator(translator)
    try:
        card = _open(qtbot, window).card(john_anonymised)
        assert card is not None
        words = card.findChild(QLabel, "conflictWords")
        assert words is not None
        assert words.text() == WORDS.replace("John Smith", phrase), words.text()
    finally:
        qapp.removeTranslator(translator)


def _asked(qtbot: QtBot, window: MainWindow, conflict_id: str, button: str) -> QDialog:
    """The dialog the conflict's ``button`` asks with, in the panel opened for it."""
    card = _open(qtbot, window).card(conflict_id)
    assert card is not None
    with qtbot.waitSignal(_controller(window).asked) as asked:
        card.buttons[button].click()
    dialog = asked.args[0]
    assert isinstance(dialog, QDialog)
    return dialog


def _unsent(panel: ConflictsPanel, conflict_id: str) -> QLabel | None:
    card = panel.card(conflict_id)
    return None if card is None else card.findChild(QLabel, "conflictUnsent")


def test_the_status_bars_count_opens_the_panel(
    qtbot: QtBot, conflicted: str, window: MainWindow
) -> None:
    window.desk.sync.update(open_conflicts=1)
    controller = _controller(window)
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        qtbot.mouseClick(window.sync_status.conflicts, Qt.MouseButton.LeftButton)
    assert controller.panel is not None and controller.panel.isVisible()


def test_a_call_shows_the_phone_and_leaves_the_conflict_open(
    qtbot: QtBot, conflicted: str, window: MainWindow
) -> None:
    dialog = _asked(qtbot, window, conflicted, "call")
    assert isinstance(dialog, CallDialog)
    phone = dialog.findChild(QLabel, "conflictPhoneA")
    assert phone is not None and "0532 123 45 67" in phone.text()  # as the clinic writes it
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    def called() -> bool:  # after the reload the call caused (another may land first)
        panel = _controller(window).panel
        card = None if panel is None else panel.card(conflicted)
        return card is not None and card.findChild(QLabel, "conflictCalled") is not None

    qtbot.waitUntil(called, timeout=10_000)


def test_keeping_both_is_refused_for_a_receptionist_in_words(
    qtbot: QtBot, conflicted: str, window: MainWindow
) -> None:
    dialog = _asked(qtbot, window, conflicted, "keepBoth")
    assert isinstance(dialog, ReasonDialog)
    dialog.reason.setText("Twins")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert "manager" in dialog.error.text()
    assert dialog.isVisible()


@pytest.fixture
def edited(seeded: Seeded, clock: FixedClock) -> tuple[str, str]:
    """This PC (FRONT-1) and FRONT-2 both edited Layla's phone and notes offline; the
    endpoint kept both as an edit conflict. Its id, and Layla's."""
    db = vault.open_clinic(seeded.root)
    try:
        admin = Ctx(Actor(None, "admin", "ui"), clock)
        joined = replica.Joined("http://127.0.0.1:9", "clinic-1", "device-A", "A", "FRONT-1")
        replica.connected(db, admin, joined, b"\0" * 32, KEY, first=False)
        with db.write() as s:
            layla = s.query(Patient).filter(Patient.given_name == "Layla").one()
            layla.phone, layla.notes = "+905320000002", "Prefers afternoons"
            s.flush()
            theirs = encode(layla, "clinic-1", KEY)
            layla.phone, layla.notes = "+905320000001", "Prefers mornings"
            s.flush()
            mine = encode(layla, "clinic-1", KEY)
            pulled = PulledConflict(
                "c-2", "edit", "patient", layla.id, [theirs, mine], clock.now(),
                devices=("device-B", "device-A"),
            )  # fmt: skip
            keep_conflicts(s, [pulled], {"device-B": DeviceName("FRONT-2", "B")})
            return "c-2", layla.id
    finally:
        db.close()


def test_two_edits_are_settled_field_by_field(
    qtbot: QtBot, edited: tuple[str, str], window: MainWindow, tmp_path: Path, seeded: Seeded
) -> None:
    conflict_id, layla = edited
    panel = _open(qtbot, window)
    card = panel.card(conflict_id)
    assert card is not None
    assert set(card.buttons) == {"chooseA", "chooseB", "chooseFields"}
    keep = card.buttons["chooseFields"]
    assert not keep.isEnabled(), "not until every field has a value picked"
    phone_b = card.findChild(QRadioButton, "pick_phone_B")
    notes_a = card.findChild(QRadioButton, "pick_notes_A")
    assert phone_b is not None and notes_a is not None
    assert phone_b.text() == "B: +905320000001" and notes_a.text() == "A: Prefers afternoons"
    phone_b.click()
    assert not keep.isEnabled()
    notes_a.click()
    assert keep.isEnabled()
    shot(card, tmp_path, "conflicts-fields")
    controller = _controller(window)
    with qtbot.waitSignal(controller.settled, timeout=10_000) as done:
        keep.click()
    assert done.args[1].resolution == "chose_fields"
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            row = s.get(Patient, layla)
            assert row is not None and (row.phone, row.notes) == (
                "+905320000001", "Prefers afternoons",
            )  # fmt: skip
    finally:
        db.close()


def test_values_picked_field_by_field_survive_a_rebuild_until_the_conflict_closes(
    qtbot: QtBot, edited: tuple[str, str], window: MainWindow, tmp_path: Path
) -> None:
    conflict_id, _ = edited
    panel = _open(qtbot, window)
    controller = _controller(window)
    card = panel.card(conflict_id)
    assert card is not None
    phone_b = card.findChild(QRadioButton, "pick_phone_B")
    assert phone_b is not None
    phone_b.click()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        controller.reload()  # as after any change (a pull, another window's edit)
    rebuilt = panel.card(conflict_id)
    assert rebuilt is not None and rebuilt is not card
    picked = rebuilt.findChild(QRadioButton, "pick_phone_B")
    assert picked is not None and picked.isChecked(), "the pick survives the rebuild"
    assert rebuilt.picked() == {"phone": "B"}
    assert not rebuilt.buttons["chooseFields"].isEnabled()
    notes_a = rebuilt.findChild(QRadioButton, "pick_notes_A")
    assert notes_a is not None
    notes_a.click()
    assert rebuilt.buttons["chooseFields"].isEnabled()
    shot(rebuilt, tmp_path, "conflicts-fields-kept")
    with qtbot.waitSignal(controller.settled, timeout=10_000):
        rebuilt.buttons["chooseFields"].click()
    qtbot.waitUntil(lambda: _unsent(panel, conflict_id) is not None, timeout=10_000)
    assert panel.chosen == {}, "dropped once the conflict closed"


def _pulled_again(root: Path, layla: str, theirs_phone: str, swapped: bool) -> None:
    """c-2 pulled again: FRONT-2's phone is ``theirs_phone`` now; ``swapped`` puts its
    record second (side B) and this PC's first."""
    db = vault.open_clinic(root)
    try:
        with db.write() as s:
            row = s.get(Patient, layla)
            assert row is not None
            kept = (row.phone, row.notes)
            row.phone, row.notes = theirs_phone, "Prefers afternoons"
            s.flush()
            theirs = encode(row, "clinic-1", KEY)
            row.phone, row.notes = "+905320000001", "Prefers mornings"
            s.flush()
            mine = encode(row, "clinic-1", KEY)
            row.phone, row.notes = kept
            records, devices = [theirs, mine], ("device-B", "device-A")
            if swapped:
                records, devices = records[::-1], devices[::-1]
            pulled = PulledConflict(
                "c-2", "edit", "patient", layla, records, row.updated_at, devices=devices
            )
            keep_conflicts(s, [pulled], {"device-B": DeviceName("FRONT-2", "B")})
    finally:
        db.close()


def _wait_for_pick(
    qtbot: QtBot, panel: ConflictsPanel, conflict_id: str, name: str, shown: str
) -> None:
    """Until the panel's card shows ``shown`` (a reload begun before the pull may land
    first)."""

    def there() -> bool:
        card = panel.card(conflict_id)
        button = None if card is None else card.findChild(QRadioButton, name)
        return button is not None and button.text() == shown

    qtbot.waitUntil(there, timeout=10_000)


def test_a_pick_follows_the_value_seen_and_is_dropped_once_no_side_holds_it(
    qtbot: QtBot, edited: tuple[str, str], window: MainWindow, seeded: Seeded
) -> None:
    conflict_id, layla = edited
    panel = _open(qtbot, window)
    controller = _controller(window)
    card = panel.card(conflict_id)
    assert card is not None
    for name in ("pick_phone_A", "pick_notes_A"):  # FRONT-2's phone and notes
        button = card.findChild(QRadioButton, name)
        assert button is not None
        button.click()
    _pulled_again(seeded.root, layla, "+905320000002", swapped=True)
    controller.reload()
    _wait_for_pick(qtbot, panel, conflict_id, "pick_phone_B", "B: +905320000002")
    rebuilt = panel.card(conflict_id)
    assert rebuilt is not None
    assert rebuilt.picked() == {"phone": "B", "notes": "B"}, "the picks follow the values seen"
    _pulled_again(seeded.root, layla, "+905320000003", swapped=False)  # a phone nobody saw
    controller.reload()
    _wait_for_pick(qtbot, panel, conflict_id, "pick_phone_A", "A: +905320000003")
    again = panel.card(conflict_id)
    assert again is not None
    assert again.picked() == {"notes": "A"}, "the phone picked is on no side now: asked again"
    assert (conflict_id, "phone") not in panel.chosen
    assert not again.buttons["chooseFields"].isEnabled()
