"""The database server setting of this computer: where tipdesk finds its database.

A provincial office may keep its database on a PostgreSQL server shared by its workstations; each
workstation then remembers the server's address (``postgresql+psycopg://user:password@host:port/name``)
in its machine settings (``<data dir>/settings.json``, ``MachineSettings.database_url``). An empty
address means the encrypted file in the data directory. The login window and Administration →
Settings edit it through this module; the address is read at every log-in (``OpenPaths.of``).

``build_url`` escapes every part (``URL.create``), so passwords with ``@``, ``:`` or ``/`` work.
``check_server`` connects with the address alone (no database key is needed) and tells whether a
tipdesk database is already set up there; it may take up to the connection timeout (10 s), so the
GUI runs it on the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from tipdesk import paths
from tipdesk.config import MachineSettings
from tipdesk.db.engine import classify_server_error, is_server_url, normalise_url, server_engine
from tipdesk.domain.roles import Perm
from tipdesk.errors import StorageError, ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import _

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

DEFAULT_PORT: Final = 5432
DRIVER: Final = "postgresql+psycopg"
SETTING_KEY: Final = "database_server"  # the entity id of the audit row

Status = Literal["ok_initialised", "ok_empty", "auth", "unreachable", "no_database", "error"]
_STATUS_OF_CODE: Final[dict[str, Status]] = {
    "server_auth": "auth",
    "server_unreachable": "unreachable",
    "server_no_database": "no_database",
}


@dataclass(frozen=True)
class ServerFields:
    """The parts of a database server address, as the dialog shows them."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = ""
    user: str = ""
    password: str = ""


@dataclass(frozen=True)
class ServerCheck:
    """The outcome of "Test connection": a status for the program, a sentence for the user."""

    status: Status
    message: str

    @property
    def connected(self) -> bool:
        return self.status in ("ok_initialised", "ok_empty")


def _bad_character(value: str) -> bool:
    return any(ch.isspace() or ch in "/@?#" for ch in value)


def build_url(host: str, port: int, database: str, user: str, password: str) -> str:
    """The address of a PostgreSQL database, every part escaped; ``ValidationError`` names the bad field."""
    host, database, user = host.strip(), database.strip(), user.strip()
    if not host:
        raise ValidationError(_("Type the name or the IP address of the database server."), {"host": "required"})
    if _bad_character(host.strip("[]")):
        raise ValidationError(_("The server name may not contain spaces or the characters / @ ? #."),
                              {"host": "format"})
    if not 1 <= port <= 65535:
        raise ValidationError(_("The port must be a number from 1 to 65535."), {"port": "range"})
    if not database:
        raise ValidationError(_("Type the name of the database on the server."), {"database": "required"})
    if not user:
        raise ValidationError(_("Type the user name for the database server."), {"user": "required"})
    url = URL.create(DRIVER, username=user, password=password or None, host=host.strip("[]"), port=port,
                     database=database)
    return url.render_as_string(hide_password=False)


def parse_url(url: str) -> ServerFields:
    """The fields of a server address (empty fields for "" = the file on this computer)."""
    url = url.strip()
    if not url:
        return ServerFields()
    invalid = ValidationError(_("This is not a PostgreSQL database address (postgresql://user@server/name)."),
                              {"url": "format"})
    if not is_server_url(url):
        raise invalid
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError) as exc:
        raise invalid from exc
    return ServerFields(host=parsed.host or "", port=parsed.port or DEFAULT_PORT, database=parsed.database or "",
                        user=parsed.username or "", password=parsed.password or "")


def describe(url: str) -> str:
    """The address without its password, for messages and the audit log ("" for the local file)."""
    if not url.strip():
        return ""
    fields = parse_url(url)
    return f"{fields.user}@{fields.host}:{fields.port}/{fields.database}"


def check_server(url: str) -> ServerCheck:
    """Connect to the server at ``url`` and look for a tipdesk database there (no key needed)."""
    try:
        parse_url(url)
        engine = server_engine(url)
    except (ValidationError, SQLAlchemyError, ValueError) as exc:
        return ServerCheck("error", exc.message if isinstance(exc, ValidationError) else
                           _("This is not a PostgreSQL database address (postgresql://user@server/name)."))
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass('tipdesk_keyslots') IS NOT NULL")).scalar()
            found = bool(exists) and conn.execute(text("SELECT 1 FROM tipdesk_keyslots WHERE id = 1")).first() is not None
    except DBAPIError as exc:
        known = classify_server_error(exc)
        if known is not None and known.code in _STATUS_OF_CODE:
            return ServerCheck(_STATUS_OF_CODE[known.code], known.message)
        return ServerCheck("error", _error_message(known, exc))
    finally:
        engine.dispose()
    return ServerCheck("ok_initialised" if found else "ok_empty", connected_message(found))


def connected_message(initialised: bool) -> str:
    """What "Test connection" says when the server answered, with or without a tipdesk database."""
    if initialised:
        return _("Connected. A tipdesk database was found on this server.")
    return _("Connected, but no tipdesk database has been set up on this server yet. An administrator sets it up "
             "once, with the command “tipdesk init --database-url …”, before anyone can log in.")


def _error_message(known: StorageError | None, exc: DBAPIError) -> str:
    if known is not None:
        return known.message
    first = str(exc.orig).strip().splitlines()[0][:200] if str(exc.orig).strip() else type(exc.orig).__name__
    return _("The database server reported an error: {error}").format(error=first)


def settings_path(data_dir: Path | None = None) -> Path:
    return (data_dir or paths.data_dir()) / "settings.json"


def current_url(data_dir: Path | None = None) -> str:
    """The address remembered on this computer ("" = the encrypted file in the data directory)."""
    return MachineSettings.load(settings_path(data_dir)).database_url


def overridden() -> bool:
    """Whether ``--database-url`` or ``TIPDESK_DATABASE_URL`` replaces the remembered address in this run."""
    return bool(paths.database_url())


def save_database_url(data_dir: Path | None, url: str) -> str:
    """Remember ``url`` (or "" for the local file) in this computer's settings; returns what was saved.

    The settings file is written atomically and readable only by this account (0600; on Windows the
    data directory is in the user's own profile). The new address is used from the next log-in.
    """
    url = url.strip()
    if url:
        parse_url(url)  # refuse what tipdesk could not open
        url = normalise_url(url)
    path = settings_path(data_dir)
    settings = MachineSettings.load(path)
    settings.database_url = url
    settings.save(path)
    return url


def record_change(desk: Desk, old_url: str, new_url: str) -> None:
    """Audit a change of this computer's database server, made from Administration → Settings."""
    desk.require(Perm.SETTINGS_MANAGE)
    with desk.write(Changes.of("settings")) as session:
        desk.audit_log(session, "settings_change", "setting", SETTING_KEY,
                       {"old": _safe_describe(old_url), "new": _safe_describe(new_url)})


def _safe_describe(url: str) -> str:
    try:
        return describe(url)
    except ValidationError:
        return "?"
