"""This PC's preferences: a small JSON file in the platform's config folder.

``RECEPTIONIST_CONFIG_DIR`` moves the folder (tests, portable installs). The file is
written atomically and readable by its owner only. A damaged or unreadable file reads
as "no preferences" (every default), and is replaced at the next change.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import platformdirs

from receptionist.store.keyfile import atomic_write

from .registry import Setting

log = logging.getLogger(__name__)
FILE_NAME = "preferences.json"


def config_dir() -> Path:
    override = os.environ.get("RECEPTIONIST_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("Receptionist", appauthor=False))


def _path() -> Path:
    return config_dir() / FILE_NAME


def stored() -> dict[str, object]:
    try:
        data = json.loads(_path().read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("preferences file unreadable (%s); using defaults", type(exc).__name__)
        return {}
    return data if isinstance(data, dict) else {}


def value(setting: Setting) -> object:
    found = stored().get(setting.key, setting.default)
    try:
        return setting.check(found)
    except Exception:
        return setting.default


def write(setting: Setting, new: object) -> object:
    checked = setting.check(new)
    data = stored()
    data[setting.key] = checked
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    atomic_write(folder / FILE_NAME, text.encode("utf-8"))
    return checked
