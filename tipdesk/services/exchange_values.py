"""Single values between the database and a JSON record: the kinds of column that travel, the strict
JSON -> DB converters (type, nullability, shape and calendar checks; ``RecordError``) and the
DB -> JSON form. See ``exchange_schema`` for how whole records and tables use them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from enum import Enum
from typing import Any

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class Kind(Enum):
    BOOL = "bool"
    INT = "int"
    STR = "str"
    UTC = "utc"  # timezone-aware, stored as UTC
    NAIVE = "naive"  # naive datetime column
    DATE = "date"
    BYTES = "bytes"


class RecordError(ValueError):
    """A record has the wrong shape (``BAD_RECORD``)."""


class UnknownFields(ValueError):
    """A record type or field this build does not know: the batch comes from a newer tipdesk."""


class SchemaDefinitionError(RuntimeError):
    """A travelling table uses a column this exchange cannot carry (a programming error)."""


Converter = Callable[[Any], Any]


def _check_null(value: Any, nullable: bool, name: str) -> bool:
    if value is None:
        if not nullable:
            raise RecordError(f"{name} may not be null")
        return True
    return False


def _str_converter(name: str, nullable: bool) -> Converter:
    def conv(value: Any) -> Any:
        if type(value) is str or (value is None and nullable):
            return value
        raise RecordError(f"{name}: text expected")

    return conv


def _int_converter(name: str, nullable: bool) -> Converter:
    def conv(value: Any) -> Any:
        if type(value) is int or (value is None and nullable):
            return value
        raise RecordError(f"{name}: integer expected")

    return conv


def _bool_converter(name: str, nullable: bool, proc: Callable[[Any], Any] | None) -> Converter:
    stored_true = proc(True) if proc is not None else True
    stored_false = proc(False) if proc is not None else False

    def conv(value: Any) -> Any:
        if value is True:  # ``is``: only the bools themselves, never 1 or 0
            return stored_true
        if value is False:
            return stored_false
        if value is None and nullable:
            return None
        if value is None:
            raise RecordError(f"{name} may not be null")
        raise RecordError(f"{name}: true or false expected")

    return conv


_D = "[0-9]"
_DATE_SHAPE = f"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}"
_TIME_SHAPE = f"T{_D}{{2}}:{_D}{{2}}:{_D}{{2}}\\.{_D}{{6}}"
_SHAPES = {  # ASCII digits only; fromisoformat then checks the calendar
    Kind.UTC: re.compile(_DATE_SHAPE + _TIME_SHAPE + "Z"),
    Kind.NAIVE: re.compile(_DATE_SHAPE + _TIME_SHAPE),
    Kind.DATE: re.compile(_DATE_SHAPE),
}


def _temporal_converter(name: str, kind: Kind, nullable: bool, proc: Callable[[Any], Any] | None) -> Converter:
    """Strict shape (``YYYY-MM-DDTHH:MM:SS.ffffff[Z]`` or ``YYYY-MM-DD``), a real calendar value, then
    the value as the dialect stores it (a string slice when that was verified equal)."""
    shape = _SHAPES[kind].fullmatch
    parse = dt.date.fromisoformat if kind is Kind.DATE else dt.datetime.fromisoformat
    fast = _fast_storage(kind, proc)
    digits = slice(0, 26) if kind is Kind.UTC else slice(None)

    def conv(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise RecordError(f"{name} may not be null")
        if type(value) is not str or shape(value) is None:
            raise RecordError(f"{name}: {kind.value} value expected")
        try:
            parsed = parse(value[digits])
        except ValueError as exc:
            raise RecordError(f"{name}: invalid {kind.value} value") from exc
        if fast is not None:
            return fast(value)
        if kind is Kind.UTC and isinstance(parsed, dt.datetime):
            parsed = parsed.replace(tzinfo=dt.UTC)
        return proc(parsed) if proc is not None else parsed

    return conv


def _fast_storage(kind: Kind, proc: Callable[[Any], Any] | None) -> Callable[[str], str] | None:
    """A string slice equal to what the dialect stores, checked once on a sample; else None."""
    if kind is Kind.DATE:
        sample: Any = dt.date(2026, 8, 1)
        expected, fast = "2026-08-01", (lambda text: text)
    else:
        sample = dt.datetime(2026, 8, 1, 9, 30, 5, 123456)
        if kind is Kind.UTC:
            sample = sample.replace(tzinfo=dt.UTC)
        expected = "2026-08-01 09:30:05.123456"

        def fast(text: str) -> str:
            return f"{text[:10]} {text[11:26]}"

    if proc is None:
        return None
    try:
        return fast if proc(sample) == expected else None
    except (TypeError, ValueError):
        return None


def _bytes_converter(name: str, nullable: bool) -> Converter:
    def conv(value: Any) -> Any:  # the SHA-256; the caller swaps in the attachment bytes
        if _check_null(value, nullable, name):
            return None
        if type(value) is not str or _SHA_RE.match(value) is None:
            raise RecordError(f"{name}: attachment SHA-256 expected")
        return value

    return conv


def converter(name: str, kind: Kind, nullable: bool, proc: Callable[[Any], Any] | None) -> Converter:
    """The JSON -> DB converter of one column; ``proc`` is the dialect's bind processor."""
    if kind is Kind.STR:
        return _str_converter(name, nullable)
    if kind is Kind.INT:
        return _int_converter(name, nullable)
    if kind is Kind.BOOL:
        return _bool_converter(name, nullable, proc)
    if kind is Kind.BYTES:
        return _bytes_converter(name, nullable)
    return _temporal_converter(name, kind, nullable, proc)


# ---------------------------------------------------------------- DB -> JSON


def to_json_value(kind: Kind, value: Any) -> Any:
    """A Python value read from the database as its JSON form (bytes: use ``bytes_to_json``)."""
    if value is None:
        return None
    if kind is Kind.UTC:
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if kind is Kind.NAIVE:
        return value.isoformat(timespec="microseconds")
    if kind is Kind.DATE:
        return value.isoformat()
    if kind is Kind.BOOL:
        return bool(value)
    if kind is Kind.BYTES:
        return hashlib.sha256(value).hexdigest()
    return value
