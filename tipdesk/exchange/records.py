"""Reading the listed files of an opened batch: exact file set, sizes, hashes, then JSONL records.

Record files are streamed out of the archive: each chunk is hashed and split into lines as it
arrives, and a line longer than ``Limits.max_line_bytes`` stops the read at once
(``FIELD_TOO_LARGE``), so a 100 MB field never sits in memory. Lines are parsed as JSON only
after every file's hash has been checked against the signed manifest (step 7 before step 8).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from tipdesk.exchange.archive import SafeZip
from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, strict_loads
from tipdesk.exchange.format import Limits
from tipdesk.exchange.manifest import (
    ATT_NAME_RE,
    MANIFEST_NAME,
    MANIFEST_SIG_NAME,
    RECORDS_NAME_RE,
    FileEntry,
    Manifest,
)
from tipdesk.exchange.rejects import Reject, reject

_JSON_CODES = {
    "FIELD_TOO_LARGE": Reject.FIELD_TOO_LARGE,
    "DUPLICATE_KEY": Reject.DUPLICATE_KEY,
    "NAN": Reject.NAN,
    "TOO_DEEP": Reject.TOO_DEEP,
    "BAD_JSON": Reject.BAD_JSON,
}


def _split_lines(chunks: Iterable[bytes], max_line: int, hasher: Any) -> tuple[list[bytes], int]:
    """Hash ``chunks`` and cut them at ``\\n``; FIELD_TOO_LARGE as soon as a line is too long.

    Each chunk is split at once (``bytes.split`` in C); the unfinished last piece is carried into the
    next chunk. Every line, including the carried piece, is measured after each chunk, so at most one
    chunk more than ``max_line`` is ever held for a line."""
    lines: list[bytes] = []
    partial = b""
    size = 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
        pieces = (partial + chunk if partial else bytes(chunk)).split(b"\n")
        partial = pieces.pop()
        if len(partial) > max_line or (pieces and max(map(len, pieces)) > max_line):
            raise reject(Reject.FIELD_TOO_LARGE)
        lines += pieces
    if partial:
        raise reject(Reject.BAD_JSON)  # last line not terminated: truncated file
    return lines, size


def _check_file_set(archive: SafeZip, manifest: Manifest) -> None:
    listed = {entry.name for entry in manifest.files}
    present = set(archive.names()) - {MANIFEST_NAME, MANIFEST_SIG_NAME}
    if listed != present:
        raise reject(Reject.FILE_SET_MISMATCH)
    for entry in manifest.files:
        if archive.entry(entry.name).size != entry.size:
            raise reject(Reject.HASH_MISMATCH)


def _read_records_file(archive: SafeZip, entry: FileEntry, limits: Limits) -> list[bytes]:
    hasher = hashlib.sha256()
    lines, size = _split_lines(archive.iter_chunks(entry.name), limits.max_line_bytes, hasher)
    if size != entry.size or hasher.hexdigest() != entry.sha256:
        raise reject(Reject.HASH_MISMATCH)
    return lines


def _read_attachment(archive: SafeZip, entry: FileEntry) -> bytes:
    content = archive.read(entry.name)
    if len(content) != entry.size or hashlib.sha256(content).hexdigest() != entry.sha256:
        raise reject(Reject.HASH_MISMATCH)
    return content


def read_verified_files(
    archive: SafeZip, manifest: Manifest, limits: Limits
) -> tuple[dict[str, list[bytes]], dict[str, bytes]]:
    """Step 7 (files): exact set, sizes and SHA-256 of every listed file.

    Returns the raw record lines per type and the attachments by SHA-256 hex.
    """
    _check_file_set(archive, manifest)
    lines: dict[str, list[bytes]] = {}
    attachments: dict[str, bytes] = {}
    for entry in manifest.files:
        if (records := RECORDS_NAME_RE.match(entry.name)) is not None:
            lines[records.group(1)] = _read_records_file(archive, entry, limits)
        elif (att := ATT_NAME_RE.match(entry.name)) is not None:
            attachments[att.group(1)] = _read_attachment(archive, entry)
        else:  # parse_manifest only admits the two layouts above
            raise reject(Reject.BAD_MANIFEST)
    return lines, attachments


def parse_line(line: bytes, limits: Limits) -> dict[str, Any]:
    """One JSONL record: strict JSON, an object."""
    try:
        value = strict_loads(
            line,
            max_bytes=limits.max_line_bytes,
            max_depth=limits.max_depth,
            max_string_chars=limits.max_string_chars,
        )
    except StrictJSONError as exc:
        raise reject(_JSON_CODES.get(exc.code, Reject.BAD_JSON)) from exc
    if not isinstance(value, dict):
        raise reject(Reject.BAD_RECORD)
    return value


def parse_records(
    lines: Mapping[str, list[bytes]], manifest: Manifest, limits: Limits
) -> dict[str, list[dict[str, Any]]]:
    """Step 8: parse every line (the checks of ``parse_line``); the count per type must equal the manifest's."""
    max_bytes, max_depth, max_chars = limits.max_line_bytes, limits.max_depth, limits.max_string_chars
    records: dict[str, list[dict[str, Any]]] = {}
    for record_type, raw_lines in lines.items():
        if len(raw_lines) != manifest.counts.get(record_type):
            raise reject(Reject.COUNT_MISMATCH)
        parsed: list[dict[str, Any]] = []
        append = parsed.append
        try:  # one try around the loop, and positional arguments: this runs once per record
            for line in raw_lines:
                value = strict_loads(line, max_bytes, max_depth, max_chars)
                if type(value) is not dict:
                    raise reject(Reject.BAD_RECORD)
                append(value)
        except StrictJSONError as exc:
            raise reject(_JSON_CODES.get(exc.code, Reject.BAD_JSON)) from exc
        records[record_type] = parsed
    return records


def record_lines(records: Iterable[Mapping[str, Any]]) -> bytes:
    """JSONL body of one records file: canonical JSON per record, each followed by ``\\n``."""
    return b"".join(canonical_bytes(record) + b"\n" for record in records)
