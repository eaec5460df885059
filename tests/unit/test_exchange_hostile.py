"""Hostile batches whose outer layer is correctly signed with the real (compromised or buggy)
sender key, so only the inner checks stand in the way: zip bombs, overlapping entries, path
traversal, huge fields, deep nesting, duplicate keys, NaN."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from tests.unit.exchange_support import RawEntry, World, jsonl, make_world, manifest_entries, raw_zip
from tipdesk.exchange.format import Limits

MiB = 1024 * 1024
TIP = {"uuid": "0b0c6e2e-0000-4000-8000-000000000001", "version": 1}
ATT_A = "att/" + "a" * 64 + ".bin"
ATT_B = "att/" + "b" * 64 + ".bin"


@pytest.fixture
def world() -> World:
    return make_world()


def _with_payload(world: World, entries: list[RawEntry], listed: list[tuple[str, bytes]] | None = None,
                  **kwargs: object) -> bytes:  # fmt: skip
    """Reseal a raw zip of the signed manifest plus ``entries``; the manifest lists ``listed``
    (default: the entries themselves, by name and content)."""
    if listed is None:
        listed = [(e.name.decode("latin-1"), e.data) for e in entries]
    manifest_bytes, sig, meta = world.signed_payload(listed, **kwargs)  # type: ignore[arg-type]
    return world.reseal(raw_zip([*manifest_entries(manifest_bytes, sig), *entries]), meta)


def _record_batch(world: World, body: bytes, record_type: str = "tip", count: int | None = None) -> bytes:
    counts = {record_type: body.count(b"\n") if count is None else count}
    return world.batch_from_files([(f"records/{record_type}.jsonl", body)], counts=counts)


def _bomb_body(total_mib: int) -> bytes:
    """Raw DEFLATE of ``total_mib`` MiB of zeros, compressed chunk by chunk (never in memory)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MiB)
    return b"".join(comp.compress(zeros) for _ in range(total_mib)) + comp.flush()


# ---------------------------------------------------------------- zip bombs


def test_zip_bomb_lying_size_in_records(world: World) -> None:
    """42.zip style: 200 MiB of zeros (about 200 KB compressed) declared as 1,000 bytes."""
    bomb = RawEntry(b"records/tip.jsonl", b"", declared_size=1000, crc=0, body=_bomb_body(200))
    data = _with_payload(world, [bomb], listed=[("records/tip.jsonl", b"x" * 1000)], counts={"tip": 1})
    assert world.code(data) == "ZIP_BOMB"


def test_zip_bomb_in_manifest_entry(world: World) -> None:
    bomb = RawEntry(b"manifest.json", b"", declared_size=100, crc=0, body=_bomb_body(50))
    sig = RawEntry(b"manifest.sig", bytes(64), method=0)
    assert world.code(world.reseal(raw_zip([bomb, sig]))) == "ZIP_BOMB"


def _att(content: bytes) -> RawEntry:
    return RawEntry(f"att/{hashlib.sha256(content).hexdigest()}.bin".encode(), content, method=0)


def test_zip_declared_sizes_capped(world: World) -> None:
    entries = [_att(b"x" * 600), _att(b"y" * 600)]
    assert world.code(_with_payload(world, entries)) is None
    assert world.code(_with_payload(world, entries), limits=Limits(max_total_bytes=1000)) == "ZIP_BOMB"
    assert world.code(_with_payload(world, entries), limits=Limits(max_entry_bytes=500)) == "ZIP_BOMB"
    huge = RawEntry(ATT_A.encode(), b"", declared_size=200 * MiB, crc=0, body=_bomb_body(1))
    assert world.code(world.reseal(raw_zip([huge]))) == "ZIP_BOMB"  # over the 128 MiB default


def test_zip_too_many_entries(world: World) -> None:
    entries = [_att(b"%d" % i) for i in range(20)]
    assert world.code(_with_payload(world, entries)) is None
    assert world.code(_with_payload(world, entries), limits=Limits(max_entries=10)) == "ZIP_BOMB"


def _local(name: bytes, body: bytes) -> bytes:
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(body), len(body),
                       len(body), len(name), 0) + name + body  # fmt: skip


def _central(name: bytes, body: bytes, offset: int) -> bytes:
    return struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, zlib.crc32(body),
                       len(body), len(body), len(name), 0, 0, 0, 0, 0, offset) + name  # fmt: skip


def _pair_zip(overlap: bool) -> bytes:
    """Two stored entries; with ``overlap`` entry A's data region contains all of entry B."""
    name_a, name_b = ATT_A.encode(), ATT_B.encode()
    kernel = b"K" * 64
    local_b = _local(name_b, kernel)
    a_data = b"A" * 10 + (local_b if overlap else b"")
    local_a = _local(name_a, a_data)
    body = local_a if overlap else local_a + local_b
    offset_b = len(local_a) - len(local_b) if overlap else len(local_a)
    central = _central(name_a, a_data, 0) + _central(name_b, kernel, offset_b)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 2, 2, len(central), len(body), 0)
    return body + central + eocd


def test_zip_overlapping_entries(world: World) -> None:
    """The overlapped-entry bomb (cpython gh-109858): caught before anything is read."""
    assert world.code(world.reseal(_pair_zip(overlap=True))) == "ZIP_BOMB"
    assert world.code(world.reseal(_pair_zip(overlap=False))) == "BAD_MANIFEST"  # same layout, apart: no bomb


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda e: None, None),  # control: the unmutated archive is accepted
        (lambda e: setattr(e, "flags", 1), "BAD_ARCHIVE"),  # encrypted
        (lambda e: setattr(e, "method", 12), "BAD_ARCHIVE"),  # bzip2
        (lambda e: setattr(e, "crc", 12345), "BAD_ARCHIVE"),
        (lambda e: setattr(e, "declared_size", len(e.data) + 5), "BAD_ARCHIVE"),  # shorter than declared
        (lambda e: setattr(e, "body", b"\xff\xfe garbage"), "BAD_ARCHIVE"),
        (lambda e: setattr(e, "body", _compress_tail(e.data, b"trailing")), "BAD_ARCHIVE"),
        (lambda e: setattr(e, "declared_size", 0xFFFFFFFF), "BAD_ARCHIVE"),  # zip64 marker
    ],
)  # fmt: skip
def test_zip_malformed_entry(world: World, mutate, code: str | None) -> None:  # type: ignore[no-untyped-def]
    files = [("records/tip.jsonl", jsonl(TIP))]
    manifest_bytes, sig, meta = world.signed_payload(files)
    entries = manifest_entries(manifest_bytes, sig) + [RawEntry(b"records/tip.jsonl", jsonl(TIP))]
    mutate(entries[0])
    assert world.code(world.reseal(raw_zip(entries), meta)) == code


def _compress_tail(data: bytes, tail: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush() + tail


def test_zip_structure_refused(world: World) -> None:
    assert world.code(world.reseal(b"not a zip at all")) == "BAD_ARCHIVE"
    assert world.code(world.reseal(b"")) == "BAD_ARCHIVE"
    good = raw_zip([RawEntry(ATT_A.encode(), b"x")])
    assert world.code(world.reseal(raw_zip([RawEntry(ATT_A.encode(), b"x")], comment=b"hi"))) == "BAD_ARCHIVE"
    assert world.code(world.reseal(good[:-1])) == "BAD_ARCHIVE"
    assert world.code(world.reseal(b"junk" + good)) == "BAD_ARCHIVE"  # offsets no longer add up


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name", [b"../x.json", b"/x.json", b"C:\\x.json", b"a\\b.json", b"records/../../x.jsonl", b"c:x.json",
             b"att/x.bin\x00.exe", b"records/..\\x.jsonl"],
)  # fmt: skip
def test_path_traversal(world: World, name: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    entries = [RawEntry(b"manifest.json", b"{}"), RawEntry(name, b"{}")]
    assert world.code(world.reseal(raw_zip(entries))) == "PATH_TRAVERSAL"
    assert os.listdir(cwd) == []  # nothing written anywhere


@pytest.mark.parametrize("name", [b"Manifest.json", b"x.exe", b"a//b.json", b"records/", b"a b.json",
                                  "bản.json".encode()])  # fmt: skip
def test_bad_entry_names(world: World, name: bytes) -> None:
    assert world.code(world.reseal(raw_zip([RawEntry(name, b"{}")]))) == "BAD_ARCHIVE"


def test_duplicate_entry_names(world: World) -> None:
    entries = [RawEntry(ATT_A.encode(), b"x"), RawEntry(ATT_A.encode(), b"y")]
    assert world.code(world.reseal(raw_zip(entries))) == "BAD_ARCHIVE"


# ---------------------------------------------------------------- records


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"uuid":"a","a":1,"a":2}\n', "DUPLICATE_KEY"),
        (b'{"uuid":"a","n":NaN}\n', "NAN"),
        (b'{"uuid":"a","n":-Infinity}\n', "NAN"),
        (b'{"uuid":"a","n":0.5}\n', "BAD_JSON"),
        (b'{"uuid":"a","d":' + b"[" * 40 + b"]" * 40 + b"}\n", "TOO_DEEP"),
        (b'{"d":' + b"[" * 500_000 + b"]" * 500_000 + b"}\n", "TOO_DEEP"),
        (b'{"uuid":"a","s":"' + b"x" * 300_000 + b'"}\n', "FIELD_TOO_LARGE"),
        (b'{"s":"' + b"x" * (MiB + 1) + b'"}\n', "FIELD_TOO_LARGE"),
        (b'{"uuid":"\xc3\x28"}\n', "BAD_JSON"),
        (b'{"uuid":"a"}', "BAD_JSON"),  # last line not terminated
        (b'{"uuid":"a"}\n\n', "BAD_JSON"),  # blank line
        (b'["not","an","object"]\n', "BAD_RECORD"),
        (b"{not json}\n", "BAD_JSON"),
    ],
)
def test_hostile_records(world: World, body: bytes, code: str) -> None:
    count = max(1, body.count(b"\n"))
    assert world.code(_record_batch(world, body, count=count)) == code


def test_deep_nesting(world: World) -> None:
    assert world.code(_record_batch(world, b'{"d":' + b"[" * 31 + b"]" * 31 + b"}\n")) is None
    assert world.code(_record_batch(world, b'{"d":' + b"[" * 32 + b"]" * 32 + b"}\n")) == "TOO_DEEP"


def test_dup_keys(world: World) -> None:
    assert world.code(_record_batch(world, b'{"uuid":"a","uuid":"b"}\n')) == "DUPLICATE_KEY"


def test_nan(world: World) -> None:
    assert world.code(_record_batch(world, b'{"x":NaN}\n')) == "NAN"
    assert world.code(_record_batch(world, b'{"x":Infinity}\n')) == "NAN"


def test_record_count_mismatch(world: World) -> None:
    assert world.code(_record_batch(world, jsonl(TIP, TIP), count=3)) == "COUNT_MISMATCH"
    assert world.code(_record_batch(world, jsonl(TIP, TIP), count=2)) is None


_CHILD = textwrap.dedent(
    """
    import hashlib, io, json, resource, zipfile
    from tests.unit.exchange_support import make_world
    from tipdesk.exchange import keys
    from tipdesk.exchange.batchwrite import sign_manifest
    from tipdesk.exchange.manifest import FileEntry, Manifest
    from tipdesk.exchange.rejects import ImportRejected

    world = make_world()
    meta = world.meta()
    chunk = b"a" * (1 << 20)
    digest, size, buf = hashlib.sha256(), 0, io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("records/tip.jsonl", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as fh:  # streamed: the 100 MB field never exists in memory
            for part in [b'{"note":"'] + [chunk] * 100 + [b'","uuid":"u1"}\\n']:
                fh.write(part)
                digest.update(part)
                size += len(part)
        manifest = Manifest(
            batch_id=meta.batch_id, install_id=meta.install_id, commune=meta.commune,
            sender_key_id=world.sender_kid, recipient_key_id=keys.key_id(world.province.public_key()),
            epoch=meta.epoch, seq=meta.seq, created_at=meta.created_at, prev_batch_sha256=None,
            counts={"tip": 1}, files=(FileEntry("records/tip.jsonl", digest.hexdigest(), size),),
        )
        manifest_bytes = manifest.to_bytes()
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr("manifest.sig", sign_manifest(manifest_bytes, world.sender))
    inner = buf.getvalue()
    data = world.reseal(inner, meta)
    del buf
    try:
        world.open(data)
        code = None
    except ImportRejected as exc:
        code = exc.code
    # VmHWM is this process's own peak: ru_maxrss would carry over the (large) parent's mark across exec.
    hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    peak = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"code": code, "maxrss_kib": peak,
                      "field_bytes": size, "batch_bytes": len(data)}))
    """
)


def test_100mb_field() -> None:
    """A 100 MB string in one record, built lazily in a child process whose peak RSS is measured."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", _CHILD], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["field_bytes"] > 100 * MiB and result["batch_bytes"] < 2 * MiB
    assert result["code"] == "FIELD_TOO_LARGE"
    assert result["maxrss_kib"] < 256 * 1024, f"peak RSS {result['maxrss_kib'] // 1024} MiB"
