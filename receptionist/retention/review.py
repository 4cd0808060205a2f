"""Whether a sweep may run: a person looked at (and, for the scheduler, swept under)
the policy as it is.

The first sweep, and the first after any change of the policy, follows a person's dry
run: what a sweep destroys cannot be brought back, and a policy shortened by mistake
must not act unseen. A person's sweep (the CLI's ``sweep``, the app's "Sweep now")
needs a person's dry run made after the policy's last change (:func:`looked`); the
scheduled sweep needs a person's sweep after it (:func:`reviewed`). All these facts
are in the file already, in the audit log: each change of a policy setting, each
person's dry run (``sweep_dry_run``), and each sweep with its source ("scheduler" for
the job). Their order is the log's, not the clock's. A change pulled from another PC is
audited here as it is applied (:func:`policy_rows`, ``ops.replica.apply_pull``).

In a clinic that syncs, a person's review on one PC counts for every PC: the policy is
the clinic's, a synced setting, and the same on each. A person's sweep after a dry run
under it writes the whole policy it ran under into the synced, app-kept setting
``sweep.reviewed_policy`` (:func:`share`); a PC whose policy is that one may sweep
(:func:`shared`): its nightly sweep, so its own delivery logs, reminder rows and
backups follow the policy too, with no person needed at each PC (a headless station
among them). Any change of the policy made on a PC empties the setting in the same
write (:func:`changed`), so even a change back to a reviewed policy needs a person
again, as here. docs/privacy.md gives the reasoning.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import AuditEvent, ClinicSetting, DestructionRecord, setting_id
from receptionist.retention import policy
from receptionist.settings import clinicstore
from receptionist.settings.kinds import Words
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

SWEEP = "sweep"
# A sweep that ran to its end in the clinic a restore replaced, its destruction records
# carried into the restored file (``ops.restorecarry``): the entity id is its id. Not a
# ``sweep`` event: no person swept here (:func:`reviewed` reads those), but the clinic's
# last sweep it is (:func:`last_sweep`, at its records' time).
SWEEP_CARRIED = "sweep_carried"
DRY_RUN = "sweep_dry_run"  # a person's dry run: the audit event that lets a sweep go
ENTITY = "retention"
SCHEDULER = "scheduler"  # the source of the nightly sweep's events: no person's
# The whole policy (``Policy.whole``) a person last swept under after a dry run, on
# any PC of the clinic; empty: none since the policy last changed (:func:`share`).
REVIEWED = declare(
    Setting(
        "sweep.reviewed_policy",
        "clinic",
        Words(1000, required=False),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Retention policy a person reviewed")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The retention policy a person last swept under after a dry run, on any PC "
                "of the clinic: while the policy is that one, every PC's nightly sweep runs. "
                "Emptied by any change of the policy.",
            )
        ),
        policy.CONFIGURE,
        managed=True,
    )
)
# Any time: a policy's values are read, not its cut-offs (``Policy.whole``).
_ANY = datetime(2000, 1, 1, tzinfo=UTC)


def reviewed(session: Session) -> bool:
    """A sweep by a person (not the scheduler) after the policy's last change, here or,
    after a dry run, on another PC of the clinic (:func:`shared`)."""
    return _after_policy(session, SWEEP) or shared(session)


def looked(session: Session) -> bool:
    """A dry run by a person (not the scheduler) after the policy's last change, here or
    on another PC of the clinic, followed there by a person's sweep (:func:`shared`)."""
    return _after_policy(session, DRY_RUN) or shared(session)


def shared(session: Session) -> bool:
    """Whether the policy as it is is the one a person last reviewed (a dry run, then a
    sweep) on any PC of the clinic (:data:`REVIEWED`, synced)."""
    found = clinicstore.value(session, REVIEWED)
    return bool(found) and found == policy.read(session, _ANY).whole


def share(session: Session, ctx: Ctx, rule: policy.Policy) -> None:
    """At the end of a sweep under ``rule``: if it was a person's, after a person's dry
    run under the policy as it is here, ``rule`` is the clinic's reviewed policy
    (:data:`REVIEWED`), for every PC; the scheduler's sweep shares nothing."""
    if ctx.actor.source == SCHEDULER or not _after_policy(session, DRY_RUN):
        return
    if rule.whole == policy.read(session, _ANY).whole:  # not changed while it swept
        clinicstore.write(session, ctx, REVIEWED, rule.whole)


def changed(session: Session, ctx: Ctx, before: dict[str, int]) -> None:
    """The policy's setting rows were ``before`` (:func:`policy_rows`) at the start of
    this write, which changed settings here: if it changed one of the policy's, no PC
    may sweep under the reviewed policy any more (emptied, synced), until a person's
    dry run and sweep under the policy as it now is."""
    now = policy_rows(session)
    moved = any(now.get(row_id) != before.get(row_id) for row_id in _ids())  # made, or saved
    if moved and clinicstore.value(session, REVIEWED):
        clinicstore.write(session, ctx, REVIEWED, "")


def last_sweep(session: Session) -> datetime | None:
    """When the newest sweep (a person's or the scheduler's) ended: its audit event; or,
    a sweep of the clinic a restore replaced (:data:`SWEEP_CARRIED`), its records' time."""
    ended = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == SWEEP, AuditEvent.entity_type == ENTITY
        )
    )
    carried = session.scalar(
        select(func.max(DestructionRecord.at)).where(
            DestructionRecord.sweep_id.in_(
                select(AuditEvent.entity_id).where(
                    AuditEvent.action == SWEEP_CARRIED, AuditEvent.entity_type == ENTITY
                )
            )
        )
    )
    found = [at for at in (ended, carried) if at is not None]
    return max(found) if found else None


def reviewed_policy(session: Session) -> str:
    """The whole policy as it is (``Policy.whole``): what a person's review is of."""
    return policy.read(session, _ANY).whole


def carry(session: Session, ctx: Ctx, whole: str) -> bool:
    """A restore over the clinic: ``whole`` is the policy a person had reviewed in the
    clinic it replaced ("": none). When the restored policy is that one, the review
    stands here too (:data:`REVIEWED`, as :func:`share` writes it), so the nightly sweep
    does not wait for a person; a policy that differs waits, as after any change.
    Whether the review stands."""
    if not whole or policy.read(session, _ANY).whole != whole:
        return False
    if not shared(session):
        clinicstore.write(session, ctx, REVIEWED, whole)
    return True


def _after_policy(session: Session, action: str) -> bool:
    by_person = session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.action == action,
            AuditEvent.entity_type == ENTITY,
            AuditEvent.source != SCHEDULER,
        )
    )
    if by_person is None:
        return False
    changed = _policy_changed(session)
    return changed is None or by_person > changed


def _policy_changed(session: Session) -> int | None:
    """The audit number of the policy's newest change (None: never changed)."""
    return session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.entity_type == "clinic_setting", AuditEvent.entity_id.in_(_policy_ids())
        )
    )


def _policy_ids() -> list[str]:
    """The policy's settings, as a sweep records it and a person reviews it
    (``policy.WHOLE``): not the sweep's hour, which changes when, not what, goes."""
    return [setting_id(s.key) for s in policy.WHOLE]


def _ids() -> set[str]:
    return set(_policy_ids())


def policy_rows(session: Session) -> dict[str, int]:
    """The policy's setting rows held here, and the reviewed policy's
    (:data:`REVIEWED`): id -> version. A pull that changes one (the policy changed on
    another PC, where its audit event stays; or a person reviewed it there) is audited
    here by what it changed (``ops.replica``): a change of the policy makes this PC's
    sweeps wait for a person as after a change made here, and this PC's log shows when
    a review made elsewhere reached it."""
    ids = [*_policy_ids(), setting_id(REVIEWED.key)]
    found = session.execute(
        select(ClinicSetting.id, ClinicSetting.version).where(ClinicSetting.id.in_(ids))
    )
    return {str(row_id): int(version) for row_id, version in found}
