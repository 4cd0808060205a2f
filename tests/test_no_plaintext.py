"""No patient data in clear in any file of the data folder, while open and after."""

from __future__ import annotations

from pathlib import Path

from factories import add_clinic

from receptionist.patients import record as patients

MARKERS = (
    "Zzyzxquorble", "Przybylskiewicz", "905329998877", "zzyzx@example.org", "Wheelchairquux",
)  # fmt: skip


def _scan(root: Path) -> list[str]:
    hits = []
    for path in root.iterdir():
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3"):
            hits.append(f"{path.name}: plaintext SQLite header")
        for needle in MARKERS:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if needle.encode(encoding) in data:
                    hits.append(f"{path.name}: {needle} ({encoding})")
    return hits


def test_patient_never_in_clear(data_dir: Path, db, ctx) -> None:
    with db.write() as s:
        add_clinic(s, ctx.clock.now(), name="T")
    with db.write() as s:
        patients.create_patient(
            s,
            ctx,
            given_name="Zzyzxquorble",
            family_name="Przybylskiewicz",
            phone="0532 999 88 77",
            email="zzyzx@example.org",
            notes="Zzyzxquorble " * 200,
            alert="Wheelchairquux ramp at the back door",
        )
    names = {p.name for p in data_dir.iterdir()}
    assert "clinic.db-wal" in names, "scan while the WAL holds the fresh pages"
    assert _scan(data_dir) == []
    db.close()
    assert _scan(data_dir) == []
