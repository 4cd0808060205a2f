"""The right-click menu of an appointment card: its status actions, reschedule, cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMenu, QWidget

from receptionist.freetext import printable
from receptionist.schedule import lifecycle
from receptionist.schedule.cards import AgendaItem

from .. import icons
from . import look


def action_label(status: str) -> str:
    labels = {
        "confirmed": QCoreApplication.translate("cardmenu", "&Confirmed"),
        "arrived": QCoreApplication.translate("cardmenu", "&Arrived"),
        "in_room": QCoreApplication.translate("cardmenu", "&In room"),
        "completed": QCoreApplication.translate("cardmenu", "Co&mpleted"),
        "no_show": QCoreApplication.translate("cardmenu", "&No-show"),
    }
    return labels[status]


def build_card_menu(
    parent: QWidget,
    item: AgendaItem,
    on_status: Callable[[str, str], None],
    on_cancel: Callable[[str], None],
    on_reschedule: Callable[[str], None] | None = None,
    when: tuple[datetime, tzinfo] | None = None,
    detail: str = "",
) -> QMenu:
    """A menu whose actions call ``on_status(id, status)``, ``on_reschedule(id)`` (which
    puts the card on the pinboard) or ``on_cancel(id)``.

    The current status is shown checked; only the moves the core's life cycle allows
    (``receptionist.schedule.lifecycle``) are enabled, so a wrong click cannot even be made; with
    ``when`` (now, the clinic's zone), so are only those the card's time allows.
    """
    menu = QMenu(parent)
    menu.setObjectName("cardMenu")
    title = QCoreApplication.translate("cardmenu", "{0}: {1}").format(
        printable(item.patient_name, lines=False), look.status_label(item.status)
    )
    menu.setTitle(title)
    heading = menu.addSection(title)
    heading.setObjectName("cardMenuHeading")
    if detail:  # service and time: a short card shows only the name
        what = menu.addAction(detail)
        what.setObjectName("cardMenuDetail")
        what.setEnabled(False)
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
    menu.addSeparator()
    if on_reschedule is not None:
        move = menu.addAction(QCoreApplication.translate("cardmenu", "&Reschedule…"))
        move.setObjectName("reschedule")
        move.setToolTip(
            QCoreApplication.translate("cardmenu", "Put it on the pinboard, then pick a new slot")
        )
        move.setEnabled(item.status not in lifecycle.FINAL)
        move.triggered.connect(lambda _=False: on_reschedule(item.id))
    cancel = menu.addAction(QCoreApplication.translate("cardmenu", "Cancel appointment…"))
    cancel.setObjectName("status_cancel")
    cancel.setEnabled(lifecycle.can_move(item.status, "cancelled"))
    cancel.triggered.connect(lambda _=False: on_cancel(item.id))
    icons.decorate_card_menu(menu)
    return menu
