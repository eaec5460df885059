"""A throwaway PostgreSQL 15 server for the tests: ``initdb`` + ``pg_ctl`` in a temporary folder.

The server listens on a free loopback port with password (SCRAM) authentication and is stopped
and deleted at the end. PostgreSQL refuses to run as root, so as root the harness runs the server
binaries as the unprivileged ``postgres`` system user (``runuser``); as any other user it runs them
directly. ``TIPDESK_PG_BIN`` overrides the binaries' folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("TIPDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "tipdesk_test"
PASSWORD = "throwaway-test-password"
RUN_AS = "postgres"


class ServerUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", RUN_AS, "--", *cmd]


@dataclass
class PgServer:
    root: Path
    port: int

    def url(self, database: str = "postgres", *, password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> object:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, password=PASSWORD,
                               dbname="postgres", autocommit=True)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        with self._admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def copy_database(self, source: str, name: str) -> str:
        """A copy of ``source`` (no connection may be open on it); returns the copy's URL."""
        with self._admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def dump(self, database: str) -> bytes:
        """``pg_dump`` of a database, as a thief with the server's files would have it."""
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        out = subprocess.run([str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER,
                              "--no-owner", database], check=True, capture_output=True, env=env)
        return out.stdout

    def stop(self) -> None:
        subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                                        "-w", "stop"]), capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> PgServer:
    if not (PG_BIN / "initdb").exists():
        raise ServerUnavailable(f"PostgreSQL binaries not found in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="tipdesk-pg-"))
    os.chmod(root, 0o755)
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS)
        shutil.chown(pwfile, RUN_AS)
    data = root / "data"
    init = subprocess.run(
        _as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                         "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]),
        capture_output=True, text=True)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"initdb failed: {init.stderr[-2000:]}")
    port = _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
               "-c shared_buffers=64MB")
    run = subprocess.run(
        _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options,
                         "-w", "-t", "60", "start"]),
        capture_output=True, text=True)
    if run.returncode != 0:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"pg_ctl start failed: {run.stderr[-1000:]} {log[-2000:]}")
    server = PgServer(root, port)
    deadline = time.monotonic() + 30
    while True:
        try:
            server._admin().close()  # type: ignore[attr-defined]
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def running() -> Iterator[PgServer]:
    server = start()
    try:
        yield server
    finally:
        server.stop()
