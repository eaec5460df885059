"""All mapped tables. Import this package so that ``Base.metadata`` knows every table."""

from tipdesk.db.models.base import Base, TravellingMixin, UTCDateTime, new_uuid, utcnow
from tipdesk.db.models.core import AuditEntry, EditLease, Installation, InstallKey, Setting, User

__all__ = [
    "AuditEntry",
    "ChangeCounter",
    "DocCounter",
    "EditLease",
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

# Record tables of later features register themselves on Base.metadata when imported here.
from tipdesk.db.models import exchange as _exchange  # noqa: F401
from tipdesk.db.models import persons as _persons  # noqa: F401
from tipdesk.db.models import tips as _tips  # noqa: F401
