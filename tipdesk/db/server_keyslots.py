"""Keyslots of a database on a PostgreSQL server, kept in the server itself.

Several workstations share one server database, so its keyslots (the database key wrapped for each
user, as in ``keyslots.json``) must be where every workstation finds them: the one-row table
``tipdesk_keyslots``, readable with the server credentials of the database address before any key
is known. What it holds is what ``keyslots.json`` holds: wrapped keys that only a password or the
recovery code opens (Argon2id), and the login throttle. Saving replaces the document under a row
lock; two workstations recording a failed login in the very same instant may count it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tipdesk.db.engine import classify_server_error, server_engine
from tipdesk.db.keyslots import KeyslotStore
from tipdesk.errors import StorageError
from tipdesk.i18n import _

TABLE_DDL = "CREATE TABLE IF NOT EXISTS tipdesk_keyslots (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL)"


def _not_set_up() -> StorageError:
    return StorageError(_("No tipdesk database has been set up on this database server yet."), "not_initialised")


def _server_error(exc: DBAPIError) -> StorageError:
    return classify_server_error(exc) or StorageError(
        _("The database server reported an error: {error}").format(error=str(exc.orig).splitlines()[0][:200]),
        "server_error")


@dataclass
class ServerKeyslotStore(KeyslotStore):
    url: str = ""

    @classmethod
    def load_url(cls, url: str) -> ServerKeyslotStore:
        engine = server_engine(url)
        try:
            with engine.connect() as conn:
                row = conn.execute(text("SELECT document FROM tipdesk_keyslots WHERE id = 1")).first()
        except ProgrammingError as exc:  # no such table: never set up
            raise _not_set_up() from exc
        except DBAPIError as exc:
            raise _server_error(exc) from exc
        finally:
            engine.dispose()
        if row is None:
            raise _not_set_up()
        store = cls(path=Path("keyslots@server"), url=url)
        store.parse(str(row[0]))
        return store

    def save(self) -> None:
        engine = server_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(TABLE_DDL)
                conn.execute(text("SELECT id FROM tipdesk_keyslots WHERE id = 1 FOR UPDATE"))
                conn.execute(text("INSERT INTO tipdesk_keyslots (id, document) VALUES (1, :d) "
                                  "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document"),
                             {"d": self.document()})
        except DBAPIError as exc:
            raise _server_error(exc) from exc
        finally:
            engine.dispose()


def server_initialised(url: str) -> bool:
    try:
        ServerKeyslotStore.load_url(url)
    except StorageError:
        return False
    return True
