"""Retention: the dry run, the sweep, holds, and the destruction records.

The sweep works in batches, each its own short write (a few hundred patients, or a
thousand log entries), so the desk never waits more than a moment and a sweep cut
short leaves every batch done whole and recorded. It ends with its audit events:
its destruction records (kind, count, policy: ``records.as_events``), then ``sweep``
(entity ``retention``, the sweep's id), so the log's hash chain covers the counts;
then an incremental vacuum where the file allows one, and a checkpoint, so the
overwritten pages reach the file and the WAL is emptied.

A person's sweep follows a person's dry run under the policy as it is: ``review`` is
that dry run (audited), ``need_dry_run`` the one rule the CLI and the app meet
(through ``jobs.core.sweep_now``). A sweep that destroyed nothing leaves a destruction
record of kind ``nothing``, so the periodic destruction KVKK asks for is provable.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, UserError, ValidationError
from receptionist.freetext import clean_text
from receptionist.journal import audit, changefeed, notary
from receptionist.journal.anchor import Anchor
from receptionist.models import Patient, StaffUser
from receptionist.ops import auditwait, backups, lookup
from receptionist.ops.conflicterasure import close_erased
from receptionist.reminders import deliverylog
from receptionist.replica.apply import ENDPOINT
from receptionist.retention import anonymise, auditlog, disclosures, holds, policy, records, tokens
from receptionist.retention import review as review_rule
from receptionist.retention import sweep as rules
from receptionist.retention.holds import Hold
from receptionist.retention.pacing import Pace
from receptionist.retention.policy import Policy
from receptionist.retention.records import Record
from receptionist.retention.sweep import Lapsed
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CANNOT = Text(
    QT_TRANSLATE_NOOP(
        "core", "Only a manager or an administrator can sweep, or hold a patient's data."
    )
)
# Each kind's batches: the first one's size, and the least and most a batch takes
# (sized between them by time: ``retention.pacing``).
PATIENT_BATCH = (1000, 100, 20_000)  # patients (their rows write ~2 pages each)
BATCH_ROWS = (2000, 500, 50_000)  # appointments
LOG_BATCH = (1000, 200, 20_000)  # log entries
# How a batch's time is read: the CPU time of the sweep's thread, the work the desk
# waits for on a quiet PC. Not the wall clock: on a busy PC it grows with every other
# program, and batches it shrank would share fewer pages, so the sweep would do more
# work for the same rows just when the PC has least to spare (measured: 40 % more
# pages written at a load of 15 on 2 cores), while the desk, as slowed, gains nothing.
batch_clock: Callable[[], float] = time.thread_time
# The batches' pages are folded into the file between batches, once the batches since
# the last fold held the write lock this long (CPU s: about each batch, some 10,000 to
# 13,000 pages at 2M appointments), not by a batch's commit: the sweep's batch does
# not hold the write lock through a fold, and its time (its pacing) no longer counts
# one now and then. Not less often: a desk's commit folds what the WAL holds unfolded,
# and this keeps that within the 64 MB (16,384 pages) a batch's commit used to leave.
FOLD_AFTER = 0.5
# Each kind a sweep may destroy, and the setting whose value is its policy.
PATIENT_KINDS = (*rules.CHILDREN, "patient")
# The patients anonymised (``retention.lapsed_patients=anonymise``): the kind of their
# count and of their destruction record (its policy names ``anonymise``). KVKK's
# regulation tells deletion, destruction and anonymisation apart as methods, so the
# record says which was done: ``patient`` is a deleted patient only.
ANONYMISED = "patient_anonymised"
# The one vocabulary of kinds, in this order, that the dry run's and the sweep's counts
# name (``Plan.counts``, ``Swept.counts``: ``sweep --dry-run --json``, ``sweep --json``,
# Settings > Retention): each kind always, zero when none would go or went.
KINDS = (
    "patient", ANONYMISED, "appointment", "communication_entry", "consent", "patient_document",
    "waitlist_entry", "patient_hold", "backup", "destruction_record", "delivery_log",
    "reminder", "audit_event", tokens.KIND, disclosures.KIND,
)  # fmt: skip
DRY_RUN_NEEDED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "A sweep needs a dry run under the retention policy as it is (before the first "
        "sweep, and after every change of the policy). Run `receptionist sweep --dry-run` "
        "(or Dry run in Settings > Retention), read what would go, then sweep again.",
    )
)


def counted(found: Mapping[str, int]) -> dict[str, int]:
    """``found`` named as :data:`KINDS`, every kind, in its order (zero: none)."""
    return {kind: int(found.get(kind, 0)) for kind in KINDS}


class DryRunNeeded(UserError):
    """A person's sweep with no person's dry run under the policy as it is."""


@dataclass(frozen=True)
class FixedRule:
    """A rule of the policy that is no setting (shown, never edited)."""

    key: str
    label: str  # Text
    text: str  # Text
    help: str  # Text


# Authentication tokens: only as long as a session needs (``retention.tokens``).
FIXED = (FixedRule("retention.auth_tokens", tokens.LABEL, tokens.TEXT, tokens.HELP),)


@dataclass(frozen=True)
class Plan:
    """What a sweep would destroy now: counts per kind, and which patients."""

    at: datetime
    counts: dict[str, int]
    patients: list[Lapsed]
    backups: list[Path]
    policies: dict[str, str]  # kind -> "setting=value"
    held: int = 0  # patients past their time whom a hold keeps


@dataclass(frozen=True)
class Swept:
    sweep_id: str
    at: datetime
    counts: dict[str, int]
    seconds: float
    batches: int
    vacuumed: bool  # the file gave its free pages back (auto_vacuum incremental)
    records: list[Record] = field(default_factory=list)
    # Audit events past their time that stayed: no anchor outside the file vouched
    # for the log past them (make a backup, or give one: --audit-anchor; a PC that
    # syncs: the endpoint's signature, see audit_by_endpoint).
    audit_waiting: int = 0
    # Why no endpoint will sign this log's checkpoints until a person acts (a PC that
    # syncs: its endpoint's key changed, or it was revoked), whether or not any wait.
    audit_waiting_why: auditwait.Waiting | None = None
    # This PC pinned the cloud endpoint's key: only the endpoint's signature lets audit
    # events go (a backup's anchor or --audit-anchor never does), so events waiting
    # for no reason above wait for a sweep after the next sync.
    audit_by_endpoint: bool = False
    # Folders this PC wrote backups in that it could not reach: their expired backups
    # wait for a sweep that reaches them (``backups.remove_expired``).
    backups_unreachable: list[Path] = field(default_factory=list)
    # Asked to stop (``sweep``'s ``stop``: the app closing) it ended after the batch
    # under way: ``counts`` are what went before, recorded and in the audit log as a
    # sweep cut short (``records.CUT_SHORT``); the next sweep takes the rest.
    stopped: bool = False

    @property
    def waiting_why(self) -> auditwait.Waiting | None:
        """:attr:`audit_waiting_why` when audit events do wait (``audit_waiting``), else
        None: what a person is told after a sweep (the CLI, Settings > Retention, the
        scheduled job's counts); a sweep with nothing waiting asks nobody to act."""
        return self.audit_waiting_why if self.audit_waiting else None


CANNOT_SEE_HOLD = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see patients' records."))


def may_sweep(ctx: Ctx) -> None:
    """PermissionDenied unless the actor may sweep (and hold)."""
    require(ctx, "clinic.configure", CANNOT)


def review(db: Database, ctx: Ctx, root: Path) -> Plan:
    """A person's dry run (the CLI's ``sweep --dry-run``, the app's Dry run): what a
    sweep would destroy now, and one audit event (``sweep_dry_run``, entity
    ``retention``), the proof that lets a person's sweep go under the policy as it is
    (:func:`sweep_allowed`). Nothing else is written."""
    plan = dry_run(db, ctx, root)
    # A look, audited: in a copy restored to look at too (its sweep is refused anyway).
    with db.write(in_copy=True) as s:
        audit.record(s, ctx, review_rule.DRY_RUN, review_rule.ENTITY, None)
    return plan


def sweep_allowed(db: Database) -> bool:
    """Whether a person may sweep: a person's dry run was made under the policy as it
    is (``retention.review.looked``)."""
    with db.read() as s:
        return review_rule.looked(s)


def need_dry_run(db: Database) -> None:
    """:class:`DryRunNeeded` unless :func:`sweep_allowed`: the one rule the CLI's sweep
    and the app's Sweep now both meet (``jobs.core.sweep_now``)."""
    if not sweep_allowed(db):
        raise DryRunNeeded(DRY_RUN_NEEDED)


def dry_run(db: Database, ctx: Ctx, root: Path) -> Plan:
    """What ``sweep`` would destroy now; writes nothing (a person's: :func:`review`)."""
    require(ctx, "clinic.configure", CANNOT)
    now = ctx.clock.now()
    with db.read() as s:
        rule = policy.read(s, now)
        only = rules.NAMED if rule.anonymises else ""
        counts = rules.lapsed_counts(s, rule.patients_before, only=only)
        erased = rules.lapsed_counts(s, rule.patients_before, only=rules.ERASED) if only else {}
        refused = anonymise.count_refused(s, rule.patients_before) if only else 0
        patients = rules.lapsed_patients(s, rule.patients_before, only=only)
        old_log = rules.count_old_commlog(s, rule.commlog_before, rule.patients_before)
        delivery = deliverylog.count_old(s, rule.delivery_before)
        old_audit = auditlog.due(s, rule.audit_before)
        unused = tokens.unused(s, db.path.parent, now)
        withdrawn = disclosures.count_due(s, rule.records_before, rule.patients_before)
        kept = rules.held_lapsed(s, rule.patients_before)
        old_records = records.count_before(s, rule.records_before)
    spent = tokens.asked(unused).count  # the keychain: outside the transaction
    expired = backups.expired(root, rule.backups_before)
    found = {kind: counts[kind] for kind in PATIENT_KINDS}
    if rule.anonymises:  # her appointments stay (not those the endpoint refused); her row too
        found[ANONYMISED] = found.pop("patient")
        found["patient"], found["appointment"] = 0, refused
        for kind, n in erased.items():  # erased patients' tombstones go, as when deleting
            found[kind] = found.get(kind, 0) + n
    found["communication_entry"] += old_log
    found["backup"] = len(expired)
    found.update(delivery)
    found["audit_event"] = old_audit.count if old_audit is not None else 0
    found[tokens.KIND] = spent
    found[disclosures.KIND] = withdrawn
    found["destruction_record"] = old_records
    return Plan(now, counted(found), patients, expired, _policies(rule), kept)


def _whole(rule: Policy) -> str:
    """The whole policy, as a sweep that destroyed nothing records it."""
    return rule.whole


def _anonymising(rule: Policy) -> str:
    """The policy an anonymisation's destruction record names."""
    return f"{rule.rule(policy.APPOINTMENT_MONTHS)}; {rule.rule(policy.LAPSED_PATIENTS)}"


def _policies(rule: Policy) -> dict[str, str]:
    by_patient = rule.rule(policy.APPOINTMENT_MONTHS)
    found = {kind: by_patient for kind in PATIENT_KINDS}
    found["communication_entry"] = f"{by_patient}; {rule.rule(policy.COMMLOG_MONTHS)}"
    found["backup"] = rule.rule(policy.BACKUP_DAYS)
    found["delivery_log"] = found["reminder"] = rule.rule(policy.DELIVERY_MONTHS)
    found["audit_event"] = rule.rule(policy.AUDIT_YEARS)
    found[ANONYMISED] = _anonymising(rule)
    found[tokens.KIND] = tokens.RULE
    found[disclosures.KIND] = found["destruction_record"] = rule.rule(policy.RECORD_YEARS)
    return found


T = TypeVar("T")
R = TypeVar("R")
Tell = Callable[[str, int], None]  # (kind, rows so far): progress of a long sweep

# The cloud endpoint, as the sweep needs it to sign a checkpoint: the front end that
# syncs registers how to reach it (``sync/notary.py``); the core never imports it.
Notaries = Callable[[Database], "notary.Notary | None"]
_NOTARIES: list[Notaries] = []


def register_signer(make: Notaries) -> None:
    """Let sweeps reach the cloud endpoint through ``make`` (once per front end)."""
    if make not in _NOTARIES:
        _NOTARIES.append(make)


def registered(db: Database) -> notary.Notary | None:
    """The cloud endpoint of this clinic, if a front end registered one that reaches it."""
    for make in _NOTARIES:
        found = make(db)
        if found is not None:
            return found
    return None


def sweep(
    db: Database,
    ctx: Ctx,
    root: Path,
    *,
    tell: Tell | None = None,
    audit_anchor: Anchor | None = None,
    signer: notary.Notary | None = None,
    stop: Callable[[], bool] | None = None,
) -> Swept:
    """Destroy what the policy says is past its time, in batches; record it all.

    Audit events past their time go only behind an anchor kept outside the file:
    ``audit_anchor`` (a person's), or one of the clinic's backups. ``stop``
    (``jobs.runner.stop_asked``: the app closing) is asked before each batch: once it
    says so, the sweep ends there (:func:`_stopped`)."""
    require(ctx, "clinic.configure", CANNOT)
    started = time.monotonic()
    sweep_id = str(uuid.uuid4())
    now = ctx.clock.now()
    with db.read() as s:
        rule = policy.read(s, now)
    with db.write() as s:  # an earlier sweep cut short before its last write
        _log_cut_short(s, ctx)
    counts: Counter[str] = Counter()
    # One _Folding for all the batches: nothing left over between kinds.
    step = Step(db, rule, sweep_id, counts, tell, _Folding(db), stop or _going_on)
    batches = _patients(step)
    batches += _commlog(step)
    batches += _delivery_log(step)
    if step.stop():
        return _stopped(step, ctx, batches, started)
    anchors = [audit_anchor] if audit_anchor is not None else []
    vouchers = [*anchors, *backups.kept_anchors(root)]
    waiting, more = _audit(step, ctx, vouchers, signer or registered(db))
    batches += more
    if step.stop():
        return _stopped(step, ctx, batches, started)
    removed = backups.remove_expired(root, rule.backups_before)
    gone = removed.gone
    counts["backup"] = len(gone)
    dropped = _keychain_tokens(db, now, sweep_id)
    with db.write() as s:
        counts[tokens.KIND] = tokens.forget_in_file(s, db.path.parent) + dropped
        records.add(s, sweep_id, now, tokens.KIND, counts[tokens.KIND], tokens.RULE)
        records.add(s, sweep_id, now, "backup", len(gone), rule.rule(policy.BACKUP_DAYS))
        pruned = records.prune(s, rule.records_before)
        records.add(s, sweep_id, now, "destruction_record", pruned, rule.rule(policy.RECORD_YEARS))
        counts["destruction_record"] = pruned
        counts[disclosures.KIND] = disclosures.prune(s, rule.records_before)
        records.add(s, sweep_id, now, disclosures.KIND, counts[disclosures.KIND],
                    rule.rule(policy.RECORD_YEARS))  # fmt: skip
        if not any(counts.values()):  # it ran: the record says so (``records.NOTHING``)
            records.nothing(s, sweep_id, now, _whole(rule))
        done = records.of_sweep(s, sweep_id)
        # What it destroyed, under which policy, into the log's hash chain: just
        # before its own event (``records.as_events``; ``audit verify`` covers them).
        audit.record_many(s, ctx, records.as_events(done))
        audit.record(s, ctx, review_rule.SWEEP, review_rule.ENTITY, sweep_id)
        review_rule.share(s, ctx, rule)  # a person's, after a dry run: every PC's review
        kept = [r for r in done if r.kind != records.NOTHING]
    tokens.settled(db.path.parent, sweep_id)  # the record is written: its notes go
    # Also when no patient went now: a sweep stopped between the steps (killed, a full
    # disk) left its patients' entries in the index's pages. Nothing to merge (the
    # index one segment) is one quick step; a day's sweep removes patients anyway.
    _purge_index(db)
    vacuumed = _vacuum(db)
    took = time.monotonic() - started
    with db.read() as s:
        why = auditwait.standing(s)
        by_endpoint = notary.pinned(s) is not None
    return Swept(
        sweep_id, now, counted(counts), took, batches, vacuumed, kept, waiting, why, by_endpoint,
        removed.unreachable,
    )  # fmt: skip


def _going_on() -> bool:
    return False


def _stopped(step: Step, ctx: Ctx, batches: int, started: float) -> Swept:
    """A sweep asked to stop, after the batch under way: its records (each batch's,
    written with it) go into the audit log now, as the next sweep would write those of
    a sweep cut short (``_log_cut_short``: the records, then ``sweep_cut_short``, not a
    ``sweep`` event: it did not end, so neither the last sweep's time nor a person's
    review reads it), in one ordinary write that makes the relaxed batches durable.
    The rest (the other kinds, expired backups, tokens, the index's purge, the vacuum)
    is the next sweep's, as for a sweep cut short."""
    with step.db.write() as s:
        done = records.of_sweep(s, step.sweep_id)
        if done:
            audit.record_many(s, ctx, records.as_events(done))
            audit.record(s, ctx, records.CUT_SHORT, review_rule.ENTITY, step.sweep_id)
    kept = [r for r in done if r.kind != records.NOTHING]
    took = time.monotonic() - started
    return Swept(
        step.sweep_id, step.rule.now, counted(step.counts), took, batches, False, kept, stopped=True
    )


def _log_cut_short(session: Session, ctx: Ctx) -> int:
    """The records of each sweep cut short before its last write (``records.cut_short``)
    written into the audit log as its own end would have written them, then
    ``sweep_cut_short`` for it, so ``sweep records`` finds them there; how many sweeps.
    Under the sweep's lease (``jobs.core``): no other sweep is running."""
    cut = records.cut_short(session)
    for sweep_id in cut:
        audit.record_many(session, ctx, records.as_events(records.of_sweep(session, sweep_id)))
        audit.record(session, ctx, records.CUT_SHORT, review_rule.ENTITY, sweep_id)
    return len(cut)


def _keychain_tokens(db: Database, now: datetime, sweep_id: str) -> int:
    """How many spent device tokens this sweep destroyed in the keychain, which may
    stop to ask a person for its unlock (a Linux desktop's prompt): so it is asked
    holding no write, never inside one (the desk would wait on the prompt). Counted
    with them: those an earlier sweep deleted but did not record (``tokens.drop``)."""
    folder = db.path.parent
    with db.read() as s:
        found = tokens.unused(s, folder, now)
        before = tokens.earlier(s, folder, sweep_id)
    return tokens.drop(tokens.asked(found), now, folder, before)


@dataclass(frozen=True)
class Step:
    """What each step of one sweep (a kind's batches) works with: the database, the
    policy read at its start, its id, the rows removed so far per kind (added to),
    whom to tell its progress, the folding of its batches' pages, and whether to stop
    before the next batch (the app closing: ``sweep``'s ``stop``)."""

    db: Database
    rule: Policy
    sweep_id: str
    counts: Counter[str]
    tell: Tell | None
    folding: _Folding
    stop: Callable[[], bool]

    def record(self, session: Session, removed: Mapping[str, int], why: str) -> None:
        """The destruction records of a batch that removed ``removed``."""
        for kind, n in removed.items():
            records.add(session, self.sweep_id, self.rule.now, kind, n, why)

    def told(self, removed: Mapping[str, int], kind: str) -> int:
        """A batch removed ``removed``: counted, and ``kind``'s rows so far told."""
        self.counts.update(removed)
        if self.tell is not None:
            self.tell(kind, self.counts[kind])
        return 1


def _patients(step: Step) -> int:
    """The lapsed patients' appointments in runs of neighbouring rows, then the
    patients with the rest of their record; both lists are made at the start, and
    each batch checks again, inside its write, that its patients are still to go."""
    rule = step.rule
    if rule.anonymises:
        return _anonymise(step)
    batches, why, before = 0, rule.rule(policy.APPOINTMENT_MONTHS), rule.patients_before
    with step.db.read() as s:
        rowids = rules.lapsed_appointments(s, before)
        lapsed = rules.lapsed_in_order(s, before)

    def appointments(s: Session, run: Sequence[int]) -> Counter[str]:
        removed = rules.remove_appointments(s, run, before)
        step.record(s, removed, why)
        return removed

    def patients(s: Session, ids: Sequence[str]) -> Counter[str]:
        removed = rules.remove_patients(s, rules.still_lapsed(s, before, ids))
        step.record(s, removed, why)
        return removed

    # Unchecked: each batch deletes the rows that refer to its appointments first, the
    # log entries about them (``rules.REFERRING``); its patients' batches stay checked.
    for removed in _paced(step, rowids, Pace(*BATCH_ROWS), appointments, checked=False):
        batches += step.told(removed, "appointment")
    for removed in _paced(step, lapsed, Pace(*PATIENT_BATCH), patients):
        batches += step.told(removed, "patient")
    return batches


def _anonymise(step: Step) -> int:
    """The lapsed patients not anonymised yet, anonymised (``retention.anonymise``) in
    batches: each checks again, inside its write, that its patients are still to go.
    The rows it deletes are recorded under the appointment rule; the patients as kind
    :data:`ANONYMISED` under that rule and ``retention.lapsed_patients=anonymise``."""
    rule, batches = step.rule, 0
    why, before = rule.rule(policy.APPOINTMENT_MONTHS), rule.patients_before
    with step.db.read() as s:
        lapsed = rules.lapsed_in_order(s, before, only=rules.NAMED)
        erased = rules.lapsed_in_order(s, before, only=rules.ERASED)

    def tombstones(s: Session, ids: Sequence[str]) -> Counter[str]:
        removed = rules.remove_patients(s, rules.still_lapsed(s, before, ids))
        step.record(s, removed, why)
        return removed

    for removed in _paced(step, erased, Pace(*PATIENT_BATCH), tombstones):
        batches += step.told(removed, "patient")

    def patients(s: Session, ids: Sequence[str]) -> Counter[str]:
        live = rules.still_lapsed(s, before, ids)
        done = anonymise.anonymise(s, live, rule.now)
        close_erased(s, rule.now)  # a conflict on her row or a booking she keeps shows her
        # Her bookings the endpoint refused go (once their conflicts are closed above):
        # the endpoint's doing, as on a pull (``ops.replica``): it never took them, so no
        # deletion of them is pushed.
        with changefeed.applying(s, ENDPOINT):
            done["appointment"] += anonymise.drop_refused(s, live)
        removed = Counter({kind: n for kind, n in done.items() if kind != ANONYMISED})
        step.record(s, removed, why)
        records.add(s, step.sweep_id, rule.now, ANONYMISED, done[ANONYMISED], _anonymising(rule))
        return done

    for done in _paced(step, lapsed, Pace(*PATIENT_BATCH), patients):
        batches += step.told(done, ANONYMISED)
    return batches


def _purge_index(db: Database) -> None:
    """The search index rewritten without the swept patients' entries, in short
    writes (one ``optimize`` took a write of 2 s at 200,000 patients)."""
    more = True
    while more:
        with db.write() as s:
            more = rules.purge_index(s, rules.PURGE_PAGES)


def _paced(
    step: Step,
    items: Sequence[T],
    pace: Pace,
    work: Callable[[Session, Sequence[T]], R],
    *,
    checked: bool = True,
) -> Iterator[R]:
    """``work`` on ``items`` in batches, each its own write, sized by ``pace``.

    Each write is relaxed (``Database.write``): its commit waits for no disk, and its
    pages are folded into the file between batches, not at every commit (the same
    index pages, written by batch after batch, were folded again each time). A power
    cut may undo whole batches, with their destruction records; the next sweep takes
    those rows again. The sweep's last, ordinary write makes them all durable.
    Measured at 2M appointments: 65.7 s wall, 58.0 s CPU -> 59.5-60.9 s, 52.7-53.2.
    The fold is the sweep's own step (``FOLD_AFTER``), out of the write lock and out
    of the batch's time: done by a batch's commit once the WAL held 64 MB, it made
    that batch the desk's longest wait (p95 of a write's CPU 630-650 ms at 160,895
    appointments -> 530-545), and the pacing shrank the next batch for it.
    ``checked=False``: foreign keys are not enforced in the writes (``Database.write``)."""
    at = 0
    while at < len(items) and not step.stop():
        run = items[at : at + pace.size]
        at += len(run)
        started = batch_clock()
        with step.db.write(relaxed=True, fold=False, checked=checked) as s:
            done = work(s, run)
        step.folding.after(pace, len(run), batch_clock() - started)
        yield done


@dataclass
class _Folding:
    """The pages of the sweep's batches, folded into the file between batches once
    those since the last fold held the write lock ``FOLD_AFTER`` seconds."""

    db: Database
    unfolded: float = 0.0

    def after(self, pace: Pace, rows: int, took: float) -> None:
        """A batch of ``rows`` took ``took`` (its write's time): pace the next one,
        and fold, out of that time, when it is due."""
        pace.took(rows, took)
        self.unfolded += took
        if self.unfolded >= FOLD_AFTER:
            self.db.fold()
            self.unfolded = 0.0


def _commlog(step: Step) -> int:
    rule = step.rule
    batches, why, pace = 0, rule.rule(policy.COMMLOG_MONTHS), Pace(*LOG_BATCH)
    while not step.stop():  # relaxed and folded between batches as the patients' (``_paced``)
        started = batch_clock()
        with step.db.write(relaxed=True, fold=False) as s:
            ids = rules.old_commlog_ids(s, rule.commlog_before, pace.size)
            if not ids:
                return batches
            n = rules.remove_commlog(s, ids)
            records.add(s, step.sweep_id, rule.now, "communication_entry", n, why)
        step.folding.after(pace, len(ids), batch_clock() - started)
        batches += step.told({"communication_entry": n}, "communication_entry")
    return batches


def _delivery_log(step: Step) -> int:
    """The providers' delivery log, and the station's finished reminder rows, past
    ``retention.delivery_log_months`` (``receptionist.reminders.deliverylog``)."""
    rule = step.rule
    batches, why, pace = 0, rule.rule(policy.DELIVERY_MONTHS), Pace(*LOG_BATCH)
    while not step.stop():  # relaxed and folded between batches as the patients' (``_paced``)
        started = batch_clock()
        with step.db.write(relaxed=True, fold=False) as s:
            removed = deliverylog.remove_old(s, rule.delivery_before, pace.size)
            if not any(removed.values()):
                return batches
            step.record(s, {kind: n for kind, n in removed.items() if n}, why)
        step.folding.after(pace, max(removed.values()), batch_clock() - started)
        batches += step.told(removed, "delivery_log")
    return batches


def _audit(
    step: Step, ctx: Ctx, anchors: list[Anchor], signer: notary.Notary | None
) -> tuple[int, int]:
    """The audit events past ``retention.audit_years``, removed behind a checkpoint
    when one of ``anchors`` vouches for the log past them; (events left waiting for
    an anchor, batches). Once this PC pinned the cloud endpoint's key, only the
    endpoint's newest anchor of it vouches, and each checkpoint goes only with the
    endpoint's signature (``signer``; without one nothing goes)."""
    db, rule, counts = step.db, step.rule, step.counts
    with db.read() as s:
        found = auditlog.due(s, rule.audit_before)
        if found is None:
            return 0, 0
        syncs = notary.pinned(s) is not None
    anchor = _vouching(db, found, anchors if not syncs else _held(signer), rule.now)
    if anchor is None:
        return found.count, 0
    batches, why = 0, rule.rule(policy.AUDIT_YEARS)
    marks = sorted({a.head_seq for a in anchors if 0 < a.head_seq <= found.upto})
    while True:
        if step.stop():  # the rest waits for the next sweep (``sweep`` ends stopped)
            return found.count - counts["audit_event"], batches
        with db.read() as s:
            cut = auditlog.next_cut(s, found.upto, anchor, marks=marks)
        if cut is None:
            return 0, batches
        signed = signer.sign(cut) if syncs and signer is not None else None
        if syncs and not _genuine(db, cut, signed):  # refused, or not its: the rest waits
            return found.count - counts["audit_event"], batches
        with db.write() as s:
            n = auditlog.cut(s, ctx, cut, step.sweep_id, signed)
            if not n:
                return 0, batches
            records.add(s, step.sweep_id, rule.now, "audit_event", n, why)
        counts["audit_event"] += n
        batches += 1


def _genuine(db: Database, step: notary.Proposal, signed: tuple[str, str] | None) -> bool:
    """Whether ``signed`` is the endpoint's signature over ``step`` by the key pinned
    when its anchor was taken: checked before the cut exactly as ``audit verify``
    checks it after (``notary.by_key_of_its_time``; a cut behind one it refuses would
    leave a log it refuses for good)."""
    if signed is None:
        return False
    with db.read() as s:
        return notary.by_key_of_its_time(s, step, signed[0], signed[1])


def _held(signer: notary.Notary | None) -> list[Anchor]:
    """The endpoint's newest anchor of this PC: in a clinic that syncs, the only one
    that vouches for a cut (none when the endpoint is out of reach)."""
    held = signer.held_anchor() if signer is not None else None
    return [held] if held is not None else []


def _vouching(
    db: Database, found: auditlog.Due, anchors: list[Anchor], now: datetime
) -> Anchor | None:
    with db.read() as s:
        return auditlog.vouching(s, anchors, found, now)


def _vacuum(db: Database) -> bool:
    """Give the freed pages back (where the file keeps auto_vacuum incremental), then
    fold the WAL into the file. ``secure_delete`` has overwritten the freed bytes
    either way; this makes the file smaller and the WAL empty."""
    with db.raw() as conn:
        mode = int(conn.execute("PRAGMA auto_vacuum").fetchone()[0])
        if mode == 2:
            conn.execute("PRAGMA incremental_vacuum").fetchall()
    db.checkpoint()
    return mode == 2


def reviewed(db: Database) -> bool:
    """Whether the scheduled sweep may run: a person has swept under this policy."""
    with db.read() as s:
        return review_rule.reviewed(s)


def destruction_records(
    db: Database, ctx: Ctx, *, since: datetime | None = None, limit: int | None = None
) -> list[Record]:
    """The destruction records, newest first (from ``since`` on; at most ``limit``),
    those of sweeps that destroyed nothing included (kind ``records.NOTHING``)."""
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        return records.recent(s, limit, since)


def records_in_log(db: Database, ctx: Ctx, sweep_ids: Iterable[str]) -> dict[str, bool | None]:
    """Per sweep of ``sweep_ids``: whether its destruction records are those its audit
    events hold, under the log's hash chain (``records.in_log``; None: the log holds
    none, a sweep cut short, one of an older version, or its events removed)."""
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        return {sweep_id: records.in_log(s, sweep_id) for sweep_id in dict.fromkeys(sweep_ids)}


def records_unlogged(db: Database, ctx: Ctx, sweep_ids: Iterable[str]) -> dict[str, str | None]:
    """Per sweep of ``sweep_ids``: why the audit log holds none of its destruction
    records (``records.unlogged``: an earlier version's, a sweep cut short, older than
    the log), None when it holds them."""
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        return {sweep_id: records.unlogged(s, sweep_id) for sweep_id in dict.fromkeys(sweep_ids)}


def records_gone(db: Database, ctx: Ctx, since: datetime | None = None) -> list[str]:
    """The sweeps (and erasures) whose counts the audit log holds though all their
    destruction records were deleted, within the records' retention (``records.gone``)
    and from ``since`` on when given; their ids, oldest first."""
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        kept = policy.read(s, ctx.clock.now()).records_before
        return records.gone(s, kept if since is None else max(kept, since))


# -- holds ---------------------------------------------------------------------------


def hold(db: Database, ctx: Ctx, patient: str, reason: str, kind: str | None = None) -> Hold:
    """Put ``patient`` (a number, id or id prefix) on hold: no sweep removes it.
    ``kind``: "legal" or "medical" (:data:`holds.KINDS`), kept with the reason."""
    require(ctx, "clinic.configure", CANNOT)
    reason = clean_text(reason, "reason", 1000)
    if not reason:
        raise ValidationError(
            "reason",
            Text(QT_TRANSLATE_NOOP("core", "Give the reason for the hold (--reason).")),
        )
    if kind is not None and kind not in holds.KINDS:
        raise ValidationError(
            "kind", Text(QT_TRANSLATE_NOOP("core", "A hold is legal or medical: choose one."))
        )
    with db.write() as s:
        found = lookup.patient_row(s, patient)
        return holds.place(s, ctx, found.id, reason if kind is None else holds.tagged(kind, reason))


@dataclass(frozen=True)
class HoldView:
    """One patient's hold as a screen shows it. ``reason`` is "" for an actor who may
    not hold (a receptionist sees that the record is held and since when, not why)."""

    patient_id: str
    number: str
    name: str
    kind: str | None  # "legal", "medical", or None (a hold placed without one)
    reason: str
    placed_at: datetime
    placed_by: str  # the staff member's name; "" when unknown (a system's hold)


def _view(s: Session, ctx: Ctx, found: Hold) -> HoldView:
    row = s.get(Patient, found.patient_id)
    user = s.get(StaffUser, found.placed_by) if found.placed_by else None
    by = (user.full_name or user.username) if user is not None else ""
    kind, why = holds.kind_of(found.reason)
    shown = why if ctx.actor.may("clinic.configure") else ""
    number, name = (row.number, row.display_name) if row is not None else ("", "")
    return HoldView(found.patient_id, number, name, kind, shown, found.placed_at, by)


def hold_of(db: Database, ctx: Ctx, patient_id: str) -> HoldView | None:
    """The patient's hold, or None: for anyone who may read the patient (the patient
    window says it); the reason only for those who may hold."""
    require(ctx, "patient.read", CANNOT_SEE_HOLD)
    with db.read() as s:
        found = holds.of(s, patient_id)
        return None if found is None else _view(s, ctx, found)


def holds_listed(db: Database, ctx: Ctx) -> list[HoldView]:
    """Every hold, oldest first, with the patient's number and name and who placed it
    (Settings > Retention)."""
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        return [_view(s, ctx, h) for h in holds.every(s)]


def unhold(db: Database, ctx: Ctx, patient: str) -> str:
    """Lift the hold on ``patient``; NotFound if it had none. Returns the patient's id."""
    require(ctx, "clinic.configure", CANNOT)
    with db.write() as s:
        found = lookup.patient_row(s, patient)
        if not holds.lift(s, ctx, found.id):
            raise NotFound(
                Text(
                    QT_TRANSLATE_NOOP("core", "Patient {number} is not on hold."),
                    number=found.number,
                )
            )
        return str(found.id)


def held(db: Database, ctx: Ctx) -> list[Hold]:
    require(ctx, "clinic.configure", CANNOT)
    with db.read() as s:
        return holds.every(s)
