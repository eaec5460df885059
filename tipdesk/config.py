"""Machine settings kept beside the database (needed before login): language, last user, database URL."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tipdesk import paths


@dataclass
class MachineSettings:
    language: str = "vi"
    last_user: str = ""
    database_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> MachineSettings:
        path = path or paths.settings_file()
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {k: data[k] for k in ("language", "last_user", "database_url") if isinstance(data.get(k), str)}
        raw_extra = data.get("extra")
        extra: dict[str, Any] = raw_extra if isinstance(raw_extra, dict) else {}
        return cls(**known, extra=extra)

    def save(self, path: Path | None = None) -> None:
        path = path or paths.settings_file()
        from tipdesk.db.keyslots import atomic_write_text  # argon2, cryptography: not on the way to the login

        atomic_write_text(path, json.dumps(asdict(self), indent=1, ensure_ascii=False))
