"""The Conflicts panel: each conflict in plain words, its sides, and what can be done.

It only shows and asks: the buttons emit what was asked for, and the controller
(``ui/conflicts/__init__.py``) does it on the worker. The values picked field by field
for two edits, not yet applied, outlive the panel's rebuilds (a pull, another change):
the panel keeps them by conflict and field until the conflict closes, each as the
digest of the value picked, not its side's letter. A conflict pulled again with the
sides in another order keeps the pick on the value; one whose picked value is on no
side any more drops the pick, and the person is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops import conflicts
from receptionist.ops.conflicts import ConflictView, Side
from receptionist.ops.conflictwords import FieldChoice
from receptionist.texts import Text, When

from ..coretext import one_line, translated, when_text


def side_when(side: Side, tz: tzinfo) -> str:
    """When a side's booking starts, in the clinic's time zone ("Tue 03 Mar 09:00")."""
    if side.start_utc is None:
        return ""
    return when_text(When(side.start_utc.astimezone(tz), "day_time"))


class ConflictCard(QFrame):
    """One conflict: its words, one line per side, its buttons."""

    def __init__(self, conflict: ConflictView, panel: ConflictsPanel, parent: QWidget) -> None:
        super().__init__(parent)
        self.conflict, self.panel = conflict, panel
        self.setObjectName("conflictCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.box = layout = QVBoxLayout(self)
        words = QLabel(translated(conflict.words), self)
        words.setObjectName("conflictWords")
        words.setWordWrap(True)
        font = words.font()
        font.setBold(True)
        words.setFont(font)
        layout.addWidget(words)
        if conflict.called:
            called = QLabel(self.tr("The patient is being called."), self)
            called.setObjectName("conflictCalled")
            layout.addWidget(called)
        if conflict.sending:
            sending = QLabel(
                self.tr("Settled on this PC, not yet sent: the next sync closes it on every PC."),
                self,
            )
            sending.setObjectName("conflictUnsent")
            sending.setWordWrap(True)
            layout.addWidget(sending)
        for side in conflict.sides:
            line = QLabel(self._side_text(side), self)
            line.setObjectName(f"conflictSide{side.label}")
            layout.addWidget(line)
        for side in conflict.sides if conflict.open else ():
            if not side.here:  # what would change it is offered greyed, saying why
                missing = QLabel(translated(conflicts.missing_words(side)), self)
                missing.setObjectName(f"conflictNotHere{side.label}")
                missing.setWordWrap(True)
                layout.addWidget(missing)
        self.picks: dict[str, QButtonGroup] = {}  # field -> its sides' values, to pick one
        for choice in conflict.fields:
            line = QLabel(translated(choice.words), self)
            line.setWordWrap(True)
            layout.addWidget(line)
            if conflict.open:
                layout.addLayout(self._field_picker(choice))
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        layout.addLayout(row)
        if conflict.open and conflict.kind == "overlap":
            self._booking_buttons(row, panel)
        elif conflict.open:  # one settled here has nothing left to decide
            for side in conflict.sides[:2]:
                self._button(
                    row, f"choose{side.label}", self.tr("Keep {0}'s values").format(side.label),
                    partial(panel.chooseRequested.emit, conflict, side),
                )  # fmt: skip
            if self.picks:
                self._button(
                    row, "chooseFields", self.tr("Keep the values picked"),
                    lambda: panel.fieldsChosen.emit(conflict, self.picked()),
                )  # fmt: skip
                self._update_picked()
        row.addStretch(1)

    def _field_picker(self, choice: FieldChoice) -> QHBoxLayout:
        """One radio button per side, with that side's value of the field."""
        line = QHBoxLayout()
        line.setContentsMargins(16, 0, 0, 0)
        group = QButtonGroup(self)
        key = (self.conflict.id, choice.field)
        kept = self.panel.chosen.get(key)
        found = False
        for side, value, digest in zip(
            self.conflict.sides, choice.values, choice.digests, strict=False
        ):
            shown = printable(value, lines=False) or self.tr("(empty)")
            button = QRadioButton(self.tr("{0}: {1}").format(side.label, shown), self)
            button.setObjectName(f"pick_{choice.field}_{side.label}")
            button.setProperty("side", side.label)
            button.setProperty("digest", digest)
            group.addButton(button)
            line.addWidget(button)
            if kept == digest and not found:
                button.setChecked(True)  # the value picked before the panel was rebuilt
                found = True
        if kept is not None and not found:
            del self.panel.chosen[key]  # its value is on no side now: asked again
        line.addStretch(1)
        group.buttonToggled.connect(partial(self._toggled, choice.field))
        self.picks[choice.field] = group
        return line

    def _toggled(self, name: str, button: QRadioButton, checked: bool) -> None:
        if checked:
            self.panel.chosen[(self.conflict.id, name)] = str(button.property("digest"))
        self._update_picked()

    def picked(self) -> dict[str, str]:
        """Each field's picked side (label), for the fields picked so far."""
        found: dict[str, str] = {}
        for name, group in self.picks.items():
            checked = group.checkedButton()
            if checked is not None:
                found[name] = str(checked.property("side"))
        return found

    def _update_picked(self) -> None:
        button = self.buttons.get("chooseFields")
        if button is not None:
            button.setEnabled(len(self.picked()) == len(self.picks))

    def _side_text(self, side: Side) -> str:
        who = one_line(side.patient) or self.tr("a patient not on this PC")
        device = printable(translated(side.device), lines=False)
        if self.conflict.kind != "overlap":
            return self.tr("{0}: changed on {1}").format(side.label, device)
        when = side_when(side, self.panel.tz)
        if not when:
            return self.tr("{0}: {1}, booked on {2}").format(side.label, who, device)
        return self.tr("{0}: {1}, {2}, booked on {3}").format(side.label, who, when, device)

    def _booking_buttons(self, row: QHBoxLayout, panel: ConflictsPanel) -> None:
        conflict = self.conflict
        keeping = QHBoxLayout()  # keep one, cancel the others: one button per side
        self.box.addLayout(keeping)
        for kept in conflict.sides:
            others = [s.label for s in conflict.sides if s.label != kept.label]
            text = (
                self.tr("Keep {0}, cancel {1}…").format(kept.label, others[0])
                if len(others) == 1
                else self.tr("Keep {0}, cancel the others…").format(kept.label)
            )
            self._button(
                keeping, f"cancelOthers{kept.label}", text,
                partial(panel.cancelOthersRequested.emit, conflict, kept),
                conflicts.not_here(conflict, "cancel", kept.label),
            )  # fmt: skip
        keeping.addStretch(1)
        if len(conflict.sides) == 2:
            for kept, other in (conflict.sides, conflict.sides[::-1]):
                self._button(
                    row, f"keep{kept.label}",
                    self.tr("Keep {0}, move {1}…").format(kept.label, other.label),
                    partial(panel.moveRequested.emit, conflict, kept, other),
                    conflicts.not_here(conflict, "move", kept.label),
                )  # fmt: skip
        self._button(
            row, "keepBoth", self.tr("Keep both…"), lambda: panel.keepBothRequested.emit(conflict),
            conflicts.not_here(conflict, "keep_both"),
        )  # fmt: skip
        self._button(
            row, "call", self.tr("Call the patient…"), lambda: panel.callRequested.emit(conflict)
        )

    def _button(
        self,
        row: QHBoxLayout,
        name: str,
        text: str,
        clicked: Callable[[], None],
        blocked: Text | None = None,
    ) -> None:
        """A button; greyed, its tooltip saying why, where ``blocked`` says it cannot
        be done on this PC (``conflicts.not_here``)."""
        button = QPushButton(text, self)
        button.setObjectName(f"conflict_{name}")
        button.clicked.connect(lambda _checked=False: clicked())
        if blocked is not None:
            button.setEnabled(False)
            button.setToolTip(translated(blocked))
        row.addWidget(button)
        self.buttons[name] = button


class ConflictsPanel(QDialog):
    """The open conflicts, newest first."""

    moveRequested = Signal(object, object, object)  # ConflictView, kept Side, moved Side
    cancelOthersRequested = Signal(object, object)  # ConflictView, the Side kept
    keepBothRequested = Signal(object)  # ConflictView
    callRequested = Signal(object)  # ConflictView
    chooseRequested = Signal(object, object)  # ConflictView, Side
    fieldsChosen = Signal(object, object)  # ConflictView, {field: side label}
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None, tz: tzinfo = UTC) -> None:
        super().__init__(parent)
        self.tz = tz  # the clinic's: the times each side is booked at
        # Values picked field by field and not yet applied, kept across rebuilds:
        # (conflict id, field) -> the digest of the value picked (what the person saw,
        # whichever side holds it now). Dropped once the conflict closes, or its value
        # is on no side of it any more.
        self.chosen: dict[tuple[str, str], str] = {}
        self.setObjectName("conflictsPanel")
        self.setWindowTitle(self.tr("Conflicts"))
        self.setModal(False)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Two PCs did these differently while offline. Decide each one here; the next "
                "sync settles it on every PC."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.empty = QLabel(self.tr("No conflicts: every PC agrees."), self)
        self.empty.setObjectName("noConflicts")
        layout.addWidget(self.empty)
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.inner = QWidget(self.scroller)
        self.cards_layout = QVBoxLayout(self.inner)
        self.cards_layout.addStretch(1)
        self.scroller.setWidget(self.inner)
        layout.addWidget(self.scroller, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        refresh = buttons.addButton(self.tr("Refresh"), QDialogButtonBox.ButtonRole.ActionRole)
        refresh.setObjectName("conflictsRefresh")
        refresh.clicked.connect(self.refreshRequested)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.cards: list[ConflictCard] = []
        self.resize(720, 420)

    def show_conflicts(self, found: list[ConflictView]) -> None:
        still_open = {c.id for c in found if c.open}
        self.chosen = {key: side for key, side in self.chosen.items() if key[0] in still_open}
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for conflict in found:
            card = ConflictCard(conflict, self, self.inner)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
            card.show()  # a child added to a shown widget waits to be shown
            self.cards.append(card)
        self.empty.setVisible(not found)
        self.scroller.setVisible(bool(found))

    def card(self, conflict_id: str) -> ConflictCard | None:
        return next((c for c in self.cards if c.conflict.id == conflict_id), None)

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()


__all__ = ["ConflictCard", "ConflictsPanel"]
