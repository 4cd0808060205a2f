"""patient erase: a patient's record and everything of hers gone, at her request
(right to erasure), through ``receptionist.ops.patients.delete`` (docs/privacy.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from receptionist.cli.common import App, examples
from receptionist.errors import UserError
from receptionist.ops import lookup
from receptionist.ops import patients as ops
from receptionist.ops.patients import ErasurePlan

# What an erasure removes, by table, as a person reads it.
KINDS = {
    "appointment": "appointment(s)",
    "waitlist_entry": "waiting-list entry(ies)",
    "consent": "consent decision(s)",
    "patient_document": "document(s)",
    "communication_entry": "communication-log entry(ies)",
}
STAYS = (
    "What stays: the patient number on an empty record (so paper charts and other PCs "
    "can tell it was erased); the deleted appointments' times, providers and statuses, "
    "with no name or notes, until the retention sweep purges them; the audit log's "
    "entries (who did what, when; ids only); and the erasure's destruction record (what "
    "kinds, how many, when)."
)


def register(psub: argparse._SubParsersAction[argparse.ArgumentParser], patient_help: str) -> None:
    p = psub.add_parser(
        "erase",
        help="erase a patient at their request (right to erasure): the record is emptied and "
        "the patient's appointments, waiting-list entries, consents, documents and "
        "communication log removed, here and on every PC that syncs; cannot be undone "
        "(managers and administrators; refused while the patient is on legal or medical hold)",
        **examples(
            "receptionist patient erase A-12            # asks for the number, typed back",
            "receptionist patient erase A-12 --yes --json",
        ),
    )
    p.add_argument("patient", help=patient_help)
    p.add_argument(
        "--yes",
        action="store_true",
        help="do not ask to type the patient's number back (needed without a terminal)",
    )
    p.set_defaults(func=cmd_erase)


def cmd_erase(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, app.args.patient)
        plan = ops.erasure_plan(db, ctx, found.id)
        if not app.args.yes and plan.hold_reason is None:  # on hold: refused just below
            _confirm(plan)
        gone = ops.delete(db, ctx, found.id)
    data = {
        "patient_id": plan.patient_id, "number": plan.number, "erased": True, "removed": gone,
        "copies": plan.copies or None,
    }  # fmt: skip
    said = f"Patient {plan.number} is erased. Removed: {_counts(gone)}. {STAYS}"
    app.emit(data, f"{said}\n{plan.copies}" if plan.copies else said)
    return 0


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{counts.get(kind, 0)} {words}" for kind, words in KINDS.items())


def _confirm(plan: ErasurePlan) -> None:
    """Ask on the terminal for the number (or the full name) typed back."""
    if not sys.stdin.isatty():
        raise UserError(
            f"Erasing patient {plan.number} cannot be undone; confirm it with --yes "
            "(there is no terminal to ask on)."
        )
    print(f"Erasing patient {plan.number} ({plan.name}) cannot be undone.")
    print(f"It removes: {_counts(plan.counts)}.")
    print(STAYS)
    if plan.copies:
        print(plan.copies)
    try:
        answer = input(f"Type the patient's number ({plan.number}) or full name to erase: ")
    except (EOFError, UnicodeDecodeError):  # Ctrl-D, or a terminal not set to UTF-8
        answer = ""
    if not plan.typed_back(answer):
        raise UserError(
            f"What was typed is not patient {plan.number}'s number or name; nothing was erased."
        )
