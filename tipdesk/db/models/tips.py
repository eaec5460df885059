"""Tip tables (tips, events, attachments): see the tips feature."""

from __future__ import annotations
