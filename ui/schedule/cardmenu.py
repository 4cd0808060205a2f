"""The right-click menu of an appointment card: its status actions, reschedule, cancel;
its patient and the next visit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMenu, QWidget

from receptionist.schedule import lifecycle
from receptionist.schedule.cards import AgendaItem

from .. import icons
from . import cardtext, look


def action_label(status: str) -> str:
    labels = {
        "confirmed": QCoreApplication.translate("cardmenu", "&Confirmed"),
        "arrived": QCoreApplication.translate("cardmenu", "&Arrived"),
        "in_room": QCoreApplication.translate("cardmenu", "&In room"),
        "completed": QCoreApplication.translate("cardmenu", "Co&mpleted"),
        "no_show": QCoreApplication.translate("cardmenu", "&No-show"),
    }
    return labels[status]


@dataclass(frozen=True)
class VisitActions:
    """What a card's menu offers beyond its statuses: each takes the appointment id."""

    open_patient: Callable[[str], None]
    book_next: Callable[[str], None]


def build_card_menu(
    parent: QWidget,
    item: AgendaItem,
    on_status: Callable[[str, str], None],
    on_cancel: Callable[[str], None],
    on_reschedule: Callable[[str], None] | None = None,
    when: tuple[datetime, tzinfo] | None = None,
    detail: str = "",
    visit: VisitActions | None = None,
) -> QMenu:
    """A menu whose actions call ``on_status(id, status)``, ``on_reschedule(id)`` (which
    puts the card on the pinboard) or ``on_cancel(id)``; with ``visit``, "Open patient"
    and "Book next visit" too.

    The current status is shown checked; only the moves the core's life cycle allows
    (``receptionist.schedule.lifecycle``) are enabled, so a wrong click cannot even be made; with
    ``when`` (now, the clinic's zone), so are only those the card's time allows. A
    finished visit (completed, a no-show) offers no status road, no move and no cancel:
    its patient and the next visit instead (and a no-show, its take-back).
    """
    menu = QMenu(parent)
    menu.setObjectName("cardMenu")
    menu.setToolTipsVisible(True)  # what an action does, or why it is off
    shown = look.shown_status(item.status, item.start_utc, when)
    title = QCoreApplication.translate("cardmenu", "{0}: {1}").format(
        cardtext.patient_name(item), look.status_label(shown)
    )
    menu.setTitle(title)
    heading = menu.addSection(title)
    heading.setObjectName("cardMenuHeading")
    if detail:  # service and time: a short card shows only the name
        what = menu.addAction(detail)
        what.setObjectName("cardMenuDetail")
        what.setEnabled(False)
    if item.status in lifecycle.FINAL:
        _finished(menu, item, on_status, when)
    else:
        _statuses(menu, item, on_status, when)
        menu.addSeparator()
        _changes(menu, item, on_cancel, on_reschedule)
    if visit is not None:
        menu.addSeparator()
        _visit(menu, item, visit)
    icons.decorate_card_menu(menu)
    return menu


def _statuses(
    menu: QMenu,
    item: AgendaItem,
    on_status: Callable[[str, str], None],
    when: tuple[datetime, tzinfo] | None,
) -> None:
    for status in look.STATUS_ACTIONS:
        action = menu.addAction(action_label(status))
        action.setObjectName(f"status_{status}")
        action.setCheckable(True)
        action.setChecked(item.status == status)
        action.setEnabled(
            lifecycle.can_move(item.status, status)
            and (when is None or not lifecycle.not_yet(status, item.start_utc, *when))
        )
        action.triggered.connect(lambda _=False, s=status: on_status(item.id, s))


def _finished(
    menu: QMenu,
    item: AgendaItem,
    on_status: Callable[[str, str], None],
    when: tuple[datetime, tzinfo] | None,
) -> None:
    """A no-show may be taken back: offered on its own day only (the core's rule); the
    core says whether its slot is still free."""
    if item.status != "no_show":
        return
    back = menu.addAction(QCoreApplication.translate("cardmenu", "&Take back the no-show"))
    back.setObjectName("status_take_back")
    back.setEnabled(when is None or lifecycle.on_its_day(item.start_utc, *when))
    back.setToolTip(
        QCoreApplication.translate(
            "cardmenu", "Book it again: only on its day, while its time is still free"
        )
    )
    back.triggered.connect(lambda _=False: on_status(item.id, "booked"))


def _changes(
    menu: QMenu,
    item: AgendaItem,
    on_cancel: Callable[[str], None],
    on_reschedule: Callable[[str], None] | None,
) -> None:
    if on_reschedule is not None:
        move = menu.addAction(QCoreApplication.translate("cardmenu", "&Reschedule…"))
        move.setObjectName("reschedule")
        move.setToolTip(
            QCoreApplication.translate("cardmenu", "Put it on the pinboard, then pick a new slot")
        )
        move.triggered.connect(lambda _=False: on_reschedule(item.id))
    cancel = menu.addAction(QCoreApplication.translate("cardmenu", "Cancel appointment…"))
    cancel.setObjectName("status_cancel")
    cancel.setEnabled(lifecycle.can_move(item.status, "cancelled"))
    cancel.triggered.connect(lambda _=False: on_cancel(item.id))


def _visit(menu: QMenu, item: AgendaItem, visit: VisitActions) -> None:
    patient = menu.addAction(QCoreApplication.translate("cardmenu", "&Open patient"))
    patient.setObjectName("openPatient")
    patient.triggered.connect(lambda _=False: visit.open_patient(item.id))
    book = menu.addAction(QCoreApplication.translate("cardmenu", "&Book next visit…"))
    book.setObjectName("bookNext")
    book.setToolTip(
        QCoreApplication.translate("cardmenu", "Book this patient again with the same provider")
    )
    if cardtext.anonymised(item):  # her window opens (her visits); nobody can be booked
        book.setEnabled(False)
        book.setToolTip(
            QCoreApplication.translate(
                "cardmenu",
                "This patient was anonymised: the record holds no one to book, only visits "
                "kept for statistics",
            )
        )
    book.triggered.connect(lambda _=False: visit.book_next(item.id))
