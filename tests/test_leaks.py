"""A closed clinic is freed once its test ends (leaks.py), not kept to the end of the run."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from factories import CLOCK_START, make_patient
from leaks import let_go_of_compiled_statements

from receptionist.store.vault import open_clinic


def test_a_closed_clinic_that_wrote_through_the_orm_is_freed_once_let_go(
    data_dir: Path,
) -> None:
    db = open_clinic(data_dir)
    with db.write() as session:
        make_patient(session, CLOCK_START, 1)  # compiles an INSERT in the mapper's cache
    db.close()
    gone = weakref.ref(db)
    del db, session
    gc.collect()
    assert gone() is not None, "the mappers' caches hold a closed clinic (the cause)"
    let_go_of_compiled_statements()
    gc.collect()
    assert gone() is None, "nothing else keeps it"
