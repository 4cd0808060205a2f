"""A drop-down of fixed choices, each a shown label over a key (``currentData()``),
named for tests and screen readers, that calls back whenever the choice changes:
the filters of the delivery log, the pickers of the templates dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QWidget


def choice_box(
    parent: QWidget,
    name: str,
    said: str,
    items: list[tuple[str, str]],
    changed: Callable[[], None],
) -> QComboBox:
    """A combo box ``name`` (its object name), read out as ``said``, holding ``items``
    (key, label) in order; ``changed()`` runs after each change of the choice."""
    box = QComboBox(parent)
    box.setObjectName(name)
    box.setAccessibleName(said)
    for key, label in items:
        box.addItem(label, key)
    box.currentIndexChanged.connect(lambda _: changed())
    return box
