"""The one module that owns every path tipdesk uses.

Data, logs and backups live under the data directory (platformdirs by default,
``--data-dir`` or ``TIPDESK_DATA_DIR`` to override). Bundled resources and
translations are found next to the source tree, or under ``sys._MEIPASS`` in a
frozen (PyInstaller) build.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import platformdirs

from tipdesk import APP_NAME

_data_dir_override: Path | None = None


def _source_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def set_data_dir(path: str | os.PathLike[str] | None) -> None:
    """Override the data directory (tests, portable use)."""
    global _data_dir_override
    _data_dir_override = Path(path).expanduser().resolve() if path else None


_database_url_override: str | None = None


def set_database_url(url: str | None) -> None:
    """Use a database server (``--database-url``) instead of the file in the data directory."""
    global _database_url_override
    _database_url_override = url or None


def database_url() -> str:
    """``--database-url``, else ``TIPDESK_DATABASE_URL``, else "" (the caller then reads the remembered one)."""
    if _database_url_override is not None:
        return _database_url_override
    return os.environ.get("TIPDESK_DATABASE_URL", "")


def data_dir() -> Path:
    if _data_dir_override is not None:
        return _data_dir_override
    env = os.environ.get("TIPDESK_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def ensure_data_dir() -> Path:
    path = data_dir()
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path


def database_file() -> Path:
    return data_dir() / "tipdesk.db"


def keyslots_file() -> Path:
    return data_dir() / "keyslots.json"


def settings_file() -> Path:
    return data_dir() / "settings.json"


def log_dir() -> Path:
    return data_dir() / "logs"


def backup_dir() -> Path:
    return data_dir() / "backups"


def resources_dir() -> Path:
    return _source_root() / "resources"


def i18n_dir() -> Path:
    return _source_root() / "i18n"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"
