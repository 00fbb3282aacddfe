"""A throwaway PostgreSQL cluster for tests: initdb into a temp dir, start, yield, destroy.

    with throwaway_postgres() as pg:
        psycopg2.connect(**pg.connect_kwargs())
        os.environ.update(pg.dagster_env())      # DAGSTER_PG_* for the repo's deploy/dagster.yaml

Needs the PostgreSQL server binaries (initdb, pg_ctl); they are looked up on PATH first, then
in the usual distribution directories. initdb refuses to run as root, so under root the
cluster is owned by and run as an unprivileged OS user (``postgres`` if it exists, otherwise
one is created with useradd).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Iterator

__all__ = ["PostgresParams", "PostgresNotFoundError", "find_pg_bin", "throwaway_postgres"]

# Checked after PATH; globbed at runtime, newest major version first.
_SEARCH_GLOBS = (
    "/usr/lib/postgresql/*/bin",  # Debian/Ubuntu
    "/usr/pgsql-*/bin",  # RHEL/Fedora PGDG
    "/usr/local/pgsql/bin",  # source builds
    "/opt/homebrew/opt/postgresql*/bin",
    "/usr/local/opt/postgresql*/bin",
)
_FALLBACK_USER = "pgthrowaway"


class PostgresNotFoundError(RuntimeError):
    """initdb/pg_ctl are not installed (or not found)."""


@dataclass(frozen=True)
class PostgresParams:
    host: str
    port: int
    user: str
    password: str  # the cluster uses trust auth; the password is accepted but not checked
    db: str
    socket_dir: str
    data_dir: str

    def connect_kwargs(self, db: str | None = None) -> dict:
        """Keyword arguments for psycopg2.connect."""
        return dict(host=self.host, port=self.port, user=self.user, password=self.password, dbname=db or self.db)

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.db}"

    def dagster_env(self) -> dict[str, str]:
        """The DAGSTER_PG_* variables the repo's deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db,
        }


def _version_key(path: str) -> tuple:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def find_pg_bin() -> str:
    """Directory holding both initdb and pg_ctl; raises PostgresNotFoundError."""
    initdb = shutil.which("initdb")
    candidates = [os.path.dirname(initdb), os.path.dirname(os.path.realpath(initdb))] if initdb else []
    for pattern in _SEARCH_GLOBS:
        candidates += sorted(glob.glob(pattern), key=_version_key, reverse=True)
    for d in candidates:
        if all(os.access(os.path.join(d, exe), os.X_OK) for exe in ("initdb", "pg_ctl")):
            return d
    raise PostgresNotFoundError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH nor in "
        + ", ".join(_SEARCH_GLOBS)
        + ". Install the PostgreSQL server package (e.g. apt-get install postgresql) or put its bin "
        "directory on PATH."
    )


def _run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the cluster as, or None to use the current user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _FALLBACK_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _FALLBACK_USER],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(_FALLBACK_USER)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chown_tree(path: str, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


@contextlib.contextmanager
def throwaway_postgres(db: str = "dagster", password: str = "throwaway") -> Iterator[PostgresParams]:
    """Start a private PostgreSQL cluster on 127.0.0.1:<free port>; removed on exit."""
    import psycopg2  # local: only tests need it here

    bindir = find_pg_bin()
    account = _run_as_user()
    user = account.pw_name if account else pwd.getpwuid(os.geteuid()).pw_name
    tmp = tempfile.mkdtemp(prefix="pgtmp-")
    data_dir, sock_dir, log_file = (os.path.join(tmp, n) for n in ("data", "sock", "server.log"))
    os.mkdir(sock_dir)
    run_kwargs: dict = dict(cwd=tmp, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    if account:
        _chown_tree(tmp, account.pw_uid, account.pw_gid)
        run_kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        run_kwargs["env"]["HOME"] = tmp

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([os.path.join(bindir, args[0]), *args[1:]], **run_kwargs)

    started = False
    try:
        res = run("initdb", "-D", data_dir, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        if res.returncode:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        for _attempt in range(3):  # the free port can be taken between probe and bind
            port = _free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {sock_dir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c logging_collector=off "
                "-c max_connections=100 -c shared_buffers=32MB"
            )
            res = run("pg_ctl", "-D", data_dir, "-l", log_file, "-o", opts, "-w", "-t", "30", "start")
            if res.returncode == 0:
                started = True
                break
        if not started:
            log = open(log_file).read()[-3000:] if os.path.exists(log_file) else ""
            raise RuntimeError(f"pg_ctl start failed:\n{res.stdout}\n{res.stderr}\n{log}")
        conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{db}"')
        finally:
            conn.close()
        yield PostgresParams("127.0.0.1", port, user, password, db, sock_dir, data_dir)
    finally:
        if started:
            run("pg_ctl", "-D", data_dir, "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)
