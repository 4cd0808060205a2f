"""``--screenshots DIR``: each main screen rendered offscreen into a PNG, then exit.

Steps run one after another on a timer: set a screen up, wait until the schedule
has loaded and the worker is idle, grab it, go on. A step without a name only sets
up (opens a dialog, types a search) for the next, once the worker has answered.
Popups and dialogs are painted onto the window's picture where they would appear,
then closed, so the app quits as it was found (nothing booked, pinned or saved).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QMenu, QWidget

from receptionist.clock import Clock, FixedClock
from receptionist.ops import appointments
from receptionist.schedule.undo import Before, Undo
from receptionist.store.storage import Database

from . import messages, textsize, undo
from .booking.dialog import BookingDialog
from .cancel import CancelDialog
from .mainwindow import MainWindow
from .patients import Patients
from .patientshots import PatientShots
from .pinboard import Pinboard
from .quickfind import QuickFind
from .schedule import cardtext
from .settings import Settings
from .signin import SignInDialog
from .tasks import DbOp
from .templateeditor import TemplatesDialog, open_templates
from .today import FrontDesk
from .unlock import UnlockDialog
from .wizard.preview import join_downloading

Prepare = Callable[[], object]
Shoot = Callable[[], "QPixmap | None"]
Step = tuple["str | None", "Prepare | None", "Shoot | None"]  # no name: a setup stage
POLL_MS = 25
TIMEOUT_MS = 60_000


def composite(window: QWidget, *popups: QWidget) -> QPixmap:
    """The window's picture with ``popups`` painted where they sit (or centred)."""
    QCoreApplication.sendPostedEvents()  # pending layouts first, or a toolbar shows stale
    picture = window.grab()
    painter = QPainter(picture)
    try:
        for popup in popups:
            shot = popup.grab()
            if isinstance(popup, QMenu | QuickFind):  # placed by the app, not centred
                at = window.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0)))
            else:
                at = QPoint(
                    (picture.width() - shot.width()) // 2, (picture.height() - shot.height()) // 3
                )
            painter.drawPixmap(at, shot)
            painter.setPen(QColor("#8a94a6"))
            painter.drawRect(at.x() - 1, at.y() - 1, shot.width() + 1, shot.height() + 1)
    finally:
        painter.end()
    return picture


class Screenshots(QObject):
    """Walks the screens once the main window is ready; ``done(exit_code)`` at the end."""

    done = Signal(int)

    def __init__(
        self, out_dir: Path, parent: QObject | None = None, *, poll_ms: int = POLL_MS
    ) -> None:
        """``poll_ms``: how often to look whether the window is ready for the next step
        (a test looks more often; each step waits for two idle looks)."""
        super().__init__(parent)
        self.out_dir = Path(out_dir)
        self.saved: list[Path] = []
        self.window: MainWindow | None = None
        self._steps: list[Step] = []
        self._pending: tuple[str, Shoot] | None = None
        self._poll_ms = poll_ms
        self._read_only: TemplatesDialog | None = None  # the templates as a receptionist reads
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)
        self._waited = 0
        self._idle_polls = 0
        self._search_left = 7
        self._real_clock: Clock | None = None
        self._patient_of: dict[str, str] = {}  # appointment id -> its patient's id

    def run(self, window: MainWindow) -> None:
        self.window = window
        self.out_dir.mkdir(parents=True, exist_ok=True)
        m = window.model
        self._steps = [
            ("01-schedule-day", None, self._plain),
            ("02-schedule-week", lambda: m.set_mode("week"), self._plain),
            ("03-schedule-rooms-with-no-room-column", self._rooms, self._plain),
            (
                "04-card-menu-completed-visit",
                lambda: m.set_kind("provider"),
                lambda: self._card_menu(frozenset({"completed"})),
            ),
            (
                "04b-card-menu-booked-visit",
                None,
                lambda: self._card_menu(frozenset({"booked", "confirmed"})),
            ),
            ("05-cancel-dialog", None, self._cancel_dialog),
            ("06-error-message", None, self._error_message),
            ("07-locked-sign-in", None, self._locked),
            ("08-unlock-dialog", None, self._unlock_dialog),
            (None, self._open_booking, None),
            (None, self._type_booking_patient, None),
            (None, self._pick_booking_patient, None),
            ("09-booking-dialog-with-date", None, self._booking_dialog),
            (None, self._find_sample_patient, None),
            (None, self._open_patient_search, None),
            ("10-patient-search", None, self._patient_search),
            (None, self._open_patient, None),
            ("11-patient-window", None, self._patient_window),
            (None, self._open_quick_find, None),
            ("12-quick-find", None, self._quick_find),
            (None, self._open_board, None),
            ("13-today-panel-beside-schedule", None, self._today_board),
            ("13b-undo-in-status-bar", None, self._undo_message),
            (None, self._open_waitlist, None),
            ("14-waitlist", None, self._waitlist),
            (None, self._open_settings, None),
            ("15-settings-providers", None, self._settings),
            (None, self._open_settings_google, None),
            ("15b-settings-google", None, self._settings),
            (None, self._open_templates, None),
            ("15c-message-templates", None, self._templates),
            (None, self._open_templates_read_only, None),
            ("15d-message-templates-read-only", None, self._templates_read_only),
            (None, lambda: self._open_templates("en", "whatsapp"), None),
            ("15e-message-templates-whatsapp", None, self._templates),
            (None, self._pin, None),
            ("16-pinboard", None, self._pinboard),
            (None, lambda: self._open_patient_on("commlog"), None),
            ("17-patient-communication", None, self._patient_log),
            (None, lambda: self._open_patient_on("documents"), None),
            ("18-patient-documents", None, self._patient_window),
            *PatientShots(self).steps(),
            ("19-schedule-closed-day", self._closed_day, self._plain),
            (None, lambda: window.help.show_shortcuts(), None),
            ("20-keyboard-shortcuts", None, lambda: self._over_window(window.help.sheet)),
            ("21-larger-text", lambda: self._larger_text(True), self._plain),
            (None, self._open_this_pc, None),
            ("22-larger-text-settings", None, self._this_pc_then_usual_text),
            ("25-wizard-join-downloading", None, self._join_page),
        ]
        self._timer.start()

    def _busy(self) -> bool:
        w = self.window
        return w is None or w.model.loading or w.desk.tasks.pending() > 0

    def _poll(self) -> None:
        self._waited += self._poll_ms
        if self._waited > TIMEOUT_MS:
            self._finish(1)
            return
        if self._busy():
            self._idle_polls = 0
            return
        self._idle_polls += 1
        if self._idle_polls < 2:  # one more turn of the event loop: layouts settle
            return
        if self._find_busy_day():
            return
        if self._pending is not None:
            shot_name, shot = self._pending
            self._pending = None
            self._save(shot_name, shot() or self._plain())
        if not self._steps:
            self._finish(0)
            return
        name, prepare, shoot = self._steps.pop(0)
        if prepare is not None:
            prepare()
        if name is not None and shoot is not None:
            self._pending = (name, shoot)

    def _rooms(self) -> None:
        assert self.window is not None
        self.window.model.set_mode("day")
        self.window.model.set_kind("room")

    def _closed_day(self) -> None:
        """The next Sunday (closed in the demo): the grid says so and offers Monday."""
        assert self.window is not None
        m = self.window.model
        m.set_mode("day")
        m.set_kind("provider")
        m.set_day(m.day + timedelta(days=6 - m.day.weekday() or 7))

    def _find_busy_day(self) -> bool:
        """Step forward (at most a week) from an empty day, so the pictures show bookings."""
        w = self.window
        if w is None or self._search_left <= 0 or w.model.items():
            self._search_left = 0
            return False
        self._search_left -= 1
        w.model.step(+1)
        return True

    def _plain(self) -> QPixmap:
        assert self.window is not None
        return self.window.grab()

    def _save(self, name: str, picture: QPixmap) -> None:
        path = self.out_dir / f"{name}.png"
        picture.save(str(path))
        self.saved.append(path)

    def _finish(self, code: int) -> None:
        self._timer.stop()
        self.done.emit(code)

    # --- the screens that need more than the schedule ----------------------------------
    def _card_menu(self, statuses: frozenset[str]) -> QPixmap | None:
        """The menu of the first card in one of ``statuses`` (the cursor left on it)."""
        w = self.window
        assert w is not None
        found = next(
            (
                (i, c)
                for i, col in enumerate(w.model.columns)
                for c in col.cards
                if c.item.status in statuses
            ),
            None,
        )
        if found is None:
            return None
        index, card = found
        w.schedule.set_cursor(index, card.top // w.schedule.geo.slot_minutes)
        w.schedule.menu_at_cursor()
        menu = w.schedule.menu
        picture = composite(w, menu) if menu is not None else None
        if menu is not None:
            menu.close()
        return picture

    def _cancel_dialog(self) -> QPixmap:
        w = self.window
        assert w is not None
        card = w.schedule.card_at_cursor()
        who = cardtext.patient_name(card.item) if card else w.tr("the patient")
        when = w.status_ops.when(card.item) if card else ""
        dialog = CancelDialog(card.item.id if card else "", who, w, when)
        dialog.show()
        picture = composite(w, dialog)
        dialog.close()
        return picture

    def _error_message(self) -> QPixmap:
        w = self.window
        assert w is not None
        messages.error(messages.calm_sentence())
        box = w.dialogs.current
        picture = composite(w, box) if box is not None else w.grab()
        if box is not None:
            box.close()
        return picture

    def _locked(self) -> QPixmap:
        w = self.window
        assert w is not None
        w.lock()
        dialog = SignInDialog(w, w.desk.clinic.name, locked=True, username=w.desk.username)
        dialog.show()
        picture = composite(w, dialog)
        dialog.close()
        w.unlock()
        return picture

    def _unlock_dialog(self) -> QPixmap:
        dialog = UnlockDialog(None, str(self.window.desk.root) if self.window else "")
        dialog.show()
        dialog.show_error(
            dialog.tr("That passphrase or recovery code does not unlock this clinic.")
        )
        picture = dialog.grab()
        dialog.close()
        return picture

    # --- the dialogs and docks of the other screens ------------------------------------
    def _sample(self) -> tuple[str, str, str, str] | None:
        """An appointment on screen: its id, patient id, patient name and service id."""
        assert self.window is not None
        cards = self.window.model.items()
        if not cards:
            return None
        item = cards[0].item
        name = cardtext.patient_name(item)
        return item.id, self._patient_of.get(item.id, ""), name, item.service_id

    def _find_sample_patient(self) -> None:
        """A card does not carry its patient's id: read it (the steps wait for it)."""
        sample = self._sample()
        if sample is None:
            return
        appointment_id = sample[0]
        assert self.window is not None
        ctx = self.window.desk.ctx()

        def read(db: Database) -> str:
            return appointments.show(db, ctx, appointment_id).patient_id

        DbOp(self.window.desk.tasks, read, self).success(
            lambda patient_id: self._patient_of.__setitem__(appointment_id, patient_id)
        ).run()

    def _name(self) -> str:
        sample = self._sample()
        return sample[2] if sample else "a"

    def _patients(self) -> Patients:
        assert self.window is not None
        patients = self.window.findChild(Patients)
        assert isinstance(patients, Patients)
        return patients

    def _front_desk(self) -> FrontDesk:
        assert self.window is not None
        desk = self.window.findChild(FrontDesk)
        assert isinstance(desk, FrontDesk)
        return desk

    def _over_window(self, dialog: QDialog | None) -> QPixmap | None:
        """The window with ``dialog`` over it, then the dialog closed."""
        assert self.window is not None
        if dialog is None:
            return None
        picture = composite(self.window, dialog)
        dialog.done(QDialog.DialogCode.Rejected)  # not reject(): it may warn and stay open
        return picture

    def _booking(self) -> BookingDialog | None:
        assert self.window is not None
        return self.window.booking.dialog

    def _open_booking(self) -> None:
        assert self.window is not None
        self.window.booking.action.trigger()  # "New appointment…"

    def _type_booking_patient(self) -> None:
        dialog = self._booking()
        if dialog is not None:
            dialog.picker.query.setText(self._name())
            dialog.picker.search_now()

    def _pick_booking_patient(self) -> None:
        dialog = self._booking()
        if dialog is None:
            return
        dialog.picker.pick_current()
        sample = self._sample()
        service = dialog.service.findData(sample[3]) if sample else -1
        dialog.service.setCurrentIndex(max(0, service))  # asks for the free times

    def _booking_dialog(self) -> QPixmap | None:
        dialog = self._booking()
        picture = self._over_window(dialog)
        if dialog is not None:  # a picked patient is unsaved work: it would hold up quitting
            dialog.deleteLater()
        return picture

    def _open_patient_search(self) -> None:
        search = self._patients().show_search()
        search.picker.field.setText(self._name().split()[0])
        search.picker.finder.search_now()

    def _patient_search(self) -> QPixmap | None:
        return self._over_window(self._patients().search)

    def _sample_patient(self) -> str | None:
        """The sample card's patient; a run without it fails rather than quietly
        picturing the schedule where a patient's window belongs."""
        sample = self._sample()
        if sample is not None and not sample[1]:
            self._finish(1)
            return None
        return sample[1] if sample else None

    def _open_patient(self) -> None:
        patient_id = self._sample_patient()
        if patient_id is not None:
            self._patients().open_patient(patient_id).tabs.setCurrentIndex(0)  # Details

    def _patient_window(self) -> QPixmap | None:
        sample = self._sample()
        windows = self._patients().windows
        return self._over_window(windows.get(sample[1]) if sample else None)

    def _open_patient_on(self, tab: str) -> None:
        """The sample patient's window on its "commlog" or "documents" tab (read, not changed)."""
        patient_id = self._sample_patient()
        if patient_id is not None:
            shown = self._patients().open_patient(patient_id)
            shown.tabs.setCurrentWidget(getattr(shown, tab))

    def _patient_log(self) -> QPixmap | None:
        """The log with a call being typed in (then dropped: nothing is logged)."""
        sample = self._sample()
        shown = self._patients().windows.get(sample[1]) if sample else None
        if shown is None:
            return None
        shown.commlog.summary.setPlainText(shown.tr("Asked to move the check-up to a morning"))
        picture = self._over_window(shown)
        shown.commlog.summary.clear()
        return picture

    def _open_quick_find(self) -> None:
        quick = self._patients().show_quick_find()
        quick.picker.field.setText(self._name().split()[0])
        quick.picker.finder.search_now()

    def _quick_find(self) -> QPixmap | None:
        return self._over_window(self._patients().quick)

    def _open_board(self) -> None:
        """The board of the day on screen (mid-morning), when today has no bookings shown."""
        assert self.window is not None
        desk, day = self.window.desk, self.window.model.day
        if day != desk.today():
            self._real_clock = desk.clock
            desk.clock = FixedClock(datetime.combine(day, time(10, 30), desk.clinic.tz))
        self._front_desk().show_board(remember=False)

    def _today_board(self) -> QPixmap | None:
        """The panel beside the schedule (shown for the picture: this PC's preference
        is left as it was)."""
        assert self.window is not None
        picture = self._plain()
        if self._real_clock is not None:
            self.window.desk.clock, self._real_clock = self._real_clock, None
        return picture

    def _undo_message(self) -> QPixmap | None:
        """The status bar's Undo after a mark, the panel still open; nothing was saved,
        so the offer (of nothing) is dropped after the picture, and the panel closed."""
        w = self.window
        assert w is not None
        sample = w.model.items()
        if sample:
            item = sample[0].item
            before = Before(item.status, None, "", item.start_utc, item.end_utc,
                            item.provider_id, item.room_id, None, "")  # fmt: skip
            said = undo.saved(item.patient_name, "arrived")
            w.undo.offer(Undo(item.id, "status", before, 0), said)
            QCoreApplication.processEvents()  # the bar laid out for the button's new name
        picture = self._plain()
        w.undo.drop()
        dock = self._front_desk().dock
        if dock is not None:
            dock.hide()
        return picture

    def _join_page(self) -> QPixmap:
        assert self.window is not None
        desk = self.window.desk
        return join_downloading(desk.tasks, desk.clock, self.out_dir / "not-made")

    def _open_waitlist(self) -> None:
        self._front_desk().show_waitlist()

    def _waitlist(self) -> QPixmap | None:
        return self._over_window(self._front_desk().waitlist)

    def _open_settings(self) -> None:
        assert self.window is not None
        settings = self.window.findChild(Settings)
        assert isinstance(settings, Settings)
        dialog = settings.show_dialog()
        dialog.tabs.setCurrentWidget(dialog.providers)

    def _open_settings_google(self) -> None:
        assert self.window is not None
        settings = self.window.findChild(Settings)
        if isinstance(settings, Settings):
            # Shown again (the last picture closed it): a page first laid out while its
            # dialog is hidden keeps a stale scroll bar.
            dialog = settings.show_dialog()
            dialog.tabs.setCurrentWidget(dialog.google)

    def _open_templates(self, language: str = "tr", channel: str = "sms") -> None:
        """Settings > Reminders > Message templates…, on the reminder of ``language`` and
        ``channel`` (the Turkish SMS; WhatsApp: its approved template's name and values)."""
        assert self.window is not None
        settings = self.window.findChild(Settings)
        if isinstance(settings, Settings):
            dialog = settings.show_dialog()
            dialog.tabs.setCurrentWidget(dialog.clinic)
            shown = dialog.clinic.show_templates()
            shown.language.setCurrentIndex(shown.language.findData(language))
            shown.channel.setCurrentIndex(shown.channel.findData(channel))

    def _open_templates_read_only(self) -> None:
        """The templates as a receptionist reads them (no "clinic.configure")."""
        assert self.window is not None
        self._read_only = open_templates(self.window.desk, False, self.window)

    def _templates_read_only(self) -> QPixmap | None:
        shown, self._read_only = self._read_only, None
        picture = self._over_window(shown)
        if shown is not None:
            shown.deleteLater()
        return picture

    def _templates(self) -> QPixmap | None:
        assert self.window is not None
        settings = self.window.findChild(Settings)
        dialog = settings.dialog if isinstance(settings, Settings) else None
        if dialog is None or dialog.clinic.templates is None:
            return None
        picture = self._over_window(dialog.clinic.templates)
        dialog.done(QDialog.DialogCode.Rejected)
        return picture

    def _settings(self) -> QPixmap | None:
        assert self.window is not None
        settings = self.window.findChild(Settings)
        return self._over_window(settings.dialog if isinstance(settings, Settings) else None)

    def _larger_text(self, larger: bool) -> None:
        """Settings > This PC > Larger text, on the Monday after the closed Sunday."""
        assert self.window is not None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            textsize.apply(app, larger)
        if larger:
            self.window.model.set_day(self.window.model.day + timedelta(days=1))

    def _open_this_pc(self) -> None:
        self._open_settings()
        assert self.window is not None
        settings = self.window.findChild(Settings)
        if isinstance(settings, Settings) and settings.dialog is not None:
            settings.dialog.tabs.setCurrentWidget(settings.dialog.this_pc)

    def _this_pc_then_usual_text(self) -> QPixmap | None:
        """This PC with Larger text ticked (shown, not saved), then the usual size."""
        assert self.window is not None
        settings = self.window.findChild(Settings)
        dialog = settings.dialog if isinstance(settings, Settings) else None
        picture = None
        if dialog is not None:
            box = dialog.this_pc.editor("desk.larger_text")
            if isinstance(box, QCheckBox):
                box.setChecked(True)
            picture = composite(self.window, dialog)
            dialog.this_pc.revert()  # nothing is saved: the picture's tick is not kept
            dialog.done(QDialog.DialogCode.Rejected)
        self._larger_text(False)
        return picture

    def _pin(self) -> None:
        assert self.window is not None
        board = self.window.findChild(Pinboard, "pinboard")
        sample = self._sample()
        if isinstance(board, Pinboard) and sample is not None:
            board.pin_id(sample[0])

    def _pinboard(self) -> QPixmap:
        assert self.window is not None
        picture = self._plain()
        board = self.window.findChild(Pinboard, "pinboard")
        if isinstance(board, Pinboard):  # the demo is left as it was: nothing pinned
            board.model.unpin(board.current_id() or "")
            board.hide()
        return picture
