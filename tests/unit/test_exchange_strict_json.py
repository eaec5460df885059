"""The fast paths of the strict JSON reader and the record reader refuse everything the slow paths did.

``strict_loads`` skips the string-aware depth scan when the text has no more brackets than the depth
limit, and the walk over every string when the whole text is no longer than the string limit; it
finds duplicate keys by comparing a dict's length with its number of pairs. Each test below puts a
hostile value right at, or just past, the point where a fast path stops applying, and a property test
compares ``strict_loads`` with a plain reference reader (the checks written the obvious way) on
generated documents, duplicate keys, escapes and big integers included. The record reader splits
whole chunks at once; the tests check that a long line is still stopped after one chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.exchange_support import World, make_world
from tipdesk.exchange import canonical
from tipdesk.exchange.canonical import MAX_SAFE_INT, StrictJSONError, strict_loads
from tipdesk.exchange.format import Limits
from tipdesk.exchange.records import _split_lines, parse_records
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.services.exchange_values import Kind, RecordError, converter

CODES = {"FIELD_TOO_LARGE", "BAD_JSON", "DUPLICATE_KEY", "NAN", "TOO_DEEP"}


def _code(data: bytes, max_bytes: int = 10_000, max_depth: int = 32, max_chars: int | None = 100) -> str | None:
    try:
        strict_loads(data, max_bytes=max_bytes, max_depth=max_depth, max_string_chars=max_chars)
    except StrictJSONError as exc:
        return exc.code
    return None


# ---------------------------------------------------------------- duplicate keys


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1,"a":1}',  # same value too
        b'{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"a":7}',  # far apart
        b'{"x":{"k":1,"k":2}}',  # nested object
        b'[1,[{"k":null,"k":null}]]',  # object inside lists
        b'{"_children":{"tip_forms":[{"form_code":"a","form_code":"b"}]}}',  # a child row
        b'{"a":1,"\\u0061":2}',  # equal once the escape is decoded
        b'{"\xc3\xa9":1,"\\u00e9":2}',  # a non-ASCII key, written twice two ways
    ],
)
def test_duplicate_keys_refused(raw: bytes) -> None:
    assert _code(raw) == "DUPLICATE_KEY"


def test_duplicate_key_message_names_the_key() -> None:
    with pytest.raises(StrictJSONError) as info:
        strict_loads(b'{"a":1,"b":2,"b":3}', max_bytes=100, max_depth=2)
    assert "'b'" in info.value.detail


def test_distinct_keys_kept_in_order() -> None:
    value = strict_loads(b'{"b":1,"a":{"c":2,"d":[3]}}', max_bytes=100, max_depth=3)
    assert value == {"b": 1, "a": {"c": 2, "d": [3]}}
    assert list(value) == ["b", "a"]


# ---------------------------------------------------------------- depth


def test_depth_at_limit_accepted_one_more_refused() -> None:
    for depth in (1, 2, 5, 32):
        ok = b"[" * depth + b"]" * depth
        deep = b"[" * (depth + 1) + b"]" * (depth + 1)
        assert _code(ok, max_depth=depth) is None
        assert _code(deep, max_depth=depth) == "TOO_DEEP"


def test_depth_mixed_brackets_and_short_document() -> None:
    deep = b'{"a":[{"b":[{"c":[1]}]}]}'  # depth 6, 25 bytes: short documents are not exempt
    assert _code(deep, max_depth=6) is None
    assert _code(deep, max_depth=5) == "TOO_DEEP"


def test_depth_counts_siblings_only_as_an_upper_bound() -> None:
    wide = b"[" + b",".join([b"[]"] * 40) + b"]"  # 41 brackets, depth 2: the exact scan decides
    assert _code(wide, max_depth=2) is None
    assert _code(wide, max_depth=1) == "TOO_DEEP"


def test_brackets_inside_strings_do_not_count() -> None:
    text = b'{"a":"' + b"[{" * 50 + b'"}'
    assert strict_loads(text, max_bytes=1000, max_depth=1) == {"a": "[{" * 50}


def test_depth_scan_skipped_only_when_brackets_are_few(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = canonical.nesting_depth

    def spy(text: str) -> int:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(canonical, "nesting_depth", spy)
    assert _code(b'{"a":[1,{"b":2}]}', max_depth=3) is None  # 3 brackets <= 3: no scan needed
    assert calls == []
    assert _code(b'{"a":[1,{"b":[2]}]}', max_depth=3) == "TOO_DEEP"  # 4 brackets: scanned, too deep
    assert len(calls) == 1


# ---------------------------------------------------------------- integers


@pytest.mark.parametrize(
    ("literal", "code"),
    [
        (b"9007199254740991", None),
        (b"-9007199254740991", None),
        (b"9007199254740992", "BAD_JSON"),
        (b"-9007199254740992", "BAD_JSON"),
        (b"100000000000000000", "BAD_JSON"),
        (b"9" * 5000, "BAD_JSON"),  # past Python's int-from-string digit limit
        (b"0", None),
    ],
    ids=["max", "min", "max+1", "min-1", "1e17", "5000-digits", "zero"],
)
def test_integer_bounds_everywhere(literal: bytes, code: str | None) -> None:
    assert int(b"9007199254740991") == MAX_SAFE_INT
    for doc in (literal, b"[" + literal + b"]", b'{"a":' + literal + b"}", b'{"a":[{"b":' + literal + b"}]}"):
        assert _code(doc, max_bytes=20_000) == code


def test_floats_and_constants_still_refused() -> None:
    assert _code(b'{"a":1.5}') == "BAD_JSON"
    assert _code(b'{"a":[1E2]}') == "BAD_JSON"
    assert _code(b'{"a":NaN}') == "NAN"
    assert _code(b'{"a":[-Infinity]}') == "NAN"


# ---------------------------------------------------------------- strings


def test_string_limit_at_the_edge_of_the_fast_path() -> None:
    limit = 100
    exact = b'{"s":"' + b"x" * limit + b'"}'  # the text is longer than the limit: strings are walked
    over = b'{"s":"' + b"x" * (limit + 1) + b'"}'
    assert _code(exact, max_chars=limit) is None
    assert _code(over, max_chars=limit) == "FIELD_TOO_LARGE"
    assert _code(b'"' + b"x" * (limit - 2) + b'"', max_chars=limit) is None  # whole text == limit


def test_long_strings_refused_in_keys_lists_and_nested_objects() -> None:
    long = b"y" * 101
    for doc in (b'{"' + long + b'":1}', b'["a",["' + long + b'"]]', b'{"a":{"b":[{"c":"' + long + b'"}]}}'):
        assert _code(doc, max_chars=100) == "FIELD_TOO_LARGE"


def test_escapes_count_decoded_characters() -> None:
    # 101 characters written as 606 bytes of \u escapes: refused; 100 of them: accepted.
    assert _code(b'{"s":"' + b"\\u00e9" * 101 + b'"}', max_chars=100) == "FIELD_TOO_LARGE"
    assert _code(b'{"s":"' + b"\\u00e9" * 100 + b'"}', max_chars=100) is None
    # astral characters: one character each in Python, from 12 bytes of escapes or 4 of UTF-8
    assert _code(b'["' + b"\\ud83d\\ude00" * 101 + b'"]', max_chars=100) == "FIELD_TOO_LARGE"
    assert _code('["{}"]'.format("\U0001f600" * 101).encode(), max_chars=100) == "FIELD_TOO_LARGE"
    assert _code('["{}"]'.format("\U0001f600" * 100).encode(), max_chars=100) is None


def test_string_limit_defaults_to_the_byte_limit() -> None:
    doc = b'["' + b"z" * 50 + b'"]'
    assert strict_loads(doc, max_bytes=len(doc), max_depth=1) == ["z" * 50]
    assert _code(doc, max_bytes=len(doc) - 1, max_chars=None) == "FIELD_TOO_LARGE"


def test_other_input_types_and_bom() -> None:
    doc = b'{"a":[1,"b"]}'
    for data in (doc, bytearray(doc), memoryview(doc)):
        assert strict_loads(data, max_bytes=100, max_depth=2) == {"a": [1, "b"]}
    assert _code(b"\xef\xbb\xbf" + doc) == "BAD_JSON"
    assert _code(b'{"a":"\xff"}') == "BAD_JSON"
    assert _code(b'{"a":"tab\there"}') == "BAD_JSON"  # raw control character inside a string
    assert _code(doc + b" x") == "BAD_JSON"


# ---------------------------------------------------------------- differential


def _reference(data: bytes, max_bytes: int, max_depth: int, max_chars: int) -> Any:
    """The checks written the obvious way: every key, every string, every integer, the exact depth."""
    if len(data) > max_bytes:
        raise StrictJSONError("FIELD_TOO_LARGE", "size")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJSONError("BAD_JSON", "utf-8") from exc
    if canonical.nesting_depth(text) > max_depth:
        raise StrictJSONError("TOO_DEEP", "depth")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise StrictJSONError("DUPLICATE_KEY", key)
            out[key] = value
        return out

    def integer(literal: str) -> int:
        value = int(literal)
        if abs(value) > MAX_SAFE_INT:
            raise StrictJSONError("BAD_JSON", "int")
        return value

    def constant(name: str) -> Any:
        raise StrictJSONError("NAN", name)

    def floating(literal: str) -> Any:
        raise StrictJSONError("BAD_JSON", literal)

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_int=integer, parse_constant=constant,
                           parse_float=floating)
    except ValueError as exc:
        raise StrictJSONError("BAD_JSON", "syntax") from exc

    def walk(item: Any) -> Iterator[str]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, sub in item.items():
                yield key
                yield from walk(sub)
        elif isinstance(item, list):
            for sub in item:
                yield from walk(sub)

    if any(len(s) > max_chars for s in walk(value)):
        raise StrictJSONError("FIELD_TOO_LARGE", "string")
    return value


def _outcome(fn: Any, data: bytes, *limits: int) -> tuple[str, Any]:
    try:
        return "ok", fn(data, *limits)
    except StrictJSONError as exc:
        return "refused", exc.code


_STRINGS = st.text(st.sampled_from("ab[]{}\"\\é😀 0123456789"), max_size=14)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.sampled_from([MAX_SAFE_INT, MAX_SAFE_INT + 1]),
    _STRINGS,
)


def _encode(node: Any, escape: bool) -> str:
    """JSON text of a tree whose objects are lists of (key, value) pairs, so keys may repeat."""
    if isinstance(node, tuple) and node and node[0] == "obj":
        return "{" + ",".join(f"{_encode(k, escape)}:{_encode(v, escape)}" for k, v in node[1]) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_encode(item, escape) for item in node) + "]"
    return json.dumps(node, ensure_ascii=escape)


_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(st.just("obj"), st.lists(st.tuples(st.sampled_from(["a", "b", "é", "a\\"]), inner), max_size=4)),
    ),
    max_leaves=12,
)


@settings(max_examples=1500, deadline=None, database=None)
@given(
    tree=_TREES,
    escape=st.booleans(),
    max_depth=st.integers(0, 6),
    max_chars=st.integers(0, 16),
    max_bytes=st.integers(1, 400),
)
def test_same_outcome_as_the_reference(tree: Any, escape: bool, max_depth: int, max_chars: int,
                                       max_bytes: int) -> None:
    data = _encode(tree, escape).encode("utf-8")
    limits = (max_bytes, max_depth, max_chars)
    assert _outcome(strict_loads, data, *limits) == _outcome(_reference, data, *limits)


@settings(max_examples=1500, deadline=None, database=None)
@given(data=st.binary(max_size=80) | st.text(st.sampled_from('[]{}",:\\u0061 1-'), max_size=60).map(str.encode),
       max_depth=st.integers(0, 4), max_chars=st.integers(0, 8))
def test_same_outcome_on_arbitrary_bytes(data: bytes, max_depth: int, max_chars: int) -> None:
    limits = (200, max_depth, max_chars)
    fast, slow = _outcome(strict_loads, data, *limits), _outcome(_reference, data, *limits)
    if fast[0] == "refused" and slow[0] == "refused":
        assert fast[1] in CODES
    assert fast == slow


# ---------------------------------------------------------------- record lines


class _Hasher:
    def update(self, data: bytes) -> None:
        pass


def _consume(chunks: list[bytes], max_line: int) -> tuple[list[bytes] | str, int]:
    """(lines or the refusal code, how many chunks were read)."""
    read = [0]

    def source() -> Iterator[bytes]:
        for chunk in chunks:
            read[0] += 1
            yield chunk

    try:
        lines, size = _split_lines(source(), max_line, _Hasher())
    except ImportRejected as exc:
        return exc.code, read[0]
    assert size == sum(map(len, chunks))
    return lines, read[0]


def test_split_lines_across_chunk_boundaries() -> None:
    body = b'{"a":1}\n{"b":2}\n\n{"c":3}\n'
    for cut in range(1, len(body)):
        for step in (cut, 1):
            chunks = [body[:cut], *(body[i : i + step] for i in range(cut, len(body), step))]
            assert _consume(chunks, 7)[0] == [b'{"a":1}', b'{"b":2}', b"", b'{"c":3}']


def test_split_lines_limit_exact_and_one_over() -> None:
    assert _consume([b"x" * 10 + b"\n"], 10)[0] == [b"x" * 10]
    assert _consume([b"x" * 11 + b"\n"], 10)[0] == "FIELD_TOO_LARGE"
    assert _consume([b"x" * 5, b"x" * 6 + b"\n"], 10)[0] == "FIELD_TOO_LARGE"  # over only once joined
    assert _consume([b"ok\n" + b"x" * 11 + b"\nok\n"], 10)[0] == "FIELD_TOO_LARGE"  # a middle line


def test_split_lines_stops_a_long_line_after_one_chunk() -> None:
    chunks = [b"x" * 1000] * 1000 + [b"\n"]  # a 1 MB line, 1 KB per chunk, limit 2.5 KB
    code, read = _consume(chunks, 2500)
    assert code == "FIELD_TOO_LARGE"
    assert read == 3


def test_split_lines_unterminated_last_line() -> None:
    assert _consume([b'{"a":1}\n{"b":2}'], 100)[0] == "BAD_JSON"
    assert _consume([b""], 100)[0] == []


def test_parse_records_codes_and_counts() -> None:
    class _Manifest:
        counts = {"tip": 2}

    limits = Limits(max_line_bytes=200, max_depth=3, max_string_chars=10)
    manifest: Any = _Manifest()
    assert parse_records({"tip": [b'{"a":1}', b'{"b":[2]}']}, manifest, limits) == {"tip": [{"a": 1}, {"b": [2]}]}
    for bad, code in [
        (b'{"a":1,"a":2}', "DUPLICATE_KEY"),
        (b'{"a":[[[[1]]]]}', "TOO_DEEP"),
        (b'{"a":9007199254740992}', "BAD_JSON"),
        (b'{"a":"' + b"s" * 11 + b'"}', "FIELD_TOO_LARGE"),
        (b"[1]", "BAD_RECORD"),
        (b"", "BAD_JSON"),
    ]:
        with pytest.raises(ImportRejected) as info:
            parse_records({"tip": [b'{"ok":1}', bad]}, manifest, limits)
        assert info.value.code == code
    with pytest.raises(ImportRejected) as info:
        parse_records({"tip": [b'{"ok":1}']}, manifest, limits)
    assert info.value.code == "COUNT_MISMATCH"


# ---------------------------------------------------------------- whole batches


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b'{"id":"a","v":{"k":1,"\\u006b":2}}', "DUPLICATE_KEY"),
        (b'{"id":"a","v":' + b"[" * 32 + b"]" * 32 + b"}", "TOO_DEEP"),
        (b'{"id":"a","v":[[{"n":-9007199254740992}]]}', "BAD_JSON"),
        (b'{"id":"a","v":["' + b"\\/" * (256 * 1024 + 1) + b'"]}', "FIELD_TOO_LARGE"),  # 512 KiB, 256 Ki + 1 chars
        (b'{"id":"a","v":[{"x":1.0}]}', "BAD_JSON"),
    ],
)
def test_hostile_line_among_good_ones_refuses_the_batch(world: World, line: bytes, code: str) -> None:
    good = b'{"id":"b","v":[1,{"n":9007199254740991}]}\n'
    body = good * 50 + line + b"\n" + good * 50
    data = world.batch_from_files([("records/tip.jsonl", body)], counts={"tip": 101})
    assert world.code(data) == code


# ---------------------------------------------------------------- booleans


@pytest.mark.parametrize("proc", [None, int])
def test_bool_converter_only_takes_true_and_false(proc: Any) -> None:
    required = converter("urgent", Kind.BOOL, False, proc)
    optional = converter("pregnant", Kind.BOOL, True, proc)
    assert required(True) == (1 if proc else True) and required(False) == (0 if proc else False)
    assert type(required(True)) is (int if proc else bool)
    assert optional(None) is None
    not_bools: tuple[object, ...] = (1, 0, "true", 1.0, [], None)
    for bad in not_bools:
        with pytest.raises(RecordError):
            required(bad)
    for bad in not_bools[:3]:
        with pytest.raises(RecordError):
            optional(bad)
