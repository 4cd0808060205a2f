"""The QApplication: Fusion style, the light palette, the stylesheet, translations, hooks."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QStyleFactory

from receptionist import __version__

from . import messages

log = logging.getLogger("receptionist.ui")


def resources_dir() -> Path:
    """``resources/`` beside the source tree, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return base / "resources"


def stylesheet() -> str:
    path = resources_dir() / "style.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("stylesheet %s not found; using the plain Fusion look", path.name)
        return ""


def style_application(app: QApplication) -> None:
    """Fusion, light, our stylesheet: the same calm look on Windows, macOS and Linux."""
    app.setStyle(QStyleFactory.create("Fusion"))
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Light)
    app.setPalette(app.style().standardPalette())
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(stylesheet())


def install_translations(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Qt's own strings and ours (``resources/i18n/receptionist_<lang>.qm``) for the locale."""
    locale = locale or QLocale()
    found: list[QTranslator] = []
    sources = [
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("receptionist", str(resources_dir() / "i18n")),
    ]
    for name, folder in sources:
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder):
            app.installTranslator(translator)
            found.append(translator)
    if locale.textDirection() == Qt.LayoutDirection.RightToLeft:
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    return found


def make_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    QCoreApplication.setOrganizationName("Receptionist")
    QCoreApplication.setApplicationName("Receptionist")
    QCoreApplication.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # the flow decides when the app ends
    style_application(app)
    install_translations(app)
    return app


def install_excepthook() -> None:
    """An exception escaping a slot is a bug: log it (no patient data), say one calm line."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        try:
            messages.report_exception(exc.with_traceback(tb))
        except Exception:  # the hook of last resort must not raise
            sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook
