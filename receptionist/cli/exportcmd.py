"""patient export: a patient's copy of her whole record (right of access and
portability), one zip file, through ``receptionist.ops.export`` (docs/privacy.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from receptionist.cli.common import App, examples
from receptionist.ops import lookup
from receptionist.ops.export import export_patient

# What the copy holds, by kind, as a person reads it.
KINDS = {
    "appointments": "appointment(s)",
    "waiting_list": "waiting-list entry(ies)",
    "consent_decisions": "consent decision(s)",
    "communication_log": "communication-log entry(ies)",
    "messages_sent": "message(s) sent",
    "documents": "document(s)",
    "google_disclosures": "Google disclosure(s)",
}
HAND_OVER = (
    "The file holds the patient's data unencrypted: hand it to the patient (or send it as "
    "they asked), then delete it; keep no copy."
)


def register(psub: argparse._SubParsersAction[argparse.ArgumentParser], patient_help: str) -> None:
    p = psub.add_parser(
        "export",
        help="write a patient's whole record to one zip file, at their request (right of "
        "access and portability): record.json (machine-readable), record.html (printable), "
        "and the documents; the file is not encrypted and readable by you only; audited "
        "(managers and administrators)",
        **examples(
            "receptionist patient export A-12 --to ~/A-12-record.zip",
            "receptionist patient export A-12 --to /media/usb/A-12.zip --force --json",
        ),
    )
    p.add_argument("patient", help=patient_help)
    p.add_argument("--to", required=True, metavar="FILE", help="the zip file to write")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_export)


def cmd_export(app: App) -> int:
    to = Path(app.args.to).expanduser()
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, app.args.patient)
        done = export_patient(db, ctx, found.id, to, replace=app.args.force)
    data = {"patient_id": done.patient_id, "number": done.number, "path": str(to),
            "size_bytes": done.size_bytes, "counts": done.counts}  # fmt: skip
    held = ", ".join(f"{done.counts.get(kind, 0)} {words}" for kind, words in KINDS.items())
    app.emit(
        data,
        f"Wrote patient {done.number}'s record to {to} ({done.size_bytes} bytes): {held}. "
        + HAND_OVER,
    )
    return 0
