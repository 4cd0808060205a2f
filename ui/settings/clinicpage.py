"""Pages built from the settings registry: the clinic's settings, and this PC's.

Each page shows every setting of its scope, grouped by the first part of the key
(``clinic.``, ``schedule.``, ``desk.``) in sections chosen from a list (``sections``:
the page fits a 1366×768 screen), each with its label, its editor
(``editors.editor_for``) and its help. Save sends every value at once; the
core checks them all before writing any, and a refusal is shown under the setting it
names. A setting not edited here (its editor holds the value the page last put in it)
is written as stored at that moment, not as the page showed it: another window (the
message templates) may have saved it since (#14). A value saved before its check grew
stricter is shown as saved with the check's words under it (``Entry.refused``), and
left out of a save until it is changed. Adding a setting to the registry adds it here:
no widget code.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.ops import backups, channeltest
from receptionist.ops import settings as registry_ops
from receptionist.reminders.channelsettings import BY_CHANNEL
from receptionist.settings import registry
from receptionist.settings.backups import FOLDER as BACKUP_FOLDER
from receptionist.settings.registry import Scope, Setting
from receptionist.texts import Text
from sync import reminderlease

from .. import messages
from ..coretext import exception_text, translated
from ..desk import Desk
from ..flaglabel import ATTENTION, flag_label
from ..tasks import DbOp, TaskManager
from ..templateeditor import TemplatesDialog, open_templates
from .channeltest import ChannelTests, channel_keys
from .data import CHANNEL_SECRETS, Snapshot, load, save_secret, save_settings
from .editors import LocalProblem, SettingEditor, editor_for
from .fields import FieldForm
from .secretfield import KEYS_MANAGE, ConfirmRemove, SecretEditor, ask_remove, locked_note
from .sections import Sections
from .takeover import TAKE_OVER, ConfirmTakeOver, ask_take_over, done_text, take_over_button
from .unsaved import State, TracksEdits, form_state


def settings_of(scope: Scope, also: Collection[str] = ()) -> list[Setting]:
    """The settings of ``scope`` (and those of another scope named in ``also``), grouped
    as :data:`GROUPS` orders them (others after, by name), in the order they were
    declared within a group."""
    chosen = [s for s in registry_ops.declared() if s.scope == scope or s.key in also]
    order = {group: at for at, group in enumerate(GROUPS)}
    return sorted(chosen, key=lambda s: (order.get(s.group, len(order)), s.group))


GROUPS = ("clinic", "schedule", "desk")
CHANNELS = ("email", "sms", "whatsapp")  # Message channels' parts, in this order


def channel_of(key: str) -> str:
    """The channel a message channels' setting is of: ``channels.sms_sender`` -> sms."""
    return key.partition(".")[2].partition("_")[0]


def channel_parts(members: list[Setting]) -> list[tuple[str, list[list[Setting]]]] | None:
    """Message channels' settings by channel (:data:`CHANNELS`), each as columns: the
    channel's own settings as declared, then any others of it (WhatsApp's approved
    templates) and its secret last; a channel with others takes a second column for
    them and its secret. None if a setting is of no channel known here."""
    if any(channel_of(s.key) not in CHANNELS for s in members):
        return None
    parts = []
    for channel in CHANNELS:
        mine = [s for s in members if channel_of(s.key) == channel]
        secret = [s for s in mine if s.key in CHANNEL_SECRETS]
        own = [s for s in mine if s.key in BY_CHANNEL.get(channel, ()) and s not in secret]
        others = [s for s in mine if s not in own and s not in secret]
        parts.append((channel, [own, others + secret] if others else [own + secret]))
    return parts


class SettingsPage(TracksEdits, QWidget):
    saved = Signal(object)  # Snapshot
    refused = Signal()  # a save was refused (the reason is shown on the page)

    def __init__(
        self, desk: Desk, scope: Scope, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk, self.scope, self.editable = desk, scope, editable
        self._baseline: State | None = None
        self._snapshot: Snapshot | None = None
        self._filled: dict[str, Any] = {}  # per key, the value the page last put in its editor
        # On a page the user may save, the settings shown read-only (not the user's to
        # change: the registry's rule); left out of a save.
        self.read_only: set[str] = set()
        self.form = FieldForm()
        self.editors: dict[str, SettingEditor] = {}
        self._build_form()
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setObjectName(f"save_{scope}")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.note = QLabel(self)
        self.note.setObjectName("pageNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        self._lay_out()
        self.form.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.save_button.setVisible(editable)

    # --- building --------------------------------------------------------------------
    def _build_form(self) -> None:
        groups: dict[str, list[Setting]] = {}
        for setting in self.members():
            groups.setdefault(setting.group, []).append(setting)
        self.sections = Sections(self.form)
        self.form.layout_.addRow(self.sections)
        self.section_forms: dict[str, list[QFormLayout]] = {}
        for group, members in groups.items():
            # The registry's titles: the core's sentences name a setting by them.
            title = translated(registry.section_title(group))
            self.section_forms[group] = self.add_section(group, title, members)

    def add_section(self, group: str, title: str, members: list[Setting]) -> list[QFormLayout]:
        """The section of ``group``: its settings in order, filling its columns in turn."""
        forms = self.sections.add(title, [s.key for s in members])
        per_column = -(-len(members) // len(forms))
        for at, setting in enumerate(members):
            self.add_field(setting, forms[at // per_column])
        return forms

    def add_field(self, setting: Setting, form: QFormLayout) -> None:
        """The editor of ``setting`` with its label and help, as a row of ``form``."""
        editor = self.make_editor(setting)
        self.keep_editor(editor)
        self.form.add(setting.key, editor.label, self._with_help(editor), editor.focus, form)
        mine = self.may_change(setting) or isinstance(editor, SecretEditor)  # says it itself
        if self.editable and not mine:  # shown read-only: the clinic decides it
            editor.widget.setEnabled(False)
            self.read_only.add(setting.key)

    def may_change(self, setting: Setting) -> bool:
        """Whether the signed-in user may change ``setting`` (the registry's rule)."""
        return registry.may_change(setting, self.desk.actor.role)

    def members(self) -> list[Setting]:
        """The settings this page edits."""
        return settings_of(self.scope)

    def make_editor(self, setting: Setting) -> SettingEditor:
        return editor_for(setting)

    def keep_editor(self, editor: SettingEditor) -> None:
        """Note ``editor`` as the one of its setting (``editors``: saved with the page)."""
        self.editors[editor.setting.key] = editor

    def _with_help(self, editor: SettingEditor) -> QWidget:
        """The editor above its help, one or two sentences in a smaller grey line."""
        help_text = translated(editor.setting.help)
        if self.editable and not self.may_change(editor.setting) and not editor.own_help:
            help_text += " " + translated(registry.refusal(editor.setting))
        editor.focus.setToolTip(help_text)
        editor.focus.setAccessibleDescription(help_text)
        box = QWidget()
        box.setObjectName(f"setting_{editor.setting.key}")
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        policy = editor.widget.sizePolicy().horizontalPolicy()
        if policy in (QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding):
            column.addWidget(editor.widget)  # a line of text: as wide as the page
        else:  # a number, a list: as wide as it needs
            column.addWidget(editor.widget, 0, Qt.AlignmentFlag.AlignLeft)
        if not editor.own_help:
            note = QLabel(help_text, box)
            note.setObjectName("settingHelp")
            note.setWordWrap(True)
            column.addWidget(note)
        return box

    def _lay_out(self) -> None:
        # Only the shown section scrolls (``Sections``): the list of them stays in reach.
        self.bottom = QHBoxLayout()
        self.bottom.addWidget(self.note, 1)
        self.bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addLayout(self.bottom)

    def editor(self, key: str) -> QWidget:
        """The widget that takes the keyboard for setting ``key``."""
        return self.editors[key].focus

    # --- showing ---------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the settings as saved, unless the form holds unsaved edits."""
        self._snapshot = snapshot
        if not self.unsaved():
            self.fill(snapshot)

    def revert(self) -> None:
        """Forget the edits: show the settings as saved."""
        self._baseline = None
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def fill(self, snapshot: Snapshot) -> None:
        for key, editor in self.editors.items():
            entry = snapshot.entry(key)
            if entry is not None:
                self._fill_one(key, editor, entry.value)
        self.clear_errors()
        self.show_refused(snapshot)
        self.mark_clean()

    def _fill_one(self, key: str, editor: SettingEditor, value: Any) -> None:
        """Show ``value`` (as saved) in ``editor``, noting it as what the page shows of
        ``key`` (read back from the editor: the form it gives it in)."""
        editor.set_value(value)
        try:
            self._filled[key] = editor.value()
        except (LocalProblem, ValidationError):
            self._filled.pop(key, None)  # not readable back: what is typed counts as edited

    def edited(self, key: str) -> bool:
        """The editor of ``key`` holds other than what the page last showed in it as
        saved: an edit typed here (typed back to that value, it is none). Before the
        page showed any value of ``key``, nothing of it counts as edited."""
        if key not in self._filled:
            return False
        try:
            return bool(self.editors[key].value() != self._filled[key])
        except (LocalProblem, ValidationError):
            return True  # what is typed cannot even be read: typed, certainly

    def show_refused(self, snapshot: Snapshot) -> None:
        """A value saved before its check grew stricter (an SMS sender in national form)
        is shown as saved, with the check's words under it: never as an empty field."""
        for key in self.editors:
            entry = snapshot.entry(key)
            if entry is not None and entry.refused is not None:
                self.form.errors[key].setText(translated(entry.refused))
                self.form.errors[key].show()

    def _kept_refused(self, key: str, value: object) -> bool:
        """``value`` is the refused value as saved, left as it was: not sent again, so
        saving the page's other settings is not refused for it (it stays shown)."""
        entry = self._snapshot.entry(key) if self._snapshot is not None else None
        return entry is not None and entry.refused is not None and value == entry.value

    def clear_errors(self) -> None:
        self.form.clear_errors()
        for editor in self.editors.values():
            editor.clear_errors()

    def values(self) -> dict[str, Any] | None:
        """Every setting's value as typed, or None after showing why one cannot be read."""
        found: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if key in self.read_only:
                continue  # shown, not the user's to change: not sent
            try:
                value = editor.value()
            except LocalProblem:
                self.sections.reveal(key)  # the editor marked its own problem
                editor.focus.setFocus()
                return None
            except ValidationError as exc:
                self.sections.reveal(key)
                self.form.show_error(key, exception_text(exc))
                return None
            if not self._kept_refused(key, value):
                found[key] = value
        return found

    # --- saving ----------------------------------------------------------------------
    def save(self) -> None:
        if not self.editable or not self.save_button.isEnabled():
            return
        self.clear_errors()
        values = self.values()
        if values is None:
            self.note.setText(self.tr("Not saved: fix the marked field."))
            self.refused.emit()
            return
        self.save_button.setEnabled(False)
        self.note.setText(self.tr("Saving…"))
        ctx, sent = self.desk.ctx(), form_state(self.form)
        kept = frozenset(k for k, v in values.items() if k in self._filled and v == self._filled[k])
        op = DbOp(self.desk.tasks, lambda db: save_settings(db, ctx, values, kept), self)
        op.success(lambda snapshot: self._saved(snapshot, sent)).failure(self._failed).run()

    def _saved(self, snapshot: Snapshot, sent: State) -> None:
        self.save_button.setEnabled(True)
        # What was sent is saved; anything typed while it was saving is still unsaved
        # (and so is not overwritten by the fresh snapshot).
        self._baseline = sent
        self.saved.emit(snapshot)
        self.note.setText(self.tr("Saved."))

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.sections.reveal(exc.field)
        self.form.explain_refusal(exc, self.note)
        self.refused.emit()


class ClinicPage(SettingsPage):
    """The clinic's settings (stored in the clinic's file, the same on every PC), and,
    among the message channels, each channel's password or token on this PC
    (``secretfield``: an administrator's, set or removed at once)."""

    refreshed = Signal()  # a setting saved elsewhere is shown, or kept as edited (``reread``)
    secretSaved = Signal(str)  # the channel whose secret was set or removed on this PC
    takenOver = Signal(object)  # reminderlease.Taken: this PC took the reminders over

    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        self.confirm_remove: ConfirmRemove = ask_remove
        # The channels' secrets, by channel: not among ``editors`` (no clinic settings,
        # never filled with a value), on the page beside their channel's settings.
        self.secret_editors: dict[str, SecretEditor] = {}
        self.channel_forms: dict[str, QFormLayout] = {}  # each channel's part's last column
        super().__init__(desk, "clinic", editable, parent)
        self.setObjectName("clinicPage")
        # "Send a test…" at the foot of each channel's part (``channeltest``).
        allowed = editable and desk.actor.may(channeltest.PERMISSION)
        beside = {c: e.remove_button for c, e in self.secret_editors.items()}
        self.channel_tests = ChannelTests(
            self, desk, self.channel_forms, beside, allowed, self._channel_unsaved
        )
        for editor in self.secrets().values():
            editor.set_button.clicked.connect(lambda _c=False, e=editor: self.set_secret(e))
            editor.remove_button.clicked.connect(lambda _c=False, e=editor: self.remove_secret(e))
        # Below the channels' column of fewest rows (the one with room), shown while locked.
        self.locked_note = QLabel(self)
        self.locked_note.setObjectName("secretsLocked")
        self.locked_note.setWordWrap(True)
        self.locked_note.hide()
        channel_forms = self.section_forms.get("channels")
        if channel_forms:
            min(channel_forms, key=lambda form: form.rowCount()).addRow(self.locked_note)
        self.templates: TemplatesDialog | None = None
        self.saved.connect(lambda _snapshot: self._reread_templates())
        forms = self.section_forms.get("reminders")
        if forms:  # the messages' texts: a dialog of their own, from the reminders' section
            self.templates_button = QPushButton(self.tr("Message te&mplates…"), self)
            self.templates_button.setObjectName("openTemplates")
            self.templates_button.setAutoDefault(False)
            self.templates_button.setToolTip(
                self.tr("The text of each reminder and message, per language and channel")
            )
            self.templates_button.clicked.connect(self.show_templates)
            if editable:
                forms[-1].addRow(self.templates_button)
            else:  # the read-only form is disabled: from beside it, to read what is sent
                self.bottom.insertWidget(0, self.templates_button)
        backup_forms = self.section_forms.get("backup")
        if backup_forms:  # where the backups go is this PC's, on its own page
            self.folder_note = QLabel(
                self.tr(
                    "Where this PC writes the backups is set on this PC: {0}, Backup folder."
                ).format(translated(registry.section(BACKUP_FOLDER))),
                self,
            )
            self.folder_note.setObjectName("backupFolderElsewhere")
            self.folder_note.setWordWrap(True)
            backup_forms[-1].addRow(self.folder_note)
        self.confirm_take_over: ConfirmTakeOver = ask_take_over
        # The take-over's network call: a thread of its own, never the database worker
        # (a slow endpoint would hold every other screen's work until the client's
        # timeout). It holds no database; it goes with the page.
        self.endpoint_worker = TaskManager(self, name="receptionist-takeover")
        self.destroyed.connect(self.endpoint_worker.release)
        self.take_over_button = take_over_button(self, desk.actor.may(TAKE_OVER))
        self.take_over_button.clicked.connect(self.take_over)
        station = self.findChild(QWidget, "setting_reminders.station")
        if station is not None and editable:  # under the station, where it is chosen
            station_column = station.layout()
            assert station_column is not None
            station_column.addWidget(self.take_over_button)
        else:
            self.take_over_button.hide()

    # --- "the old reminder station is off: take over now" ----------------------------
    def take_over(self) -> None:
        """End the old station's lease now for this PC (asked first; an administrator's):
        its checks read on the database worker, the endpoint asked on a thread of its
        own (``endpoint_worker``), the audit written on the database worker again."""
        if not self.desk.actor.may(TAKE_OVER) or not self.confirm_take_over(self):
            return
        self.take_over_button.setEnabled(False)
        self.note.setText(self.tr("Taking over…"))
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: reminderlease.prepare(db, ctx), self)
        op.success(self._ask_endpoint)
        op.failure(self._take_over_failed).run()

    def _ask_endpoint(self, asking: reminderlease.Asking) -> None:
        if self.endpoint_worker.closed():
            return
        clock = self.desk.clock
        self.endpoint_worker.run(
            lambda: reminderlease.force(asking, clock),
            self._granted,
            self._take_over_failed,
            owner=self,
        )

    def _granted(self, taken: reminderlease.Taken) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: reminderlease.record(db, ctx, taken), self)
        op.success(self._taken_over)
        op.failure(self._take_over_failed).run()

    def _taken_over(self, taken: reminderlease.Taken) -> None:
        self.take_over_button.setEnabled(True)
        self.note.setText(done_text(taken))
        self.takenOver.emit(taken)

    def _take_over_failed(self, exc: BaseException) -> None:
        """Refused (no cloud, not the station, an older endpoint...): the note says
        the take-over was not done, in the core's sentence (not a save's words)."""
        self.take_over_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.sections.reveal(exc.field)
        why = messages.user_text(exc)
        self.note.setText(self.tr("Not taken over: %1").replace("%1", why))
        self.refused.emit()

    # --- the channels' secrets -------------------------------------------------------
    def members(self) -> list[Setting]:
        return settings_of(self.scope, also=CHANNEL_SECRETS)

    def add_section(self, group: str, title: str, members: list[Setting]) -> list[QFormLayout]:
        """Message channels: one part per channel under its name (``channel_parts``),
        not columns filled by count that mixed the channels."""
        parts = channel_parts(members) if group == "channels" else None
        if parts is None:
            return super().add_section(group, title, members)
        names = {"email": self.tr("E-mail"), "sms": self.tr("SMS"), "whatsapp": self.tr("WhatsApp")}
        heads = [(names[channel], len(columns)) for channel, columns in parts]
        forms = self.sections.add(title, [s.key for s in members], heads)
        columns = [(channel, column) for channel, part in parts for column in part]
        for form, (channel, column) in zip(forms, columns, strict=True):
            for setting in column:
                self.add_field(setting, form)
            self.channel_forms[channel] = form
        return forms

    def _channel_unsaved(self, channel: str) -> bool:
        """Whether ``channel``'s part holds an edit not saved (a setting, or a secret
        typed and not set): a test message goes with what is saved."""
        secret = self.secret_editors.get(channel)
        typed = secret is not None and bool(secret.value())
        return typed or any(self.edited(k) for k in channel_keys(channel) if k in self.editors)

    def make_editor(self, setting: Setting) -> SettingEditor:
        channel = CHANNEL_SECRETS.get(setting.key)
        if channel is None:
            return editor_for(setting)
        return SecretEditor(setting, channel, self.desk.actor.may(KEYS_MANAGE))

    def keep_editor(self, editor: SettingEditor) -> None:
        if isinstance(editor, SecretEditor):
            self.secret_editors[editor.channel] = editor
        else:
            super().keep_editor(editor)

    def secrets(self) -> dict[str, SecretEditor]:
        """The channels' secret editors, by channel."""
        return dict(self.secret_editors)

    def values(self) -> dict[str, Any] | None:
        """As the page's, and each secret typed (an empty field keeps the one kept:
        Remove forgets it)."""
        found = super().values()
        if found is None:
            return None
        typed = {e.setting.key: e.value() for e in self.secret_editors.values() if e.value()}
        return {**found, **typed}

    def fill(self, snapshot: Snapshot) -> None:
        for editor in self.secret_editors.values():
            editor.set_value(None)  # emptied before the page notes what it holds
        self.show_secrets(snapshot)
        super().fill(snapshot)

    def show_secrets(self, snapshot: Snapshot) -> None:
        """Whether each channel's secret is kept on this PC (even while the page holds
        unsaved edits: this is no edit of it)."""
        for editor in self.secrets().values():
            editor.show_entry(snapshot.entry(editor.setting.key))
        self._say_locked()

    def _say_locked(self) -> None:
        """What to do about a locked keychain, said once for the section (each field
        says only that it is locked): three long lines made the section scroll."""
        said = locked_note(list(self.secrets().values()))
        self.locked_note.setText(said)
        self.locked_note.setVisible(bool(said))

    def set_secret(self, editor: SecretEditor) -> None:
        typed = str(editor.value())
        if typed and editor.allowed:
            self._save_secret(editor, typed, self.tr("{0} saved on this PC."))

    def remove_secret(self, editor: SecretEditor) -> None:
        if editor.allowed and editor.kept and self.confirm_remove(self, editor.label):
            self._save_secret(editor, "", self.tr("{0} removed from this PC."))

    def _save_secret(self, editor: SecretEditor, secret: str, done: str) -> None:
        self.form.errors[editor.setting.key].hide()
        editor.set_button.setEnabled(False)
        editor.remove_button.setEnabled(False)
        self.note.setText(self.tr("Saving…"))
        ctx, channel = self.desk.ctx(), editor.channel
        op = DbOp(self.desk.tasks, lambda db: save_secret(db, ctx, channel, secret), self)
        op.success(lambda snapshot: self._secret_saved(editor, snapshot, done))
        op.failure(lambda exc: self._secret_failed(editor, exc)).run()

    def _secret_saved(self, editor: SecretEditor, snapshot: Snapshot, done: str) -> None:
        editor.set_value(None)  # never kept in the field: typed, saved, gone
        self.show_secrets(snapshot)
        self.note.setText(done.format(editor.label))
        self.secretSaved.emit(editor.channel)
        self.saved.emit(snapshot)  # the other pages, the desk's status: read afresh

    def _secret_failed(self, editor: SecretEditor, exc: BaseException) -> None:
        editor.show_entry(self._snapshot.entry(editor.setting.key) if self._snapshot else None)
        self._say_locked()
        self._failed(exc)

    def show_templates(self) -> TemplatesDialog:
        """The templates dialog over the settings (one; raised if open)."""
        if self.templates is None or not self.templates.isVisible():
            self.templates = open_templates(self.desk, self.editable, self.window())
            self.templates.namesSaved.connect(self.reread)
        self.templates.raise_()
        self.templates.activateWindow()
        return self.templates

    def _reread_templates(self) -> None:
        """This page was saved (WhatsApp's template names are on it too): the open
        templates dialog reads again (once the edits it holds are saved or discarded)."""
        shown = self.templates
        if shown is not None and shown.isVisible():
            shown.reread()

    def reread(self, key: str) -> None:
        """Setting ``key`` was saved elsewhere (the templates dialog names WhatsApp's
        templates): show what was saved, so a later Save of this page does not write
        back the value it showed before. Other unsaved edits stay, and so does an
        unsaved edit of ``key`` itself (the note says it was saved elsewhere)."""
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: load(db, ctx), self)
        op.success(lambda snapshot: self.take(snapshot, key)).run()

    def take(self, snapshot: Snapshot, key: str) -> None:
        entry, editor = snapshot.entry(key), self.editors.get(key)
        if entry is None or editor is None:
            return
        if self.edited(key):  # typed work is never dropped silently
            self._snapshot = snapshot
            self.note.setText(
                self.tr(
                    "{0} was saved in the Message templates window; your edit of it here "
                    "is kept, not saved yet."
                ).format(editor.label)
            )
            self.refreshed.emit()
            return
        self._snapshot = snapshot
        before = form_state(self.form)
        self._fill_one(key, editor, entry.value)
        after = form_state(self.form)
        self.note.setText(  # not a note of an edit kept that is no more
            self.tr("{0} was saved in the Message templates window.").format(editor.label)
        )
        if self._baseline is not None:  # what changed here is saved; the rest is as it was
            self._baseline = tuple(
                now if now != was else base
                for now, was, base in zip(after, before, self._baseline, strict=True)
            )
        self.refreshed.emit()


class ThisPcPage(SettingsPage):
    """This PC's preferences (kept on this PC only, for whoever uses it). Under the
    backup folder, a warning while the backups go to the disk that holds the clinic
    (the default folder does): the daily backup job makes them there all the same."""

    placementShown = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        # Editable when any of its settings is the user's to change; the others (where
        # backups go, the sync, the idle lock) are shown read-only, saying who may.
        mine = any(registry.may_change(s, desk.actor.role) for s in settings_of("pc"))
        super().__init__(desk, "pc", mine, parent)
        self.setObjectName("thisPcPage")
        said = self.tr("Where the backups go")  # amber, as Settings > Jobs says it
        self.placement = flag_label(self, "backupPlacement", said, ATTENTION)
        forms = self.section_forms.get("backup")
        if forms:
            forms[-1].addRow(self.placement)
        self.saved.connect(lambda _snapshot: self.check_placement())
        self.check_placement()

    def check_placement(self) -> None:
        """Look where this PC's backups go, off the GUI thread (a network share may
        take a moment to answer), and show the warning if it is the clinic's disk."""
        root = self.desk.root
        op = DbOp(self.desk.tasks, lambda _db: backups.placement(root), self)
        op.success(self._show_placement).run()

    def _show_placement(self, warning: str | None) -> None:
        """The core's warning names where the folder is set (this page): here, the
        field above it is meant."""
        folder = warning.params.get("folder") if isinstance(warning, Text) else None
        if warning and folder is not None:
            warning = self.tr(
                "The backups go to {0}, on the disk that holds the clinic: a failed or stolen "
                "disk takes both. Set the backup folder above to a second disk or a network "
                "share."
            ).format(folder)
        self.placement.setText(translated(warning) if warning else "")
        self.placement.setVisible(bool(warning))
        self.placementShown.emit()
