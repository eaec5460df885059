"""Application-level encryption of identity fields, for databases that do not encrypt the whole file.

SQLCipher encrypts every page of the SQLite file, so there the identity columns hold clear text. A
PostgreSQL server stores and dumps what it is given, so on PostgreSQL the identity columns hold
ciphertext made here, with keys derived (HKDF-SHA256) from the same random database key that the
users' keyslots wrap: a ``pg_dump`` or a stolen disk reveals no name, ID number, address or phone.

Three sealing modes, chosen per column by what the application must still do in SQL:

* ``random``: ChaCha20-Poly1305 with a random nonce; the column name is the associated data, so a
  value cannot be moved to another column. Nothing but the value's presence leaks.
* ``equal``: the nonce is an HMAC of the column and the value (deterministic, SIV-like), so equal
  values give equal ciphertext and ``WHERE id_number = :x`` or a duplicate check by folded name still
  run in SQL. Equality (and so frequency) is what leaks, as with any blind index.
* ``tokens``: one-way. Each word of the (already folded) search text becomes a short keyed hash, so
  the search runs as whole-word matches in SQL; the text itself cannot be read back.

The empty string stays empty in every mode (an absent phone or ID number is not a secret, and the
services filter on it). Values are ASCII (``e1:``/``d1:`` prefixes, URL-safe base64), so a dump is
plain text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import ColumnElement, LargeBinary, String, Text, TypeDecorator, and_, literal, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.operators import like_op

from tipdesk.errors import StorageError
from tipdesk.i18n import _

RANDOM, EQUAL, TOKENS = "random", "equal", "tokens"
NONCE = 12
TOKEN_HEX = 12
CIPHER_ATTR = "tipdesk_field_cipher"


def _derive(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tipdesk field " + label).derive(key)


class FieldCipher:
    """The field keys of one database, derived from its database key."""

    def __init__(self, db_key: bytes) -> None:
        self._aead = ChaCha20Poly1305(_derive(db_key, b"encryption v1"))
        self._nonce_key = _derive(db_key, b"equality nonce v1")
        self._token_key = _derive(db_key, b"search token v1")

    # -- text -------------------------------------------------------------------------
    def seal(self, value: str, column: str, mode: str = RANDOM) -> str:
        if value == "":
            return ""
        if mode == TOKENS:
            return self.tokens(value)
        data = value.encode("utf-8")
        if mode == EQUAL:
            nonce = hmac.new(self._nonce_key, column.encode() + b"\0" + data, hashlib.sha256).digest()[:NONCE]
            prefix = "d1:"
        else:
            nonce, prefix = os.urandom(NONCE), "e1:"
        sealed = nonce + self._aead.encrypt(nonce, data, column.encode())
        return prefix + base64.urlsafe_b64encode(sealed).decode("ascii")

    def open(self, value: str, column: str) -> str:
        if value == "" or not (value.startswith("e1:") or value.startswith("d1:")):
            return value  # empty, or one-way search tokens
        try:
            raw = base64.urlsafe_b64decode(value[3:])
            return self._aead.decrypt(raw[:NONCE], raw[NONCE:], column.encode()).decode("utf-8")
        except (ValueError, InvalidTag) as exc:
            raise StorageError(
                _("An encrypted field cannot be read: the database key does not match the data."), "field_key"
            ) from exc

    def token(self, word: str) -> str:
        return "t" + hmac.new(self._token_key, word.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_HEX]

    def tokens(self, text: str) -> str:
        """Space-separated word tokens, each word once, in a stable order (sorted)."""
        words = sorted(set(text.split()))
        return " ".join(self.token(w) for w in words)

    # -- bytes ------------------------------------------------------------------------
    def seal_bytes(self, value: bytes, column: str) -> bytes:
        nonce = os.urandom(NONCE)
        return b"e1" + nonce + self._aead.encrypt(nonce, value, column.encode())

    def open_bytes(self, value: bytes, column: str) -> bytes:
        if not value.startswith(b"e1"):
            return value
        try:
            return self._aead.decrypt(value[2 : 2 + NONCE], value[2 + NONCE :], column.encode())
        except InvalidTag as exc:
            raise StorageError(
                _("An encrypted field cannot be read: the database key does not match the data."), "field_key"
            ) from exc


def cipher_of(dialect: Dialect) -> FieldCipher | None:
    """The field cipher attached to an engine's dialect (PostgreSQL engines only)."""
    found: FieldCipher | None = getattr(dialect, CIPHER_ATTR, None)
    return found


def attach_cipher(dialect: Dialect, cipher: FieldCipher) -> None:
    setattr(dialect, CIPHER_ATTR, cipher)


def seals(dialect: Dialect) -> bool:
    """Whether identity columns are encrypted by the application on this dialect."""
    return dialect.name != "sqlite"


def _required(dialect: Dialect) -> FieldCipher:
    cipher = cipher_of(dialect)
    if cipher is None:  # never write identity in clear to a server database
        raise StorageError(_("The database is not unlocked: identity fields cannot be written."), "field_key")
    return cipher


class token_like(ColumnElement[bool]):
    """``column LIKE pattern`` on a ``tokens`` column: the plain LIKE on SQLite (clear folded text), and on
    a server one LIKE per word of the pattern, each for that word's token (whole words only)."""

    inherit_cache = False  # the token depends on the engine's key: never reuse a compiled form

    def __init__(self, column: Any, pattern: Any, escape: str | None) -> None:
        self.column = column
        self.pattern = pattern
        self.escape = escape


@compiles(token_like)
def _token_like_sqlite(element: token_like, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(type_coerce(element.column, Text).like(element.pattern, escape=element.escape),
                                **kw))


@compiles(token_like, "postgresql")
def _token_like_server(element: token_like, compiler: Any, **kw: Any) -> str:
    cipher = _required(compiler.dialect)
    value = element.pattern.value if isinstance(element.pattern, BindParameter) else element.pattern
    raw = "" if value is None else str(value)
    escape = element.escape
    if escape:
        raw = raw.replace(escape + "%", "").replace(escape + "_", "")
    words = raw.replace("%", " ").split()
    plain = type_coerce(element.column, Text)
    if not words:
        return str(compiler.process(plain.like(literal("%", Text)), **kw))
    clauses = [plain.like(literal(f"%{cipher.token(w)}%", Text)) for w in words]
    return str(compiler.process(and_(*clauses), **kw))


class _SealedComparator(TypeDecorator.Comparator[str]):
    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op is like_op and getattr(self.type, "mode", None) == TOKENS:
            pattern = other[0] if isinstance(other[0], ColumnElement) else literal(other[0], Text)
            return token_like(self.expr, pattern, kwargs.get("escape"))
        return super().operate(op, *other, **kwargs)


class Sealed(TypeDecorator[str]):
    """A text column holding identity: clear on SQLite (SQLCipher), sealed by ``FieldCipher`` elsewhere.

    On a ``tokens`` column, ``LIKE '%word%'`` becomes a whole-word token match on a server (``token_like``).
    """

    impl = String
    cache_ok = True
    comparator_factory = _SealedComparator

    def __init__(self, length: int | None = None, *, mode: str = RANDOM, column: str = "") -> None:
        super().__init__(length)
        self.mode = mode
        self.column = column  # associated data; set from the attribute name by ``sealed_column``

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(Text() if seals(dialect) else self.impl_instance)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not seals(dialect):
            return value
        return _required(dialect).seal(value, self.column, self.mode)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not seals(dialect) or self.mode == TOKENS:
            return value
        return _required(dialect).open(value, self.column)


class SealedBytes(TypeDecorator[bytes]):
    """Bytes holding identity (photos, scans): clear on SQLite, sealed elsewhere."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, column: str = "") -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None or not seals(dialect):
            return value
        return _required(dialect).seal_bytes(value, self.column)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None or not seals(dialect):
            return value
        return _required(dialect).open_bytes(bytes(value), self.column)
