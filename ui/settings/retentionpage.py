"""Settings > Retention (``retentionPage``): the policy, a dry run, and "Sweep now".

The policy is the clinic's retention settings (changed on the Clinic page; shown
here as they are). "Dry run" shows what a sweep would destroy now: how many rows of
each kind, under which policy, and which patients. "Sweep now" is for a manager or
an administrator, after a dry run of the policy as it is, and asks first with the
dry run's counts: what a sweep destroys cannot be brought back (the core holds the
same rule: ``ops.retention.need_dry_run``; the page's dry run is a person's, audited).
It runs off the GUI thread and off the desk's worker (``retentionwork``), shows how
many patients are gone so far, and then what it destroyed. While a sweep runs
anywhere (the scheduled one, or another PC's: the sweep job's lease) the button waits.
Above the buttons: when the last sweep ran, and a warning when the nightly sweep
waits for a person or none ran in six months (KVKK: ``ops.sweepstatus``); "Destruction
records…" shows what each sweep destroyed, with an export to CSV. The "Holds" section
(``holdslist``) lists the patients on legal or medical hold; the dry run says how many
patients past their time the holds keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import retention
from receptionist.ops.retention import Plan, Swept
from receptionist.store import lookcopy
from receptionist.store.storage import Database

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import Progress, TaskManager
from . import retentionwork as work
from .destructionrecords import DestructionRecordsDialog
from .holdslist import HoldsSection
from .policywords import policy_words, value_words
from .retentionwork import Look
from .tablefit import fit_columns

T = TypeVar("T")
Ask = Callable[[QWidget, str], bool]  # the confirmation: (parent, question) -> go ahead
SHOWN_PATIENTS = 500  # the dry run lists this many patients, then says how many more
KINDS = retention.KINDS  # the core's one vocabulary of kinds, in its order
ALWAYS = ("patient", "appointment")  # shown even when none would go
LAPSED = "retention.lapsed_patients"  # shown with what its choice keeps (``_keeps``)


def ask_to_sweep(parent: QWidget, question: str) -> bool:
    title = parent.tr("Sweep now")
    answer = QMessageBox.warning(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def kind_name(kind: str) -> str:
    """A kind of row the sweep counts (``patient``, ``audit_event``…), as a person reads it:
    the retention page's counts and destruction records, and the jobs page's counts."""
    return {
        "patient": QCoreApplication.translate("RetentionPage", "Patients"),
        retention.ANONYMISED: QCoreApplication.translate(
            "RetentionPage", "Patients anonymised (appointments kept)"
        ),
        "appointment": QCoreApplication.translate("RetentionPage", "Appointments"),
        "consent": QCoreApplication.translate("RetentionPage", "Consents"),
        "patient_document": QCoreApplication.translate("RetentionPage", "Documents"),
        "communication_entry": QCoreApplication.translate(
            "RetentionPage", "Communication log entries"
        ),
        "waitlist_entry": QCoreApplication.translate("RetentionPage", "Waitlist entries"),
        "patient_hold": QCoreApplication.translate("RetentionPage", "Lifted holds"),
        "backup": QCoreApplication.translate("RetentionPage", "Backups"),
        "destruction_record": QCoreApplication.translate("RetentionPage", "Destruction records"),
        "delivery_log": QCoreApplication.translate(
            "RetentionPage", "Provider delivery log entries"
        ),
        "reminder": QCoreApplication.translate("RetentionPage", "Finished reminder messages"),
        "audit_event": QCoreApplication.translate("RetentionPage", "Audit events"),
        "auth_token": QCoreApplication.translate("RetentionPage", "Spent authentication tokens"),
        "google_disclosure": QCoreApplication.translate(
            "RetentionPage", "Withdrawn Google disclosures (anonymous)"
        ),
    }.get(kind, kind)


def by_number(number: str) -> tuple[tuple[int, int | str], ...]:
    """A patient number's sort key: its digits by their value (A-2 before A-10)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", number) if part)  # fmt: skip


class RetentionPage(QWidget):
    swept = Signal()  # a sweep ended (the status bar's note reads again)

    def __init__(self, desk: Desk, parent: QWidget | None = None, ask: Ask = ask_to_sweep) -> None:
        super().__init__(parent)
        self.setObjectName("retentionPage")
        self.desk, self.ask = desk, ask
        self.allowed = desk.actor.may("clinic.configure")
        self.worker = TaskManager(self, name="receptionist-retention")
        self.destroyed.connect(self.worker.release)
        self.plan: Plan | None = None
        self.planned_under: tuple[str, ...] = ()  # the policy the dry run was made under
        self.look: Look | None = None
        self.busy = False
        self.policies = QFormLayout()
        self.counts = self._table()
        self.patients = QListWidget(self)
        self.patients.setObjectName("retentionPatients")
        self.patients.setAccessibleName(self.tr("Patients a sweep would remove"))
        self.patients_title = QLabel(self)  # "Patients (108)": how many the dry run found
        self.patients_title.setObjectName("retentionPatientsTitle")
        self.patients_title.setBuddy(self.patients)
        self._show_patients(False)
        self.dry_button = QPushButton(self.tr("&Dry run"), self)
        self.dry_button.setObjectName("dryRunButton")
        self.dry_button.clicked.connect(self.dry_run)
        self.sweep_button = QPushButton(self.tr("S&weep now…"), self)
        self.sweep_button.setObjectName("sweepNowButton")
        self.sweep_button.clicked.connect(self.sweep)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("sweepProgress")
        self.progress.setVisible(False)
        self.note = QLabel(self)
        self.note.setObjectName("retentionNote")
        self.note.setWordWrap(True)
        self.last_sweep = QLabel(self)
        self.last_sweep.setObjectName("lastSweep")
        self.warning = QLabel(self)
        self.warning.setObjectName("sweepWarning")
        self.warning.setWordWrap(True)
        self.warning.setProperty("state", "alert")
        self.warning.setVisible(False)
        self.records_button = QPushButton(self.tr("Destruction &records…"), self)
        self.records_button.setObjectName("destructionRecordsButton")
        self.records_button.clicked.connect(self.show_records)
        self.records: DestructionRecordsDialog | None = None
        self.holds = HoldsSection(desk, self)
        self.holds.setVisible(self.allowed)
        self._lay_out()
        self._enable()

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, 3, self)
        table.setObjectName("retentionCounts")
        table.setHorizontalHeaderLabels([self.tr("What"), self.tr("How many"), self.tr("Policy")])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        rows = table.verticalHeader()  # one line a row: room for more of them
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        return table

    def _lay_out(self) -> None:
        policy = QGroupBox(self.tr("How long data is kept"), self)
        policy.setLayout(self.policies)
        self.policies.setVerticalSpacing(2)  # the counts below get the room
        where = QLabel(self.tr("Change these on the Clinic page."), self)
        self.policies.addRow(where)
        self.found = found = QGroupBox(self._would(), self)
        lists = QHBoxLayout(found)
        lists.addWidget(self.counts, 3)
        patients = QVBoxLayout()
        patients.setContentsMargins(0, 0, 0, 0)
        patients.addWidget(self.patients_title)
        patients.addWidget(self.patients, 1)
        lists.addLayout(patients, 2)
        state = QHBoxLayout()
        state.addWidget(self.last_sweep, 1)
        state.addWidget(self.records_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.dry_button)
        buttons.addWidget(self.sweep_button)
        layout = QVBoxLayout(self)
        layout.addWidget(policy)
        layout.addWidget(found, 1)
        layout.addWidget(self.holds)
        layout.addWidget(self.progress)
        layout.addLayout(state)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)

    # --- reading ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Read the policy and whether a sweep runs (a changed policy voids the dry run)."""
        self._on_twin(lambda db: work.look(db, self.desk.ctx()), self._show_look)

    def dry_run(self) -> None:
        if not self.allowed or self.busy:
            return
        self.busy = True
        self.note.setText(self.tr("Looking for what the policy says must go…"))
        self._enable()
        ctx, root = self.desk.ctx(), self.desk.root
        self._on_twin(lambda db: work.dry_run(db, ctx, root), self._show_plan, self._failed)

    def _on_twin(
        self,
        fn: Callable[[Database], T],
        ok: Callable[[T], None],
        bad: Callable[[BaseException], None] | None = None,
    ) -> None:
        main = self.desk.tasks.db
        if main is None or self.worker.closed():
            return
        self.worker.run(lambda: work.on_twin(main, fn), ok, bad, self)

    def _show_look(self, look: Look) -> None:
        self.look = look
        while self.policies.rowCount() > 1:
            self.policies.removeRow(1)
        for entry in look.policies:
            value = QLabel(self._keeps(entry.text) if entry.key == LAPSED else entry.text, self)
            value.setWordWrap(True)
            value.setObjectName(f"policy:{entry.key}")
            value.setToolTip(entry.help)
            self.policies.addRow(entry.label, value)
        for rule in retention.FIXED:  # shown as the policy says, not editable
            fixed = QLabel(translated(rule.text), self)
            fixed.setObjectName(f"policy:{rule.key}")
            fixed.setToolTip(translated(rule.help))
            self.policies.addRow(translated(rule.label), fixed)
        self._show_status(look)
        if self.plan is not None and self._policy() != self.planned_under:
            self._clear_plan(self.tr("The policy changed: run the dry run again."))
        elif look.running and not self.busy:
            self.note.setText(self._running())
        self._enable()

    def _show_status(self, look: Look) -> None:
        last = look.status.last_sweep
        self.last_sweep.setText(
            self.tr("Last sweep: %1").replace(
                "%1", last.astimezone(self.desk.clinic.tz).strftime("%Y-%m-%d %H:%M")
            )
            if last is not None
            else self.tr("No sweep has run yet.")
        )
        warnings = [translated(w) for w in look.status.warnings(may_sweep=self.allowed)]
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings))

    def show_records(self) -> None:
        """The destruction records, in a dialog of their own (with "Export CSV…")."""
        if not self.allowed:
            return
        if self.records is None:
            self.records = DestructionRecordsDialog(self.desk, kind_name, self)
        self.records.load()
        self.records.show()

    def _keeps(self, choice: str) -> str:
        """The lapsed patients' option, with one sentence on what it keeps."""
        said = value_words(LAPSED, choice)  # the option's label, as Settings > Clinic offers it
        if choice == "anonymise":
            return self.tr(
                "%1: the patient's appointments stay for statistics (service, provider, "
                "times, status); nothing that identifies the patient stays."
            ).replace("%1", said)
        return self.tr(
            "%1: the patient's whole record goes; nothing of the patient stays."
        ).replace("%1", said)

    def _would(self) -> str:
        return self.tr("What a sweep would destroy now")

    def _running(self) -> str:
        return self.tr("A sweep is running now, here or on another PC: wait for it to end.")

    def _policy(self) -> tuple[str, ...]:
        looked = self.look.policies if self.look is not None else ()
        return tuple(f"{e.key}={e.text}" for e in looked)

    def _show_plan(self, found: tuple[Plan, Look]) -> None:
        plan, look = found
        self.busy = False
        self.plan = None
        self._show_look(look)
        self.plan, self.planned_under = plan, self._policy()
        self.found.setTitle(self._would())
        self._fill(plan.counts, plan.policies)
        self.patients.clear()
        self.patients_title.setText(
            self.tr("Patients (%1)").replace("%1", f"{len(plan.patients):,}")
        )
        self._show_patients(True)
        for patient in sorted(plan.patients, key=lambda p: by_number(p.number))[:SHOWN_PATIENTS]:
            self.patients.addItem(f"{patient.number}  {patient.name}")
        more = len(plan.patients) - SHOWN_PATIENTS
        if more > 0:
            self.patients.addItem(self.tr("… and %n more", "", more))
        total = sum(plan.counts.values())
        anonymised = plan.counts.get(retention.ANONYMISED, 0)
        self.note.setText(
            (
                self.tr("Nothing else is past its time.")
                if plan.held
                else self.tr("Nothing is past its time.")
            )
            if total == 0
            else self.tr(
                "Dry run: nothing was changed. %n patient(s) would be anonymised.", "", anonymised
            )
            if anonymised
            else self.tr(
                "Dry run: nothing was changed. %n patient(s) would be removed.",
                "",
                plan.counts.get("patient", 0),
            )
        )
        if plan.held:
            kept = self.tr("%n patient(s) past their time kept: on hold.", "", plan.held)
            self.note.setText(
                f"{kept} {self.note.text()}" if total == 0 else f"{self.note.text()} {kept}"
            )
        if look.running:
            self.note.setText(f"{self.note.text()} {self._running()}")
        self._enable()

    def _fill(self, counts: dict[str, int], policies: dict[str, str]) -> None:
        order = {kind: at for at, kind in enumerate(KINDS)}
        shown = sorted(
            ((kind, n) for kind, n in counts.items() if n or kind in ALWAYS),
            key=lambda found: order.get(found[0], len(order)),
        )
        self.counts.setRowCount(len(shown))
        for row, (kind, n) in enumerate(shown):
            cells = [kind_name(kind), f"{n:,}", policy_words(policies.get(kind, ""))]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.counts.setItem(row, column, item)
        fit_columns(self.counts)  # the policy last, elided, its whole in the tooltip

    def _show_patients(self, shown: bool) -> None:
        """The patients' list and its title, shown while a dry run lists them."""
        self.patients.setVisible(shown)
        self.patients_title.setVisible(shown)
        box = self.patients.parentWidget()
        lists = box.layout() if box is not None else None
        if isinstance(lists, QHBoxLayout) and lists.count() > 1:  # the counts take the room
            lists.setStretch(1, 2 if shown else 0)

    def _clear_plan(self, why: str) -> None:
        self.plan, self.planned_under = None, ()
        self.counts.setRowCount(0)
        self.patients.clear()
        self._show_patients(False)
        self.note.setText(why)

    # --- sweeping ---------------------------------------------------------------------
    def sweep(self) -> None:
        plan = self.plan
        if plan is None or self.busy or not self.sweep_button.isEnabled():
            return
        lines = [f"{kind_name(k)}: {n:,}" for k, n in plan.counts.items() if n]
        question = self.tr(
            "The sweep deletes for good what the dry run found:\n\n%1\n\n"
            "It cannot be undone. Sweep now?"
        ).replace("%1", "\n".join(lines) or self.tr("nothing"))
        if not self.ask(self, question):
            return
        self.busy = True
        total = sum(plan.counts.get(k, 0) for k in ("patient", retention.ANONYMISED, "appointment"))
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.note.setText(self.tr("Sweeping…"))
        self._enable()
        progress = Progress(self.worker, self._advanced, owner=self)
        ctx, root = self.desk.ctx(), self.desk.root
        self._on_twin(
            lambda db: work.sweep(db, ctx, root, progress, total), self._swept, self._failed
        )

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self.note.setText(self.tr("Sweeping… %1 of %2 patients and appointments removed.")
                          .replace("%1", f"{done:,}").replace("%2", f"{total:,}"))  # fmt: skip

    def _swept(self, swept: Swept) -> None:
        self.busy = False
        self.progress.setVisible(False)
        planned = self.plan.policies if self.plan is not None else {}
        # a kind shown though none went (Appointments 0) names the policy it was swept by
        policies = {**planned, **{r.kind: r.policy for r in swept.records}}
        self.found.setTitle(self.tr("What the sweep destroyed"))
        self._fill(swept.counts, policies)
        self.patients.clear()
        self._show_patients(False)  # they went: no empty box
        self.plan, self.planned_under = None, ()
        done = self.tr(
            "Swept in %1 s. The destruction record keeps what went (no patient data)."
        ).replace("%1", f"{swept.seconds:.1f}")
        if swept.waiting_why is not None:  # no signature comes until a person acts
            done += " " + translated(swept.waiting_why.message)
        elif swept.audit_waiting and swept.audit_by_endpoint:  # only its signature counts
            done += " " + self.tr(
                "%n audit event(s) past their time were kept: the cloud endpoint has not "
                "signed a checkpoint for them (it was out of reach, or does not hold this "
                "PC's newest audit anchor yet); they go at a sweep after the next sync.",
                "",
                swept.audit_waiting,
            )
        elif swept.audit_waiting:
            done += " " + self.tr(
                "%n audit event(s) past their time were kept: no anchor kept outside this PC "
                "vouches for the log past them yet (the next backup will).",
                "",
                swept.audit_waiting,
            )
        self.note.setText(done)
        self._enable()
        self.refresh()
        self.swept.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.progress.setVisible(False)
        self.note.setText(messages.user_text(exc))
        messages.report_exception(exc)
        self._enable()
        self.refresh()

    def _enable(self) -> None:
        running = self.look is not None and self.look.running
        # A copy restored to look at runs no sweep (``lookcopy``): its dry run changes
        # nothing and stays; Sweep now is off, saying why (read each time: it may be
        # adopted meanwhile).
        copy = lookcopy.restored_copy(self.desk.root) is not None
        self.dry_button.setEnabled(self.allowed and not self.busy)
        self.records_button.setEnabled(self.allowed)
        self.sweep_button.setEnabled(
            self.allowed and not self.busy and not running and self.plan is not None and not copy
        )
        self.sweep_button.setToolTip(
            self.tr("This is a copy restored to look at: it runs no retention sweep.")
            if copy
            else ""
        )
        if not self.allowed:
            self.note.setText(
                self.tr("Only a manager or an administrator can run a dry run or a sweep.")
            )
