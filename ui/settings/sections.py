"""A settings page's groups as sections: a list of their titles, one section shown.

The clinic's settings are many (reminders alone are more than a dozen); one long
scrolling column did not fit a 1366×768 screen. Each group is a section of its own,
chosen in the list on the left, and a long one lays its rows out in columns, each
label above its editor: filled in order, or, for a section whose settings belong
together in parts (the message channels: E-mail, SMS, WhatsApp), one part under its
heading in each column or two. Only the section scrolls (a window made small): the
list stays where it is, as tall as its titles (at the top of the page, not a tall
empty box down to its foot), and the section lies on the page's own background (not a
grey band, against which a column ending near the page's foot looked cut).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QSizePolicy,
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
        # As tall as its titles (larger text too), shorter only when the page is.
        self.titles.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.titles.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        # Not a QStackedWidget: it sizes to its tallest page (height-for-width included),
        # and the clinic's page scrolled for the sake of a section not shown.
        self.stack = QWidget(self)
        self.stack.setObjectName("sectionPages")
        self.pages: list[QWidget] = []
        self.pile = QVBoxLayout(self.stack)
        self.pile.setContentsMargins(0, 0, 8, 0)
        self.pile.addStretch(1)  # a short section at the top, not spread down the page
        self.titles.currentRowChanged.connect(self._show)
        self.group_of: dict[str, int] = {}  # field -> its section's index
        # The sections scroll, the list beside them does not: it stays in reach.
        self.area = QScrollArea(self)
        self.area.setObjectName("sectionScroll")
        self.area.setWidget(self.stack)
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.area.viewport().setAutoFillBackground(False)  # the page's background
        self.stack.setAutoFillBackground(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.titles, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.area, 1)

    def add(
        self, title: str, fields: list[str], parts: Sequence[tuple[str, int]] = ()
    ) -> list[QFormLayout]:
        """A section for ``fields``: one form layout, or a column of rows each for a
        long one (the caller fills them in order). With ``parts`` (each a heading and
        how many columns it takes), the columns are those, each part's heading over its
        own (the caller fills each part's columns with that part's fields)."""
        page = QWidget(self.stack)
        page.setObjectName(f"section_{len(self.pages)}")
        spans = [span for _heading, span in parts]
        columns = sum(spans) or min(3, max(1, -(-len(fields) // ROWS_PER_COLUMN)))
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(2)
        at = 0
        for number, (heading, span) in enumerate(parts):
            label = QLabel(heading, page)
            label.setObjectName("sectionPart")
            label.setAccessibleName(heading)
            label.setProperty("part", number)
            # The layout's leading edge, whatever the heading's own script: a Latin "SMS"
            # took its text's direction and sat at the left in a right-to-left layout.
            leading = (
                Qt.AlignmentFlag.AlignRight if page.isRightToLeft() else Qt.AlignmentFlag.AlignLeft
            )
            label.setAlignment(
                leading | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
            )
            grid.addWidget(label, 0, at, 1, span)
            at += span
        forms = []
        for column in range(columns):
            form = QFormLayout()
            form.setVerticalSpacing(6)
            form.setHorizontalSpacing(18)  # set: a grid's two spacings differ, none inherited
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            if columns > 1:  # narrow columns: the label above, the editor its full width
                form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
            grid.addLayout(form, 1 if parts else 0, column)
            grid.setColumnStretch(column, 1)
            forms.append(form)
        for field in fields:
            self.group_of[field] = len(self.pages)
        self.pile.insertWidget(len(self.pages), page)
        self.pages.append(page)
        self.titles.addItem(title)
        page.setVisible(self.titles.count() == 1)
        if self.titles.currentRow() < 0:
            self.titles.setCurrentRow(0)
        self.titles.setVisible(self.titles.count() > 1)
        self._fit_titles()
        return forms

    def _fit_titles(self) -> None:
        """The list as wide as its longest title and no taller than its titles."""
        titles, frame = self.titles, 2 * self.titles.frameWidth()
        titles.setFixedWidth(max(140, titles.sizeHintForColumn(0) + frame + 12))
        rows = sum(titles.sizeHintForRow(row) for row in range(titles.count()))
        titles.setMaximumHeight(rows + frame)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_titles()  # larger text, the app's style: taller rows

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_titles()

    def _show(self, index: int) -> None:
        for at, page in enumerate(self.pages):
            page.setVisible(at == index)

    def current(self) -> int:
        return self.titles.currentRow()

    def reveal(self, field: str) -> None:
        """Bring the section holding ``field`` to the front."""
        if field in self.group_of:
            self.titles.setCurrentRow(self.group_of[field])
