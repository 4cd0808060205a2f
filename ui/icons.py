"""The app's icons, in one place: our action names mapped to glyphs of one icon font.

The glyphs are Phosphor's (regular weight, MIT licence), from the font file that the
QtAwesome package ships (``qtawesome/fonts``), so nothing is downloaded. They are
drawn here as vector outlines at the size asked for, so they stay crisp at 125 %,
150 % or 200 % display scaling, and in the calm slate blue of the palette.

Only the font file is used, not QtAwesome's Python API: that API imports QtPy, whose
``from PySide6.QtX import *`` costs about 200 ms at start-up, and on Windows it would
copy every bundled font into the user's font folder. Reading the one font we use, on
the first icon asked for, costs 10 to 20 ms; each icon after that well under 1 ms.
Glyphs are drawn at 16, 24, 32... pixels (see :func:`snapped`), where Phosphor's
strokes fall on the pixel grid.

If the font cannot be found or read, every icon is a null ``QIcon`` and the app keeps
its text-only look: an icon is never worth a crash. That is logged once, as INFO.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Final

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPixmap,
    QRawFont,
)
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from receptionist import safelog

log = logging.getLogger("receptionist.ui")

FONT_PACKAGE: Final = "qtawesome"
FONT_FILE: Final = "phosphor-1.3.0.ttf"
CHARMAP_FILE: Final = "phosphor-charmap-1.3.0.json"
REFERENCE_PX: Final = 64  # outlines are taken at this pixel size, then scaled
GLYPH_SHARE: Final = 1.0  # Phosphor draws on a 256 grid with its own padding: use all of it
SNAP: Final = 8  # glyphs are drawn at a multiple of this many pixels...
SNAP_FROM: Final = 16  # ...from this size up (smaller ones as asked)


@dataclass(frozen=True)
class Tint:
    """A colour for each icon mode; checked (``On``) buttons use ``on``."""

    normal: str = "#4a6183"  # slate blue, beside #1f2733 text
    active: str = "#1d4ed8"  # hover: the focus blue of style.qss
    on: str = "#173a73"  # checked, like a checked tool button's text
    disabled: str = "#aab2bf"
    selected: str = "#ffffff"  # on a selected (blue) row

    def colour(self, mode: QIcon.Mode, state: QIcon.State) -> QColor:
        if mode == QIcon.Mode.Disabled:
            return QColor(self.disabled)
        if mode == QIcon.Mode.Selected:
            return QColor(self.selected)
        if mode == QIcon.Mode.Active:
            return QColor(self.active)
        return QColor(self.on if state == QIcon.State.On else self.normal)


CALM: Final = Tint()
# On a default (blue) push button: white in every mode, like its text.
ON_PRIMARY: Final = Tint("#ffffff", "#ffffff", "#ffffff", "#ffffff", "#ffffff")

# Our names -> Phosphor glyph names. Action object names are "action_<name>".
ICONS: Final[dict[str, str]] = {
    # the window's actions
    "newAppointment": "calendar-plus",
    "today": "calendar-check",
    "previous": "caret-left",
    "next": "caret-right",
    "goto": "calendar-blank",
    "calendar": "calendar-blank",
    "refresh": "arrows-clockwise",
    "syncNow": "arrows-counter-clockwise",
    "book": "key-return",
    "cardMenu": "dots-three-circle",
    "patients": "address-book",
    "quickFind": "magnifying-glass",
    "settings": "gear",
    "lock": "lock-simple",
    "quit": "power",
    "about": "info",
    "todayBoard": "clipboard-text",
    "waitlist": "hourglass-medium",
    "pinboard": "push-pin",
    "move": "push-pin",
    "unpin": "push-pin-slash",
    # an appointment's status actions (the schedule's card menu, the today board)
    "confirm": "check",
    "arrived": "sign-in",
    "inRoom": "door",
    "completed": "check-circle",
    "noShow": "prohibit",
    "cancel": "calendar-x",
    "reschedule": "arrow-bend-up-right",
    # patients and forms
    "openPatient": "user-circle",
    "save": "floppy-disk",
    "print": "printer",
    "attach": "paperclip",
    "add": "user-plus",
    "edit": "pencil-simple",
    "remove": "trash",
    # sign-in, unlock, the lock screen
    "signIn": "key",
    "unlock": "lock-simple-open",
    "locked": "lock-simple",
    "user": "user-circle",
    # the status bar
    "syncNotSetUp": "cloud",
    "online": "cloud-check",
    "offline": "cloud-slash",
    "lastSync": "clock-clockwise",
    "pending": "cloud-arrow-up",
    "conflicts": "warning",
    "endpointKey": "shield-warning",
    "reminders": "bell-simple",
}

# The card menu's object names (ui/schedule/cardmenu.py) -> our names.
CARD_MENU_ICONS: Final[dict[str, str]] = {
    "status_confirmed": "confirm",
    "status_arrived": "arrived",
    "status_in_room": "inRoom",
    "status_completed": "completed",
    "status_no_show": "noShow",
    "reschedule": "reschedule",
    "status_cancel": "cancel",
}


def snapped(side: int) -> int:
    """The glyph size for a ``side`` pixel square: a multiple of 8 from 16 up.

    Phosphor draws 16-unit strokes on a 256-unit grid, so at 16, 24, 32... pixels the
    strokes' edges fall on whole (or half) pixels and look sharp; at 18 or 20 they
    straddle pixels and look blurred. The glyph is drawn at the size below, centred."""
    return side if side < SNAP_FROM else side - side % SNAP


@dataclass(frozen=True)
class Glyph:
    """An outline at ``REFERENCE_PX``, in its em box (``width`` x ``height``)."""

    path: QPainterPath
    width: float
    height: float


class GlyphEngine(QIconEngine):
    """Draws one glyph outline, filled in the tint's colour for the mode, at any size."""

    def __init__(self, glyph: Glyph, tint: Tint) -> None:
        super().__init__()
        self.glyph = glyph
        self.tint = tint

    def clone(self) -> QIconEngine:
        return GlyphEngine(self.glyph, self.tint)

    def isNull(self) -> bool:
        return self.glyph.path.isEmpty()

    def key(self) -> str:
        return "receptionist.GlyphEngine"

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = snapped(min(rect.width(), rect.height()))
        if side <= 0 or self.glyph.height <= 0:
            return
        scale = GLYPH_SHARE * side / REFERENCE_PX
        w, h = self.glyph.width * scale, self.glyph.height * scale
        # Whole pixels from the corner, so the strokes stay on the pixel grid.
        left = rect.x() + (rect.width() - round(w)) // 2
        top = rect.y() + (rect.height() - round(h)) // 2
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.translate(left, top)
            painter.scale(scale, scale)
            painter.fillPath(self.glyph.path, self.tint.colour(mode, state))
        finally:
            painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        picture = QPixmap(size)
        picture.fill(Qt.GlobalColor.transparent)
        if not size.isEmpty():
            painter = QPainter(picture)
            try:
                self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
            finally:
                painter.end()
        return picture


class _Font:
    """Phosphor's outlines, read once from the font file; ``outline`` caches each."""

    def __init__(self, folder: Path) -> None:
        data = (folder / FONT_FILE).read_bytes()
        self.raw = QRawFont(data, REFERENCE_PX)
        if not self.raw.isValid():
            raise OSError("the icon font could not be read")
        charmap = json.loads((folder / CHARMAP_FILE).read_text(encoding="utf-8"))
        wanted = set(ICONS.values())
        self.codes = {name: chr(int(code, 16)) for name, code in charmap.items() if name in wanted}
        self.height = self.raw.ascent() + self.raw.descent()
        self._glyphs: dict[str, Glyph] = {}

    def outline(self, name: str) -> Glyph | None:
        found = self._glyphs.get(name)
        if found is not None:
            return found
        code = self.codes.get(name)
        if code is None:
            return None
        index = self.raw.glyphIndexesForString(code)[0]
        if index == 0:  # .notdef: the font has no such glyph
            return None
        advance = self.raw.advancesForGlyphIndexes([index])[0].x()
        path = self.raw.pathForGlyph(index)
        path.translate(0, self.raw.ascent())
        path.setFillRule(Qt.FillRule.WindingFill)
        glyph = Glyph(path, abs(advance), self.height)
        self._glyphs[name] = glyph
        return glyph


class _State:
    font: _Font | None = None
    failed = False
    cache: dict[tuple[str, Tint], QIcon] = {}  # noqa: RUF012 - one shared cache


def font_folder() -> Path:
    """Where the installed QtAwesome package keeps its fonts (found without importing it)."""
    spec = find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise OSError("the icon font's package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


def load_font() -> _Font:
    """Read the font (patched in tests to simulate a missing or broken one)."""
    return _Font(font_folder())


def _font() -> _Font | None:
    if _State.font is None and not _State.failed:
        if QGuiApplication.instance() is None:
            return None  # no fonts without an application; try again later
        try:
            _State.font = load_font()
        except Exception as exc:  # any failure: no icons, never a crash
            _State.failed = True
            log.info("icons unavailable, text only: %s", safelog.describe(exc))
    return _State.font


def available() -> bool:
    return _font() is not None


def icon(name: str, tint: Tint = CALM) -> QIcon:
    """The icon for one of our names (see ``ICONS``); a null icon if it cannot be drawn."""
    key = (name, tint)
    cached = _State.cache.get(key)
    if cached is not None:
        return cached
    font = _font()
    glyph_name = ICONS.get(name)
    glyph = font.outline(glyph_name) if font is not None and glyph_name else None
    made = QIcon(GlyphEngine(glyph, tint)) if glyph is not None else QIcon()
    if font is not None:  # with no font yet (no application), ask again next time
        _State.cache[key] = made
    return made


def reset() -> None:
    """Forget the font and every icon (tests; or after the application was recreated)."""
    _State.font = None
    _State.failed = False
    _State.cache.clear()


def set_icon(target: QAction | QAbstractButton, name: str, tint: Tint = CALM) -> None:
    """Give ``target`` our icon ``name``; leave it as it is if there is none."""
    made = icon(name, tint)
    if not made.isNull():
        target.setIcon(made)


def apply_action_icons(widget: QWidget) -> int:
    """Icons for every action ``action_<name>`` under ``widget`` whose name is ours.

    Returns how many actions got one. Actions added later need another call."""
    done = 0
    for action in widget.findChildren(QAction):
        name = action.objectName().removeprefix("action_")
        if action.objectName().startswith("action_") and name in ICONS:
            set_icon(action, name)
            done += not action.icon().isNull()
    return done


def decorate_card_menu(menu: QMenu) -> None:
    """Icons for the status actions of an appointment card's menu (``build_card_menu``).

    Call it on the menu before it is shown; actions it does not know stay plain."""
    for action in menu.actions():
        name = CARD_MENU_ICONS.get(action.objectName())
        if name is not None:
            set_icon(action, name)


def pixmap(name: str, side: int, widget: QWidget, tint: Tint = CALM) -> QPixmap:
    """A ``side`` x ``side`` picture (logical pixels) for a QLabel, sharp on ``widget``'s
    screen; an empty pixmap when there is no icon."""
    made = icon(name, tint)
    if made.isNull():
        return QPixmap()
    return made.pixmap(QSize(side, side), widget.devicePixelRatioF())
