"""Which new rows of a page wait for a parent (``bulk._waiting``): those pointing at
a row that is absent, and, in a chain, those pointing at a row of the page that waits."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from receptionist.replica import bulk


def _new(entity: str, **values: object) -> Any:
    return SimpleNamespace(pulled=SimpleNamespace(record=SimpleNamespace(entity=entity)),
                           values=values)  # fmt: skip


def test_a_row_waits_for_an_absent_parent_and_its_children_in_the_page_wait_too() -> None:
    page = [
        _new("patient", id="p-here"),
        _new("appointment", id="a-orphan", patient_id="p-gone", provider_id="pr"),
        _new("communication_entry", id="c-chain", patient_id="p-here", appointment_id="a-orphan"),
        _new("appointment", id="a-fine", patient_id="p-here", provider_id="pr"),
        _new("communication_entry", id="c-fine", patient_id="p-here", appointment_id="a-fine"),
    ]
    coming = {(n.pulled.record.entity, n.values["id"]): i for i, n in enumerate(page)}
    assert bulk._waiting(page, coming, {("patient", "p-gone")}) == {1, 2}


def test_nothing_absent_nothing_waits() -> None:
    page = [_new("patient", id="p"), _new("appointment", id="a", patient_id="p")]
    coming = {(n.pulled.record.entity, n.values["id"]): i for i, n in enumerate(page)}
    assert bulk._waiting(page, coming, set()) == set()
