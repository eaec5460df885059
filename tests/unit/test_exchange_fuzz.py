"""Fuzz the importer: the only allowed outcomes are success or ``ImportRejected`` with a known code.

Inputs are random bytes and mutations of a valid batch at every layer: the outer file (stops at
the header or the signature), the inner zip re-sealed with the real sender key (reaches the zip
reader), the manifest re-signed with the real key (reaches the manifest parser) and the record
files inside a correctly signed batch (reaches the JSON reader).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.exchange_support import SAMPLE_RECORDS, jsonl, make_world
from tipdesk.exchange.batchfile import OpenedBatch
from tipdesk.exchange.batchwrite import build_inner, sign_manifest
from tipdesk.exchange.canonical import StrictJSONError, strict_loads
from tipdesk.exchange.format import peek_header
from tipdesk.exchange.rejects import ImportRejected, Reject

WORLD = make_world()
VALID = WORLD.batch()
INNER = WORLD.inner(VALID)
INNER_META = replace(WORLD.meta(), batch_id=peek_header(VALID).batch_id)  # reseal INNER under its own header
FILES = [
    ("records/tip.jsonl", jsonl(*SAMPLE_RECORDS["tip"])),
    ("records/victim.jsonl", jsonl(*SAMPLE_RECORDS["victim"])),
]
MANIFEST_BYTES, MANIFEST_SIG, META = WORLD.signed_payload(FILES)
KNOWN_CODES = {code.value for code in Reject}


@st.composite
def mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few byte edits, a cut, an insertion, a deletion or a duplicated slice."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "flip", "cut", "insert", "delete", "dup"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def _outer(inner: bytes) -> bytes:
    return WORLD.reseal(inner, INNER_META)


def _with_manifest(manifest: bytes) -> bytes:
    inner = build_inner(manifest, sign_manifest(manifest, WORLD.sender), FILES)
    return WORLD.reseal(inner, META)


def _with_records(tip_lines: bytes) -> bytes:
    return WORLD.batch_from_files([("records/tip.jsonl", tip_lines), FILES[1]], meta=META)


CASES: list[tuple[str, st.SearchStrategy[bytes], Callable[[bytes], bytes]]] = [
    ("random", st.binary(max_size=4096), lambda b: b),
    ("random-magic", st.binary(max_size=4096), lambda b: b"TDBATCH1" + b),
    ("outer", mutation(VALID), lambda b: b),
    ("inner", mutation(INNER), _outer),
    ("manifest", mutation(MANIFEST_BYTES), _with_manifest),
    ("records", mutation(FILES[0][1]), _with_records),
]


@st.composite
def hostile_batch(draw: st.DrawFn) -> bytes:
    _name, strategy, wrap = draw(st.sampled_from(CASES))
    return wrap(draw(strategy))


@settings(max_examples=10_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(hostile_batch())
def test_fuzz_importer(data: bytes) -> None:
    try:
        opened = WORLD.open(data)
    except ImportRejected as exc:
        assert exc.code in KNOWN_CODES
        assert exc.message
        return
    assert isinstance(opened, OpenedBatch)
    assert all(isinstance(record, dict) for items in opened.records.values() for record in items)


@settings(max_examples=3_000, deadline=None, database=None)
@given(st.one_of(st.binary(max_size=512), mutation(jsonl(*SAMPLE_RECORDS["tip"]).split(b"\n")[0])))
def test_fuzz_strict_loads(data: bytes) -> None:
    try:
        strict_loads(data, max_bytes=1024, max_depth=8, max_string_chars=64)
    except StrictJSONError as exc:
        assert exc.code in {"FIELD_TOO_LARGE", "BAD_JSON", "DUPLICATE_KEY", "NAN", "TOO_DEEP"}
