"""A settings page's groups as sections: a list of their titles, one section shown.

The clinic's settings are many (reminders alone are more than a dozen); one long
scrolling column did not fit a 1366×768 screen. Each group is a section of its own,
chosen in the list on the left, and a long one lays its rows out in columns, each
label above its editor.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

ROWS_PER_COLUMN = 5  # a longer section gets another column (three at most)


class Sections(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsSections")
        self.titles = QListWidget(self)
        self.titles.setObjectName("sectionList")
        self.titles.setAccessibleName(self.tr("Sections"))
        # Not a QStackedWidget: it sizes to its tallest page (height-for-width included),
        # and the clinic's page scrolled for the sake of a section not shown.
        self.stack = QWidget(self)
        self.stack.setObjectName("sectionPages")
        self.pages: list[QWidget] = []
        pile = QVBoxLayout(self.stack)
        pile.setContentsMargins(0, 0, 0, 0)
        self.titles.currentRowChanged.connect(self._show)
        self.group_of: dict[str, int] = {}  # field -> its section's index
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.titles)
        row.addWidget(self.stack, 1)

    def add(self, title: str, fields: list[str]) -> list[QFormLayout]:
        """A section for ``fields``: one form layout, or a column of rows each for a
        long one (the caller fills them in order)."""
        page = QWidget(self.stack)
        page.setObjectName(f"section_{len(self.pages)}")
        columns = min(3, max(1, -(-len(fields) // ROWS_PER_COLUMN)))
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(18)
        forms = []
        for _ in range(columns):
            form = QFormLayout()
            form.setVerticalSpacing(6)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            if columns > 1:  # narrow columns: the label above, the editor its full width
                form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
            row.addLayout(form, 1)
            forms.append(form)
        for field in fields:
            self.group_of[field] = len(self.pages)
        layout = self.stack.layout()
        assert layout is not None
        layout.addWidget(page)
        self.pages.append(page)
        self.titles.addItem(title)
        page.setVisible(self.titles.count() == 1)
        if self.titles.currentRow() < 0:
            self.titles.setCurrentRow(0)
        self.titles.setVisible(self.titles.count() > 1)
        width = self.titles.sizeHintForColumn(0) + 2 * self.titles.frameWidth() + 12
        self.titles.setFixedWidth(max(140, width))
        return forms

    def _show(self, index: int) -> None:
        for at, page in enumerate(self.pages):
            page.setVisible(at == index)

    def current(self) -> int:
        return self.titles.currentRow()

    def reveal(self, field: str) -> None:
        """Bring the section holding ``field`` to the front."""
        if field in self.group_of:
            self.titles.setCurrentRow(self.group_of[field])
