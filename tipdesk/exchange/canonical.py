"""Canonical JSON for signing, a strict JSON reader for hostile input, and DSSE PAE.

Canonical form (security.md §2): ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8, every string (keys too) in Unicode NFC, no floats,
integers within the IEEE-754 safe range. Signatures cover the exact bytes; nobody re-serialises
before verifying.

``strict_loads`` is the only way the exchange code reads JSON from outside. It refuses, each
with its own code (see ``StrictJSONError.code``): input over ``max_bytes`` or a string over
``max_string_chars`` (``FIELD_TOO_LARGE``), invalid UTF-8 or syntax, floats, integers out of
range (``BAD_JSON``), duplicate keys (``DUPLICATE_KEY``), ``NaN``/``Infinity`` (``NAN``) and
nesting beyond ``max_depth`` (``TOO_DEEP``, checked on the raw text before ``json`` recurses).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

MAX_SAFE_INT = 2**53 - 1

JSON_FIELD_TOO_LARGE = "FIELD_TOO_LARGE"
JSON_BAD = "BAD_JSON"
JSON_DUPLICATE_KEY = "DUPLICATE_KEY"
JSON_NAN = "NAN"
JSON_TOO_DEEP = "TOO_DEEP"

# Possessive quantifiers and an optional closing quote: the match never fails, so never backtracks
# (linear even on hostile input such as an unterminated string full of escaped quotes).
_STRING_LITERAL = re.compile(r'"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+"?')
_BRACKETS = re.compile(r"[\[\]{}]")


class StrictJSONError(Exception):
    """Hostile or malformed JSON; ``code`` is one of the ``JSON_*`` constants."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class NotCanonicalError(ValueError):
    """A value cannot be written as canonical JSON (float, non-str key, unknown type)."""


# ---------------------------------------------------------------- writing


def _normalise(value: Any, depth: int) -> Any:
    if depth > 64:
        raise NotCanonicalError("value nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise NotCanonicalError(f"integer out of range: {value}")
        return int(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float):
        raise NotCanonicalError("floats are not allowed in canonical JSON")
    if isinstance(value, Mapping):
        return _normalise_mapping(value, depth)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_normalise(item, depth + 1) for item in value]
    raise NotCanonicalError(f"type not allowed in canonical JSON: {type(value).__name__}")


def _normalise_mapping(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise NotCanonicalError(f"object key is not a string: {key!r}")
        nkey = unicodedata.normalize("NFC", key)
        if nkey in out:
            raise NotCanonicalError(f"two keys are equal after NFC normalisation: {key!r}")
        out[nkey] = _normalise(item, depth + 1)
    return out


def canonical_bytes(value: Any) -> bytes:
    """Serialise ``value`` as canonical JSON bytes (raises ``NotCanonicalError``)."""
    normalised = _normalise(value, 0)
    text = json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def is_canonical(data: bytes, value: Any) -> bool:
    """True when ``data`` is exactly the canonical serialisation of ``value``."""
    try:
        return canonical_bytes(value) == data
    except NotCanonicalError:
        return False


# ---------------------------------------------------------------- reading


def _reject_constant(name: str) -> Any:
    raise StrictJSONError(JSON_NAN, f"{name} is not allowed")


def _reject_float(text: str) -> Any:
    raise StrictJSONError(JSON_BAD, f"non-integer number {text[:20]!r} is not allowed")


def _parse_int(text: str) -> int:
    if len(text) > 17:
        raise StrictJSONError(JSON_BAD, "integer out of range")
    value = int(text)
    if abs(value) > MAX_SAFE_INT:
        raise StrictJSONError(JSON_BAD, "integer out of range")
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's dict; a duplicate key makes the dict shorter than the list of pairs."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise StrictJSONError(JSON_DUPLICATE_KEY, f"key {key[:40]!r} appears twice")
            seen.add(key)
    return out


# Made once: ``json.loads`` with hooks builds a new decoder on every call. Refuses floats, NaN/Infinity,
# out-of-range integers and duplicate keys. (Skipping ``_parse_int`` when the text has no run of 16
# digits was measured: the regex scan costs more than the hook on records of about 1 KB.)
_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_constant=_reject_constant, parse_float=_reject_float, parse_int=_parse_int
)


def nesting_depth(text: str) -> int:
    """Maximum bracket depth of JSON ``text``, ignoring brackets inside string literals."""
    stripped = _STRING_LITERAL.sub('""', text)
    steps = (1 if ch in "[{" else -1 for ch in _BRACKETS.findall(stripped))
    return max(accumulate(steps, initial=0))


def _check_strings(value: Any, max_chars: int) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > max_chars:
                raise StrictJSONError(JSON_FIELD_TOO_LARGE, f"a string has {len(item)} characters")
        elif isinstance(item, dict):
            for key, sub in item.items():
                if len(key) > max_chars:
                    raise StrictJSONError(JSON_FIELD_TOO_LARGE, f"a key has {len(key)} characters")
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def strict_loads(
    data: bytes | bytearray | memoryview,
    max_bytes: int,
    max_depth: int,
    max_string_chars: int | None = None,
) -> Any:
    """Parse one JSON document from untrusted ``data``; raise ``StrictJSONError`` on any doubt.

    Every check always holds; a check is only skipped when the bounds make a violation impossible
    (the hot path of an import, where records are short):

    * depth: the nesting cannot exceed the number of ``[`` and ``{`` characters in the text, so the
      string-aware bracket scan runs only when that count is over ``max_depth``;
    * strings: a decoded string or key is never longer than the text it came from (an escape
      shrinks), so the walk over every string runs only when the text is longer than the limit;
    * duplicate keys: the object hook compares the dict's length with the number of pairs;
    * integers and floats: always checked, by the decoder's hooks.
    """
    if len(data) > max_bytes:
        raise StrictJSONError(JSON_FIELD_TOO_LARGE, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    try:
        text = str(data if type(data) is bytes else bytes(data), "utf-8", "strict")
    except UnicodeDecodeError as exc:
        raise StrictJSONError(JSON_BAD, "not valid UTF-8") from exc
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise StrictJSONError(JSON_TOO_DEEP, f"nesting is deeper than {max_depth}")
    if text.startswith("\ufeff"):  # as ``json.loads`` does for a str
        raise StrictJSONError(JSON_BAD, "a byte order mark is not allowed")
    try:
        value = _DECODER.decode(text)
    except RecursionError as exc:
        raise StrictJSONError(JSON_TOO_DEEP, "nesting is too deep") from exc
    except ValueError as exc:  # JSONDecodeError, int conversion limits
        raise StrictJSONError(JSON_BAD, str(exc)[:200]) from exc
    max_chars = max_string_chars if max_string_chars is not None else max_bytes
    if len(text) > max_chars:
        _check_strings(value, max_chars)
    return value


# ---------------------------------------------------------------- DSSE


def pae(payload_type: str, *parts: bytes | memoryview) -> bytes:
    """DSSE pre-authentication encoding of ``payload_type`` and the concatenation of ``parts``.

    ``PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`` with ASCII
    decimal lengths; ``parts`` avoids an extra copy of a large body made of several pieces.
    """
    type_bytes = payload_type.encode("utf-8")
    body_len = sum(len(part) for part in parts)
    prefix = b"DSSEv1 %d %s %d " % (len(type_bytes), type_bytes, body_len)
    return b"".join((prefix, *parts))
