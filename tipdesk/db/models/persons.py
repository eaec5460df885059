"""Person tables (persons, support ledger, plans, tip links): see the persons feature."""

from __future__ import annotations
