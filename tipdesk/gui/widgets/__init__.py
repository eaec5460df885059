"""Reusable widgets that several pages embed."""
