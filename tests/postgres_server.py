"""A throw-away PostgreSQL cluster for the test session: a real server, no password anywhere.

``make test`` installs Debian's ``postgresql`` package where it is missing (the Makefile's
``postgres`` target, ``make postgres`` alone); the session creates a cluster with ``initdb`` in a folder of its own,
starts it with ``pg_ctl`` on a unix socket in that folder (and a free port on 127.0.0.1, where
every login is refused), trusts only the socket, and stops it and removes the folder at the
end. initdb refuses to run as root: as root (CI) the server runs as the ``postgres`` user the
Debian package creates, in a folder under /tmp that user owns (pytest's own folder is private
to root); as anyone else, in pytest's folder, as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2

SUPERUSER = "postgres"
SERVER_OS_USER_WHEN_ROOT = "postgres"
MISSING = ("PostgreSQL's server programs (initdb, pg_ctl) are not installed: `make test` (or `make postgres`) "
           "installs Debian's postgresql package as root; elsewhere install it by hand")


class PostgresMissing(RuntimeError):
    """No PostgreSQL server programs on this machine, or no user to run them as."""


def bin_dir() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresMissing(MISSING)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    programs: Path
    port: int
    owner: pwd.struct_passwd | None  # the OS user the server runs as, when the tests run as root

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A libpq connection string over the socket (trusted: no password)."""
        return f"host={self.socket_dir} port={self.port} dbname={dbname} user={user}"

    def url(self, dbname: str, user: str = SUPERUSER) -> str:
        """The same as a SQLAlchemy URL (Dagster's ``postgres_url``)."""
        return f"postgresql+psycopg2://{user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def execute(self, statement: str, dbname: str = "postgres") -> None:
        """One statement as the superuser, outside a transaction (create database, create role)."""
        con = psycopg2.connect(self.dsn(dbname))
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(statement)
        finally:
            con.close()

    def psql(self, script: Path, dbname: str = "postgres") -> str:
        done = subprocess.run([str(self.programs / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-f", str(script),
                               self.dsn(dbname)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _run(self, *args: str) -> None:
        user = {} if self.owner is None else {"user": self.owner.pw_uid, "group": self.owner.pw_gid,
                                               "extra_groups": []}
        done = subprocess.run([str(self.programs / args[0]), *args[1:]], cwd=self.folder, capture_output=True,
                              text=True, **user)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stderr}\n"
                               f"{log.read_text()[-3000:] if log.exists() else ''}")

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "fast", "-w")


def start(pytest_folder: Path) -> PostgresServer:
    """initdb and pg_ctl start; the caller stops it (``stop``) and removes ``server.folder``."""
    programs = bin_dir()
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SERVER_OS_USER_WHEN_ROOT)
        except KeyError:
            raise PostgresMissing(f"the tests run as root and initdb refuses to: no {SERVER_OS_USER_WHEN_ROOT} "
                                  "user to run the server as (Debian's postgresql package creates it)") from None
        folder = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    else:
        folder = pytest_folder
    server = PostgresServer(folder=folder, programs=programs, port=_free_port(), owner=owner)
    server.socket_dir.mkdir(mode=0o700)
    if owner is not None:
        os.chown(server.socket_dir, owner.pw_uid, owner.pw_gid)
    server._run("initdb", "-D", str(folder / "data"), "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
                "--auth-local=trust", "--auth-host=reject", "--no-sync")
    options = (f"-k {server.socket_dir} -p {server.port} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c full_page_writes=off -c synchronous_commit=off")
    server._run("pg_ctl", "start", "-D", str(folder / "data"), "-l", str(folder / "server.log"), "-w", "-o", options)
    return server
