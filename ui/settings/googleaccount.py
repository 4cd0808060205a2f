"""Settings → Google, the account box: how the link stands (connected and to which
account, "needs reconnect", the last round and its counts; on the other PCs, as the
Google station shared it) and the buttons to connect, disconnect, and cancel a
browser sign-in while it waits."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from receptionist.google.shared import Shared
from receptionist.google.status import GoogleStatus


def button(parent: QWidget, name: str, text: str) -> QPushButton:
    made = QPushButton(text, parent)
    made.setObjectName(name)
    made.setAutoDefault(False)
    return made


class AccountBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Google account"))
        self.account = self._label("googleAccount")
        self.last_round = self._label("googleLastRound")
        self.connect_button = button(self, "googleConnect", self.tr("Co&nnect in the browser…"))
        self.file_button = button(
            self, "googleConnectFile", self.tr("Connect with an &authorized-user file…")
        )
        self.disconnect_button = button(self, "googleDisconnect", self.tr("&Disconnect"))
        self.cancel_button = button(self, "googleCancelSignIn", self.tr("&Cancel sign-in"))
        self.cancel_button.hide()  # shown while the browser sign-in waits
        # Two rows of buttons: the box sits beside "Events and station" and both must fit
        # the dialog's width at 1366×768 (a third button in the row made it scroll sideways).
        layout = QVBoxLayout(self)
        layout.addWidget(self.account)
        layout.addWidget(self.last_round)
        layout.addStretch(1)  # the texts at the top when the box beside it is taller
        for row in ((self.connect_button, self.file_button),
                    (self.disconnect_button, self.cancel_button)):  # fmt: skip
            line = QHBoxLayout()
            for widget in row:
                line.addWidget(widget)
            line.addStretch(1)
            layout.addLayout(line)

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def show_status(self, found: GoogleStatus, tz: tzinfo) -> None:
        """Here, or as the station shared it when the station is another PC."""
        if found.station.elsewhere:
            self._show_elsewhere(found.station.elsewhere, found.shared, tz)
        else:
            self._show_here(found, tz)

    def _show_elsewhere(self, pc: str, found: Shared | None, tz: tzinfo) -> None:
        """The station's state as it shared it (cloud sync brings it here)."""
        if found is None:
            text = self.tr("PC {0} runs Google sync; how it stands shows here once PC {0} has "
                           "shared it through cloud sync.")  # fmt: skip
        elif not found.connected:
            text = self.tr("No Google account is connected on PC {0}, the Google station.")
        elif found.status == "needs_reconnect":
            text = self.tr(
                "Needs reconnect on PC {0}: Google refused the account (revoked or expired). "
                "Google sync is paused there and what waits is kept; connect again on PC {0}."
            )
        else:
            text = self.tr("Connected on PC {0}, the Google station.")
        self.account.setText(text.format(pc))
        self.last_round.setText(self._shared_round(pc, found, tz) if found is not None else "")

    def _shared_round(self, pc: str, found: Shared, tz: tzinfo) -> str:
        if found.last_round_at is None:
            return self.tr("No round yet on PC {0}.").format(pc)
        when = found.last_round_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        c = found.counts
        text = self.tr(
            "Last round on PC {0} at {1} ({2}): {3} created, {4} updated, {5} deleted, "
            "{6} blocked, {7} for the desk, {8} errors."
        )
        return text.format(
            pc, when, self._status_word(found.status), c.get("created", 0),
            c.get("updated", 0), c.get("deleted", 0), c.get("blocked", 0),
            c.get("conflicts", 0), c.get("errors", 0),
        )  # fmt: skip

    def _show_here(self, found: GoogleStatus, tz: tzinfo) -> None:
        if not found.connected:
            self.account.setText(self.tr("No Google account is connected on this PC."))
        elif found.status == "needs_reconnect":
            self.account.setText(
                self.tr(
                    "Needs reconnect: Google refused the account (revoked or expired). Google "
                    "sync is paused and what waits is kept; connect again."
                )
            )
        else:
            who = found.account or self.tr(
                "an account whose address Google did not give (connect again to read it)"
            )
            self.account.setText(self.tr("Connected: {0}").format(who))
        self.last_round.setText(self._round_text(found, tz))

    def _round_text(self, found: GoogleStatus, tz: tzinfo) -> str:
        if found.last_round_at is None:
            return self.tr("No round yet; {0} waiting.").format(found.waiting)
        when = found.last_round_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        c = found.last_counts
        text = self.tr(
            "Last round {0} ({1}): {2} created, {3} updated, {4} deleted, {5} blocked, "
            "{6} for the desk, {7} errors; {8} waiting."
        )
        return text.format(
            when, self._status_word(found.status), c.get("created", 0), c.get("updated", 0),
            c.get("deleted", 0), c.get("blocked", 0), c.get("conflicts", 0),
            c.get("errors", 0), found.waiting,
        )  # fmt: skip

    def _status_word(self, status: str) -> str:
        return {
            "ok": self.tr("done"),
            "needs_reconnect": self.tr("needs reconnect"),
            "quota": self.tr("paused: daily quota spent"),
            "offline": self.tr("Google not reached"),
            "error": self.tr("some requests failed"),
            "never": self.tr("no account connected since"),
            "connected": self.tr("connected since"),
        }.get(status, status)
