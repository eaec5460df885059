"""Database settings (shared by every user of the installation)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tipdesk.db.models import Setting
from tipdesk.domain.roles import Perm
from tipdesk.errors import ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import _

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

DEFAULTS: dict[str, Any] = {
    "idle_lock_minutes": 5,
    "backup_reminder_days": 7,
    "attachment_max_mb": 20,
}


@dataclass(frozen=True)
class SettingsView:
    idle_lock_minutes: int
    backup_reminder_days: int
    attachment_max_mb: int


class SettingsService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def get(self, key: str) -> Any:
        with self.desk.read() as session:
            return self.desk.get_setting(session, key, DEFAULTS.get(key))

    def view(self) -> SettingsView:
        with self.desk.read() as session:
            values = {k: self.desk.get_setting(session, k, v) for k, v in DEFAULTS.items()}
        return SettingsView(**values)

    def set(self, key: str, value: Any) -> None:
        self.desk.require(Perm.SETTINGS_MANAGE)
        if key not in DEFAULTS:
            raise ValidationError(_("Unknown setting: {key}").format(key=key))
        if key == "idle_lock_minutes" and not (isinstance(value, int) and 1 <= value <= 120):
            raise ValidationError(_("The idle lock must be between 1 and 120 minutes."), {key: "range"})
        if key == "backup_reminder_days" and not (isinstance(value, int) and 1 <= value <= 365):
            raise ValidationError(_("The backup reminder must be between 1 and 365 days."), {key: "range"})
        if key == "attachment_max_mb" and not (isinstance(value, int) and 1 <= value <= 200):
            raise ValidationError(_("The attachment size limit must be between 1 and 200 MB."), {key: "range"})
        with self.desk.write(Changes.of("settings")) as session:
            row = session.get(Setting, key)
            old = json.loads(row.value) if row else DEFAULTS[key]
            if row is None:
                session.add(Setting(key=key, value=json.dumps(value)))
            else:
                row.value = json.dumps(value)
            self.desk.audit.append(session, "settings_change", "setting", key, {"old": old, "new": value})
