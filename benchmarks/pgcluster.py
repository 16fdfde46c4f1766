"""A throwaway PostgreSQL cluster for the tests and the team benchmark: `initdb` in a
temporary folder, one free loopback port, stopped and removed afterwards.

PostgreSQL refuses to run as root, so when we are root (CI) the cluster's programs run as the
unprivileged `postgres` user that Debian's `postgresql` package creates, in a folder that user
owns. The binaries are found where `pg_config` says, else in the newest
/usr/lib/postgresql/<version>/bin (Debian keeps them off PATH), else on PATH. Nothing here
belongs to the product: `claimstance ls up --database` takes any PostgreSQL a team runs.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from claimstance.labelstudio.server import free_port

RUN_AS = "postgres"  # the system user Debian's postgresql package creates


class NoPostgres(RuntimeError):
    """PostgreSQL is not installed here (or cannot be run); the message says how to get it."""


def bindir() -> Path:
    """Where initdb, pg_ctl and psql are."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.parent.name.split(".") if x.isdigit())

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for c in candidates:
        if all((c / exe).is_file() for exe in ("initdb", "pg_ctl", "psql")):
            return c
    raise NoPostgres("PostgreSQL's initdb, pg_ctl and psql were not found (apt-get install "
                     "postgresql)")


@dataclass
class Database:
    """A database and the role that owns it, reached over TCP on loopback."""

    name: str
    user: str
    password: str
    port: int
    host: str = "127.0.0.1"

    def url(self, password: bool = True) -> str:
        """postgresql://USER[:PASSWORD]@HOST:PORT/DB (the form `ls up --database` takes)."""
        secret = f":{quote(self.password, safe='')}" if password else ""
        return f"postgresql://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/" \
               f"{quote(self.name, safe='')}"


@dataclass
class Cluster:
    bin: Path
    root: Path  # the temporary folder: data/, the log, owned by the user the cluster runs as
    port: int
    password: str  # the superuser's (role `postgres`)
    user: str | None  # the system user to run as (None: ourselves, when we are not root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def run(self, exe: str, *args: str, stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env |= {"PGPASSWORD": self.password, "PGHOST": "127.0.0.1", "PGPORT": str(self.port),
                "PGUSER": "postgres", "PGDATABASE": "postgres"}
        out = subprocess.run([str(self.bin / exe), *args], input=stdin, capture_output=True,
                             text=True, cwd=self.root, env=env, user=self.user,
                             group=self.user, extra_groups=[] if self.user else None,
                             timeout=120, check=False)
        if check and out.returncode:
            raise NoPostgres(f"{exe} {' '.join(args)} failed ({out.returncode}):\n"
                             f"{out.stdout}{out.stderr}")
        return out

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop",
                 check=False)

    def restart(self) -> None:
        """Stop (closing every connection) and start again, as an administrator would."""
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-m", "fast", "restart")

    def sql(self, statements: str, database: str = "postgres") -> str:
        """Run SQL as the superuser; given on stdin, so no password is on a command line."""
        return self.run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                        database, "-f", "-", stdin=statements).stdout

    def database(self, name: str, user: str | None = None) -> Database:
        """A new database owned by a new login role with a random password."""
        user = user or name
        password = secrets.token_urlsafe(18)
        self.sql(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}';\n")
        self.sql(f"CREATE DATABASE \"{name}\" OWNER \"{user}\";\n")
        return Database(name, user, password, self.port)


def _unprivileged() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        raise NoPostgres(f"we are root, and PostgreSQL will not run as root; the unprivileged "
                         f"user {RUN_AS!r} (made by apt-get install postgresql) is missing") \
            from None
    return RUN_AS


@contextmanager
def cluster(parent: Path | None = None) -> Iterator[Cluster]:
    """A running cluster on a free loopback port; stopped and deleted on exit."""
    binaries = bindir()
    user = _unprivileged()
    root = Path(tempfile.mkdtemp(prefix="claimstance-pg-", dir=parent))
    try:
        if user is not None:  # the folder is the cluster user's alone
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o700)
        c = Cluster(binaries, root, free_port(), secrets.token_urlsafe(18), user)
        pwfile = root / "pw"
        _write_as(c, pwfile, c.password)
        c.run("initdb", "-D", str(c.data), "-U", "postgres", "-E", "UTF8", "--no-locale",
              "--no-sync", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
              f"--pwfile={pwfile}")
        pwfile.unlink()
        with (c.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {c.port}\nlisten_addresses = '127.0.0.1'\n"
                       "unix_socket_directories = ''\nmax_connections = 200\n")
        c.start()
        try:
            yield c
        finally:
            c.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _write_as(c: Cluster, path: Path, text: str) -> None:
    """A file only the cluster's user can read (the superuser password for initdb)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    if c.user is not None:
        entry = pwd.getpwnam(c.user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
