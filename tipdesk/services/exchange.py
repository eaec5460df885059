"""The exchange facade: one object the GUI and the CLI hold, with the services of both ends.

``Exchange(desk)`` gives ``keys`` (own keys, enrolment file, rotation, trust bundle), ``export``
(commune batches), ``receipts`` (commune receipt import), ``peers`` (province enrolment,
revocation, rotation), ``imports`` (province import, dry run, verify) and ``status`` (province
per-commune status, log, conflicts, annotations). Every service checks its own permission.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tipdesk.exchange.format import DEFAULT_LIMITS, Limits
from tipdesk.services.exchange_export import ExportService
from tipdesk.services.exchange_import import ImportService
from tipdesk.services.exchange_keys import KeysService
from tipdesk.services.exchange_peers import PeersService
from tipdesk.services.exchange_receipts import ReceiptService
from tipdesk.services.exchange_schema import Registry, registry
from tipdesk.services.exchange_status import StatusService

if TYPE_CHECKING:
    from tipdesk.services.context import Desk


class Exchange:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS, reg: Registry | None = None) -> None:
        self.desk = desk
        self.limits = limits
        self.reg = reg or registry()

    @cached_property
    def keys(self) -> KeysService:
        return KeysService(self.desk, self.limits)

    @cached_property
    def export(self) -> ExportService:
        return ExportService(self.desk, self.limits, self.reg)

    @cached_property
    def receipts(self) -> ReceiptService:
        return ReceiptService(self.desk, self.limits)

    @cached_property
    def peers(self) -> PeersService:
        return PeersService(self.desk, self.limits)

    @cached_property
    def imports(self) -> ImportService:
        return ImportService(self.desk, self.limits, self.reg)

    @cached_property
    def status(self) -> StatusService:
        return StatusService(self.desk, self.reg)
