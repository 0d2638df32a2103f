"""Qt's own catalog (``qtbase_pl``) so standard buttons and dialogs speak the UI language."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: list[QTranslator] = []


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def install_qt_catalog(app: QCoreApplication, lang: str) -> bool:
    """Load ``qtbase_<lang>`` from Qt's translations folder; False when it is not shipped.

    English needs no catalog (Qt's strings are English); any earlier catalog is removed.
    """
    while _installed:
        app.removeTranslator(_installed.pop())
    QLocale.setDefault(
        QLocale(QLocale.Language.Polish if lang == "pl" else QLocale.Language.English)
    )
    if lang == "en":
        return True
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{lang}", qt_translations_dir()):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
