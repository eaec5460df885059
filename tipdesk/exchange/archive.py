"""The inner zip of a batch: a deterministic writer and a hostile-input reader.

The reader does not use ``zipfile`` at all (security.md §3 step 6, §9): it parses the end
record and central directory itself and refuses anything unusual (zip64, multi-disk, comments,
encryption, methods other than STORED/DEFLATED, prepended data). Before any byte is inflated it
checks the entry count, every name, duplicates, the declared sizes (per entry and in total)
and that no two entries overlap (the overlapped-entry bomb, cpython gh-109858). It then inflates
with its own ``zlib`` loop with a hard cap at the declared size, so an entry that lies about its
size (42.zip style) is stopped after ``declared + 1`` bytes. Nothing is written to disk.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tipdesk.exchange.format import Limits
from tipdesk.exchange.rejects import Reject, reject

NAME_RE = re.compile(r"^[a-z0-9_/]+\.(json|jsonl|sig|bin)$")
_DRIVE_RE = re.compile(r"^[A-Za-z]:")

_EOCD = struct.Struct("<4sHHHHIIH")
_CDIR = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_EOCD_SIG = b"PK\x05\x06"
_CDIR_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_STORED, _DEFLATED = 0, 8
_FORBIDDEN_FLAGS = 0x0001 | 0x0040 | 0x2000  # encrypted, strong encryption, masked headers
_DATA_DESCRIPTOR = 0x0008
_ZIP64_MARK = 0xFFFFFFFF
_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 256 * 1024


# ---------------------------------------------------------------- names


def check_entry_name(raw: bytes) -> str:
    """Return the entry name or raise PATH_TRAVERSAL / BAD_ARCHIVE."""
    text = raw.decode("latin-1")
    if (
        "\x00" in text
        or "\\" in text
        or text.startswith("/")
        or _DRIVE_RE.match(text)
        or ".." in text
        or ":" in text
    ):
        raise reject(Reject.PATH_TRAVERSAL)
    if not raw.isascii() or not NAME_RE.match(text) or "//" in text:
        raise reject(Reject.BAD_ARCHIVE)
    return text


# ---------------------------------------------------------------- writer


def write_archive(files: Sequence[tuple[str, bytes]]) -> bytes:
    """Zip ``files`` (name, content) deterministically: JSON deflated, signatures and blobs stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files:
            check_entry_name(name.encode("ascii"))
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            stored = name.endswith((".bin", ".sig"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, content, compresslevel=None if stored else 6)
    return buf.getvalue()


# ---------------------------------------------------------------- reader


@dataclass(frozen=True)
class ZipEntry:
    name: str
    raw_name: bytes
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int


class SafeZip:
    """A validated, read-only view of a zip held in memory."""

    def __init__(self, data: bytes | memoryview, limits: Limits) -> None:
        self._view = memoryview(data)
        self._limits = limits
        self._read_total = 0
        cd_offset, cd_size, count = self._end_record()
        self._entries = self._central_directory(cd_offset, cd_size, count)
        self._data_offsets = self._local_headers(cd_offset)

    # -- structure

    def _end_record(self) -> tuple[int, int, int]:
        view = self._view
        if len(view) < _EOCD.size:
            raise reject(Reject.BAD_ARCHIVE)
        sig, disk, cd_disk, n_here, n_total, cd_size, cd_offset, comment = _EOCD.unpack_from(
            view, len(view) - _EOCD.size
        )
        if sig != _EOCD_SIG or disk or cd_disk or comment or n_here != n_total:
            raise reject(Reject.BAD_ARCHIVE)
        if n_total == 0xFFFF or cd_offset == _ZIP64_MARK or n_total == 0:
            raise reject(Reject.BAD_ARCHIVE)
        if n_total > self._limits.max_entries:
            raise reject(Reject.ZIP_BOMB)
        if cd_offset + cd_size != len(view) - _EOCD.size:
            raise reject(Reject.BAD_ARCHIVE)
        return cd_offset, cd_size, n_total

    def _central_directory(self, cd_offset: int, cd_size: int, count: int) -> dict[str, ZipEntry]:
        entries: dict[str, ZipEntry] = {}
        pos, end, declared_total = cd_offset, cd_offset + cd_size, 0
        for _ in range(count):
            if pos + _CDIR.size > end:
                raise reject(Reject.BAD_ARCHIVE)
            fields = _CDIR.unpack_from(self._view, pos)
            (
                sig,
                _made,
                _need,
                flags,
                method,
                _t,
                _d,
                crc,
                csize,
                usize,
                nlen,
                elen,
                clen,
                disk,
                _ia,
                _ea,
                lho,
            ) = fields
            name_at = pos + _CDIR.size
            pos = name_at + nlen + elen + clen
            if sig != _CDIR_SIG or pos > end:
                raise reject(Reject.BAD_ARCHIVE)
            raw_name = bytes(self._view[name_at : name_at + nlen])
            name = check_entry_name(raw_name)
            self._check_entry(flags, method, csize, usize, lho, disk, clen)
            if name in entries:
                raise reject(Reject.BAD_ARCHIVE)
            declared_total += usize
            if usize > self._limits.max_entry_bytes or declared_total > self._limits.max_total_bytes:
                raise reject(Reject.ZIP_BOMB)
            entries[name] = ZipEntry(name, raw_name, method, flags, crc, csize, usize, lho)
        if pos != end:
            raise reject(Reject.BAD_ARCHIVE)
        return entries

    @staticmethod
    def _check_entry(flags: int, method: int, csize: int, usize: int, lho: int, disk: int, clen: int) -> None:
        if flags & _FORBIDDEN_FLAGS or method not in (_STORED, _DEFLATED) or disk or clen:
            raise reject(Reject.BAD_ARCHIVE)
        if _ZIP64_MARK in (csize, usize, lho):
            raise reject(Reject.BAD_ARCHIVE)
        if method == _STORED and csize != usize:
            raise reject(Reject.BAD_ARCHIVE)

    def _local_headers(self, cd_offset: int) -> dict[str, int]:
        """Parse each local header; refuse overlaps, then any disagreement with the directory."""
        spans: list[tuple[int, int, ZipEntry, int]] = []
        for entry in self._entries.values():
            start = entry.header_offset
            if start + _LOCAL.size > cd_offset:
                raise reject(Reject.BAD_ARCHIVE)
            local = _LOCAL.unpack_from(self._view, start)
            data_at = start + _LOCAL.size + local[9] + local[10]
            spans.append((start, data_at + entry.compressed_size, entry, data_at))
        spans.sort(key=lambda span: span[0])
        previous_end = 0
        for start, end, _entry, _data_at in spans:
            if start < previous_end:
                raise reject(Reject.ZIP_BOMB)
            previous_end = end
        if previous_end > cd_offset:
            raise reject(Reject.BAD_ARCHIVE)
        for start, _end, entry, _data_at in spans:
            self._check_local(start, entry)
        return {entry.name: data_at for _s, _e, entry, data_at in spans}

    def _check_local(self, start: int, entry: ZipEntry) -> None:
        sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, _elen = _LOCAL.unpack_from(
            self._view, start
        )
        name_at = start + _LOCAL.size
        if sig != _LOCAL_SIG or flags != entry.flags or method != entry.method:
            raise reject(Reject.BAD_ARCHIVE)
        if bytes(self._view[name_at : name_at + nlen]) != entry.raw_name:
            raise reject(Reject.BAD_ARCHIVE)
        if not flags & _DATA_DESCRIPTOR and (crc, csize, usize) != (
            entry.crc,
            entry.compressed_size,
            entry.size,
        ):
            raise reject(Reject.BAD_ARCHIVE)

    # -- access

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> ZipEntry:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """Yield the content of ``name``; refuses more bytes than declared (ZIP_BOMB), fewer
        bytes, a bad CRC or trailing data (BAD_ARCHIVE)."""
        entry = self._entries[name]
        data_at = self._data_offsets[name]
        raw = self._view[data_at : data_at + entry.compressed_size]
        chunks = _stored_chunks(raw) if entry.method == _STORED else _inflate_chunks(raw, entry.size)
        produced, crc = 0, 0
        for chunk in chunks:
            produced += len(chunk)
            self._read_total += len(chunk)
            if produced > entry.size or self._read_total > self._limits.max_total_bytes:
                raise reject(Reject.ZIP_BOMB)
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if produced != entry.size or crc != entry.crc:
            raise reject(Reject.BAD_ARCHIVE)

    def read(self, name: str) -> bytes:
        return b"".join(self.iter_chunks(name))


def _stored_chunks(raw: memoryview) -> Iterator[bytes]:
    for at in range(0, len(raw), _OUT_CHUNK):
        yield bytes(raw[at : at + _OUT_CHUNK])


def _inflate_chunks(raw: memoryview, declared: int) -> Iterator[bytes]:
    """Raw DEFLATE with output bounded per call; stops once ``declared + 1`` bytes came out."""
    inflater = zlib.decompressobj(-15)
    pos, produced = 0, 0
    while not inflater.eof:
        tail = inflater.unconsumed_tail
        if tail:
            feed: bytes | memoryview = tail
        elif pos < len(raw):
            feed = raw[pos : pos + _IN_CHUNK]
            pos += len(feed)
        else:
            raise reject(Reject.BAD_ARCHIVE)  # truncated stream
        try:
            out = inflater.decompress(feed, min(_OUT_CHUNK, declared - produced + 1))
        except zlib.error as exc:
            raise reject(Reject.BAD_ARCHIVE) from exc
        if not out and tail and inflater.unconsumed_tail == tail:
            raise reject(Reject.BAD_ARCHIVE)  # no progress
        produced += len(out)
        if out:
            yield out
        if produced > declared:
            return  # the caller sees more than declared and raises ZIP_BOMB
    if inflater.unused_data or pos < len(raw):
        raise reject(Reject.BAD_ARCHIVE)
