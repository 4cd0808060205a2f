"""Columns that fit a settings table at its first size: each sized to its contents, on
one line (at most ``widest`` pixels, and narrower still if the table is too narrow for
them all: longer text is elided, its whole in the cell's tooltip), the last one (the
long text: counts, a policy) stretched to what is left. So no column is cut at the
dialog's edge or pushed off-screen behind a scrollbar (Settings > Jobs, a job's
history, Destruction records)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget

WIDEST = 280
LAST_AT_LEAST = 140  # what the stretched last column keeps at the least
NARROWEST = 60  # a column given way keeps this much


def fit_columns(table: QTableWidget, widest: int = WIDEST) -> None:
    """Size ``table``'s columns to their contents, the last stretched (call after
    filling it)."""
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    last = table.columnCount() - 1
    for column in range(last):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.resizeColumnToContents(column)
        header.resizeSection(column, min(header.sectionSize(column), widest))
    header.setSectionResizeMode(last, QHeaderView.ResizeMode.Stretch)
    if not table.isVisible():  # its width is not known yet: fitted again when shown
        return
    sizes = [header.sectionSize(column) for column in range(last)]
    excess = sum(sizes) - (table.viewport().width() - LAST_AT_LEAST)
    while excess > 0:  # the widest give way, down to the next widest, then together
        wide = sizes.index(max(sizes))
        others = sizes[:wide] + sizes[wide + 1 :]
        cut = min(excess, sizes[wide] - max([NARROWEST, *others]))
        if cut <= 0:
            cut = min(excess, sizes[wide] - NARROWEST)
            if cut <= 0:
                break
        sizes[wide] -= cut
        excess -= cut
    for column, size in enumerate(sizes):
        header.resizeSection(column, size)
