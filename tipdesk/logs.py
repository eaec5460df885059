"""Rotating log files with no personal data: messages name record ids and codes, never names or numbers."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from tipdesk import paths

_configured = False


def setup_logging(level: int = logging.INFO) -> Path | None:
    global _configured
    directory = paths.log_dir()
    if not directory.parent.is_dir():
        return None  # no data folder yet (before set-up): never create one just to log
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    logfile = directory / "tipdesk.log"
    if not _configured:
        handler = logging.handlers.RotatingFileHandler(logfile, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("tipdesk")
        root.addHandler(handler)
        root.setLevel(level)
        _configured = True
    return logfile


def log_crash(exc: BaseException) -> Path | str:
    """Write the traceback of an unexpected error to the log; returns the log file."""
    logfile = setup_logging()
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    logging.getLogger("tipdesk.crash").error("unexpected error\n%s", text)
    return logfile or "stderr"
