"""All mapped tables. Import this package so that ``Base.metadata`` knows every table."""

from tipdesk.db.models.base import Base, TravellingMixin, UTCDateTime, new_uuid, utcnow
from tipdesk.db.models.core import AuditEntry, Installation, InstallKey, Setting, User

__all__ = [
    "AuditEntry",
    "Base",
    "InstallKey",
    "Installation",
    "Setting",
    "TravellingMixin",
    "UTCDateTime",
    "User",
    "new_uuid",
    "utcnow",
]
