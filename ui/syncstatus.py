"""The status-bar widget for sync and reminders: online, last sync, waiting, conflicts.

Each field has a small icon before it (``<name>Icon``), shown and hidden with it. One
more field shows only while something needs a person: the cloud endpoint signs with
another key than the one this PC pinned (what to do in its tooltip, and in a box when
it is clicked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, Qt, QTime, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from . import icons, messages
from .syncstate import SyncSnapshot, SyncState

ICON_PX = 16
# An icon takes the colour its label has in style.qss for the label's "state".
STATE_TINTS = {
    "online": icons.Tint(normal="#2f855a"),
    "offline": icons.Tint(normal="#b7791f"),
    "alert": icons.Tint(normal="#b7791f"),
}


class SyncStatus(QWidget):
    """Five small labels; each says "not set up" until its feature feeds ``SyncState``."""

    def __init__(
        self,
        state: SyncState,
        parent: QWidget | None = None,
        now: Callable[[], datetime] | None = None,
        zone: Callable[[], tzinfo | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.now = now or (lambda: datetime.now(UTC))
        # The clinic's zone, as every time the app shows (None: the PC's own).
        self.zone = zone or (lambda: None)
        self.setObjectName("syncStatus")
        self.setAccessibleName(self.tr("Sync and reminders status"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.pictures: dict[QLabel, QLabel] = {}
        self.network = self._label("syncNetwork", self.tr("Network and cloud sync"))
        self.last_sync = self._label("syncLast", self.tr("Last successful sync"))
        self.pending = self._label("syncPending", self.tr("Changes waiting to be sent"))
        self.conflicts = self._label("syncConflicts", self.tr("Conflicts waiting for a person"))
        self.reminders = self._label("syncReminders", self.tr("Reminders queued to send"))
        self.endpoint_key = self._label(
            "syncEndpointKey", self.tr("The cloud endpoint's signing key changed")
        )
        self.endpoint_key.setCursor(Qt.CursorShape.PointingHandCursor)
        self.endpoint_key.installEventFilter(self)  # a click says it all in a box
        for label in self.labels():
            label.setContentsMargins(0, 0, 10, 0)  # the gap to the next field, gone with it
            layout.addWidget(self.pictures[label])
            layout.addWidget(label)
        self._names = {
            self.network: "syncNotSetUp",
            self.last_sync: "lastSync",
            self.pending: "pending",
            self.conflicts: "conflicts",
            self.reminders: "reminders",
            self.endpoint_key: "endpointKey",
        }
        self._show_icons()
        state.changed.connect(self.show_snapshot)
        self.show_snapshot(state.snapshot)

    def labels(self) -> list[QLabel]:
        return [
            self.network, self.last_sync, self.pending, self.conflicts, self.reminders,
            self.endpoint_key,
        ]  # fmt: skip

    def _label(self, name: str, description: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(description)
        label.setToolTip(description)
        picture = QLabel(self)  # decoration: the label beside it says it in words
        picture.setObjectName(f"{name}Icon")
        picture.setFixedSize(ICON_PX, ICON_PX)
        self.pictures[label] = picture
        return label

    def _set_icon(self, label: QLabel, name: str) -> None:
        self._names[label] = name
        picture = self.pictures[label]
        tint = STATE_TINTS.get(str(label.property("state") or ""), icons.CALM)
        shown = icons.pixmap(name, ICON_PX, self, tint)
        picture.setPixmap(shown)
        picture.setProperty("icon", name if not shown.isNull() else "")
        picture.setVisible(not label.isHidden() and not shown.isNull())

    def _show_icons(self) -> None:
        """Every field's icon again: at the start, when fields come and go, and on a
        screen of another scaling (the pictures are drawn for the screen's pixels)."""
        for label, name in self._names.items():
            self._set_icon(label, name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.endpoint_key
            and event.type() == QEvent.Type.MouseButtonRelease
            and self.endpoint_key.toolTip()
        ):
            messages.warning(self.endpoint_key.toolTip())
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._show_icons()

    @Slot(object)
    def show_snapshot(self, snap: SyncSnapshot) -> None:
        """Until sync is set up, one "Sync: not set up" stands for its four fields."""
        not_set_up = self.tr("not set up")
        for label in (self.last_sync, self.pending, self.conflicts):
            label.setVisible(snap.sync_set_up)
        if not snap.sync_set_up:
            self.network.setText(self.tr("Sync: {0}").format(not_set_up))
            self.network.setToolTip(
                self.tr(
                    "Online or offline, last sync, changes waiting and conflicts show here "
                    "once cloud or Google sync is set up."
                )
            )
            self.network.setProperty("state", "")
            self._names[self.network] = "syncNotSetUp"
        else:
            online = self.tr("Online") if snap.online else self.tr("Offline")
            self.network.setText(online)
            self.network.setToolTip(self.tr("Network and cloud sync"))
            self.network.setProperty("state", "online" if snap.online else "offline")
            self._names[self.network] = "online" if snap.online else "offline"
        self.last_sync.setText(self.tr("Last sync: {0}").format(self._when(snap)))
        self.pending.setText(self.tr("Waiting: {0}").format(snap.pending_changes or 0))
        self.conflicts.setText(self.tr("Conflicts: {0}").format(snap.open_conflicts or 0))
        self.conflicts.setProperty("state", "alert" if snap.open_conflicts else "")
        self._show_reminders(snap)
        self._show_endpoint_key(snap)
        for label in self.labels():
            label.style().unpolish(label)
            label.style().polish(label)
        self._show_icons()

    def _show_endpoint_key(self, snap: SyncSnapshot) -> None:
        """The endpoint signs with another key than the one pinned: said, with what to
        do (the tooltip and the accessible description hold the whole sentence)."""
        warned = bool(snap.sync_set_up and snap.endpoint_warning)
        label = self.endpoint_key
        label.setVisible(warned)
        label.setProperty("state", "alert" if warned else "")
        label.setText(self.tr("Endpoint key changed: tell its operator") if warned else "")
        label.setToolTip(snap.endpoint_warning if warned else "")
        label.setAccessibleDescription(snap.endpoint_warning if warned else "")

    def _show_reminders(self, snap: SyncSnapshot) -> None:
        """A channel needs attention: which; this PC sends: when the next goes, how many
        wait, how many failed (or, while its messages wait to be tried again, what for:
        the network, the e-mail server, the provider; and on which channels); another
        PC sends: which (with a cloud, the PC holding the reminders' lease, by its
        name); none is named: says so; off: "not set up"."""
        label = self.reminders
        label.setProperty("state", "")
        lease_here = snap.reminders_sender_here
        if snap.reminders_set_up and snap.reminders_attention:
            label.setText(
                self.tr("Reminders: needs attention ({0}), queued {1}").format(
                    ", ".join(snap.reminders_attention), snap.reminders_queued or 0
                )
            )
            label.setToolTip("\n".join(snap.reminders_attention_said))
            label.setProperty("state", "alert")
        elif not snap.reminders_set_up:
            label.setText(self.tr("Reminders: {0}").format(self.tr("not set up")))
            label.setToolTip(self.tr("Reminders are off (Settings > Clinic)."))
        elif snap.reminders_mode == "copy":
            label.setText(self.tr("Reminders: none from this copy"))
            label.setToolTip(self.tr("This is a copy restored to look at: it sends no reminders."))
        elif lease_here or (lease_here is None and snap.reminders_mode == "here"):
            self._sent_here(snap)
        elif snap.reminders_sender:
            label.setText(self.tr("Reminders sent by PC {0}").format(snap.reminders_sender))
            label.setToolTip(
                self.tr(
                    "PC {0} ({1}) holds the reminders' lease at the cloud endpoint: it sends "
                    "the messages; this PC sends none while it does."
                ).format(snap.reminders_sender, snap.reminders_sender_code)
            )
        else:
            self._sent_elsewhere(snap)

    def _sent_here(self, snap: SyncSnapshot) -> None:
        failed = snap.reminders_failed or 0
        check = snap.reminders_to_check  # "Unknown: check": not failed, to look at
        more = self.tr(", to check {0}").format(check) if check else ""
        if snap.reminders_waiting_for:  # a try failed for now: said, never silent
            self.reminders.setText(
                self.tr("Reminders: {0}, queued {1}, failed {2}").format(
                    self._waiting_for(snap), snap.reminders_queued or 0, failed
                )
                + more
            )
            self.reminders.setToolTip("\n".join(snap.reminders_waiting_said))
            self.reminders.setProperty("state", "alert")
            return
        self.reminders.setText(
            self.tr("This PC sends reminders: next {0}, queued {1}, failed {2}").format(
                self._next(snap), snap.reminders_queued or 0, failed
            )
            + more
        )
        self.reminders.setToolTip(
            self.tr("This PC is the reminder station: it sends the messages.")
            if snap.reminders_mode == "here"
            else self.tr("This PC stands by, and sends while the reminder station is off.")
        )
        self.reminders.setProperty("state", "alert" if failed or check else "")

    def _waiting_for(self, snap: SyncSnapshot) -> str:
        """What the waiting channels wait for (the core's words: the network, the
        e-mail server, the provider), each with its channels by name: "waiting for the
        network (SMS); held back by the provider (WhatsApp)" (no brackets for none)."""
        groups = snap.reminders_waiting_for
        return "; ".join(
            f"{words} ({', '.join(channels)})" if channels else words for words, channels in groups
        )

    def _sent_elsewhere(self, snap: SyncSnapshot) -> None:
        """Who sends as the settings say (no word from the cloud endpoint yet)."""
        label = self.reminders
        if snap.reminders_mode == "standby":
            label.setText(self.tr("Reminders: stand-by for PC {0}").format(snap.reminders_station))
            label.setToolTip(
                self.tr("This PC sends the reminders only while the reminder station is off.")
            )
        elif snap.reminders_mode == "elsewhere":
            label.setText(self.tr("Reminders sent by PC {0}").format(snap.reminders_station))
            label.setToolTip(self.tr("Another PC is the reminder station; this PC sends none."))
        else:
            label.setText(self.tr("Reminders: no station"))
            label.setToolTip(
                self.tr("No PC is named the reminder station, so none sends (Settings > Clinic).")
            )
            label.setProperty("state", "alert")

    def _next(self, snap: SyncSnapshot) -> str:
        if snap.reminders_next is None:
            return self.tr("none")
        zone = self.zone()  # the clinic's: its day, its clock
        local = snap.reminders_next.astimezone(zone)
        shown = QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
        if local.date() == self.now().astimezone(zone).date():
            return shown
        day = QLocale().toString(QDate(local.year, local.month, local.day), "d MMM")
        return f"{day} {shown}"

    def _when(self, snap: SyncSnapshot) -> str:
        if snap.last_sync is None:
            return self.tr("never")
        local = snap.last_sync.astimezone(self.zone())  # the clinic's clock
        return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
