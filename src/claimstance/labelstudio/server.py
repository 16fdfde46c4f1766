"""A local Label Studio server in its own virtualenv: create it once, start, wait, stop.

Label Studio pins old versions of many libraries, so it never shares the corpus tools'
environment. Credentials go to the server through its environment, never its command line
(visible to every user of the machine) and never a file in the repository. Telemetry
(analytics, error reports, update checks) is switched off.

For a team, the server keeps its data in PostgreSQL (Label Studio's supported production
database) and may listen beyond loopback. The database's password reaches Label Studio the way
the token does, through the environment; without one in the URL, PostgreSQL's own client
looks in PGPASSWORD or ~/.pgpass.

The server we start is recorded twice: `server.json` in its data folder (with the process's
start time) and a pointer in a small registry under $XDG_STATE_HOME, so `ls down` finds a
server started with `--data-dir` too. Nothing is trusted blindly: the port must be free
before the start and the child must own it after; a process is signalled only when its
command line, data folder and start time prove it is the server we started.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..corpus.userdirs import user_dir
from ..problems import Code, Refused, refuse

LS_REQUIREMENT = os.environ.get("CLAIMSTANCE_LS_REQUIREMENT", "label-studio>=1.20,<2")
VENV_ENV = "CLAIMSTANCE_LS_VENV"

#: Label Studio's telemetry, off: usage analytics (server and browser), the Sentry error
#: reports of the backend and the frontend, and the PyPI check at every start.
NO_TELEMETRY = {"COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
                "LATEST_VERSION_CHECK": "false"}


def _failed(message: str, where: str = "label-studio") -> Refused:
    return refuse(Code.LS_SERVER, where, message)


def cache_dir() -> Path:
    return user_dir("cache")


def venv_dir() -> Path:
    """$CLAIMSTANCE_LS_VENV (an existing Label Studio virtualenv), else one in the cache."""
    return Path(os.environ.get(VENV_ENV) or cache_dir() / "label-studio-venv")


def data_dir() -> Path:
    return user_dir("data") / "label-studio"


def registry_dir() -> Path:
    """Where the servers `ls up` started are listed (one pointer file per data folder)."""
    return user_dir("state") / "label-studio-servers"


def executable(venv: Path | None = None) -> Path:
    return (venv or venv_dir()) / "bin" / "label-studio"


def ensure_venv(venv: Path | None = None, *, quiet: bool = False) -> Path:
    """Create the server's virtualenv and install Label Studio into it, once."""
    venv = venv or venv_dir()
    exe = executable(venv)
    if exe.is_file():
        return exe
    out = subprocess.DEVNULL if quiet else None
    try:
        if not (venv / "bin" / "python").is_file():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, stdout=out)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", LS_REQUIREMENT], check=True, stdout=out)
    except (OSError, subprocess.CalledProcessError) as e:
        raise _failed(f"could not install {LS_REQUIREMENT} into {venv}: {e}") from None
    if not exe.is_file():
        raise _failed(f"{exe} is missing after installing {LS_REQUIREMENT}")
    return exe


LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether nothing listens on host:port (we can bind it ourselves). Connections a
    stopped server left in TIME_WAIT do not count: the server binds over them too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:  # in use, or not ours to take (a privileged port): either way, no
            return False
    return True


def listen_address(host: str) -> str:
    """The address to listen on, checked: an IP address of this machine's (0.0.0.0: all)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise _failed(f"--host {host!r} is not an IP address to listen on (127.0.0.1: this "
                      "machine only; 0.0.0.0: every interface; or one interface's address)",
                      "--host") from None


def is_loopback(host: str) -> bool:
    return ipaddress.ip_address(host).is_loopback


def local_url(host: str, port: int) -> str:
    """How this machine reaches a server listening on host:port."""
    ip = ipaddress.ip_address(host)
    if ip.is_unspecified:  # every interface: loopback is one of them
        ip = ipaddress.ip_address("::1" if ip.version == 6 else LOOPBACK)
    return f"http://[{ip}]:{port}" if ip.version == 6 else f"http://{ip}:{port}"


def public_origin(url: str) -> str:
    """The https:// address annotators open (a TLS proxy's), checked: scheme and host only."""
    try:
        u = urlsplit(url.strip())
        u.port  # noqa: B018 (raises on a port that is no number)
    except ValueError:
        u = None
    if u is None or u.scheme not in ("https", "http") or not u.hostname \
            or u.path not in ("", "/") or u.query or u.fragment or u.username:
        raise _failed(f"--public-url {url!r} is not an address like https://label.example.org "
                      "(scheme and host, no path)", "--public-url")
    return f"{u.scheme}://{u.netloc}"


def public_env(origin: str) -> dict[str, str]:
    """Label Studio behind a proxy: the links it makes use the public address, and logins and
    sign-ups posted through the proxy pass Django's origin check."""
    return {"LABEL_STUDIO_HOST": origin, "LABEL_STUDIO_CSRF_TRUSTED_ORIGINS": origin}


# --- the database ----------------------------------------------------------------------------

DATABASE_ENV = "CLAIMSTANCE_LS_DATABASE"


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database for Label Studio: postgresql://USER[:PASSWORD]@HOST:PORT/DB."""

    user: str
    host: str
    port: int
    name: str
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, where: str = "--database") -> Database:
        def bad(why: str) -> Refused:
            return refuse(Code.LS_DATABASE, where,
                          f"{why}; give postgresql://USER[:PASSWORD]@HOST:PORT/DB (the "
                          "password is better left out: PGPASSWORD or ~/.pgpass)")

        try:
            u = urlsplit(url.strip())
            port = u.port or 5432
        except ValueError:  # a port that is no number; the URL is not repeated (a secret)
            raise bad("the database URL cannot be read") from None
        if u.scheme not in ("postgresql", "postgres"):
            raise bad(f"the database URL starts with {u.scheme or 'no scheme'!r}, not "
                      "postgresql://")
        name = unquote(u.path.lstrip("/"))
        if not u.username or not u.hostname or not name or "/" in name:
            raise bad("the database URL must name a user, a host and one database")
        if u.query or u.fragment:
            raise bad("the database URL takes no options (set libpq's PGSSLMODE and friends "
                      "in the environment instead)")
        return cls(unquote(u.username), u.hostname, port, name,
                   unquote(u.password) if u.password is not None else None)

    def __str__(self) -> str:
        """The URL without its password: what messages and records show."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{self.user}@{host}:{self.port}/{self.name}"

    def env(self) -> dict[str, str]:
        """Label Studio's settings for it (an empty password: libpq's PGPASSWORD, ~/.pgpass)."""
        return {"DJANGO_DB": "default", "POSTGRE_NAME": self.name, "POSTGRE_USER": self.user,
                "POSTGRE_PASSWORD": self.password or "", "POSTGRE_HOST": self.host,
                "POSTGRE_PORT": str(self.port)}

    def libpq_env(self) -> dict[str, str]:
        """The same for PostgreSQL's own client library (PG* variables)."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
                "PGDATABASE": self.name} | ({"PGPASSWORD": self.password}
                                           if self.password else {})


_CONNECT = "import psycopg\ntry:\n psycopg.connect('', connect_timeout=10).close()\n" \
           "except psycopg.Error as e:\n raise SystemExit(str(e).strip() or repr(e))\n"


def check_database(db: Database, venv: Path | None = None) -> None:
    """Connect once with Label Studio's own driver, so a wrong address or login is a clear
    refusal here rather than a crash in the server's log."""
    python = (venv or venv_dir()) / "bin" / "python"
    env = dict(os.environ) | db.libpq_env()  # what the server sees (PGSSLMODE, ~/.pgpass...)
    try:
        out = subprocess.run([str(python), "-c", _CONNECT], env=env, capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise refuse(Code.LS_DATABASE, str(db), f"could not check {db}: {e}") from None
    if out.returncode:
        why = (out.stderr.strip().splitlines() or ["no reason given"])[-1]
        for secret in filter(None, (db.password, os.environ.get("PGPASSWORD"))):
            why = why.replace(secret, "***")
        raise refuse(Code.LS_DATABASE, str(db),
                     f"cannot connect to {db}: {why}. Check that PostgreSQL runs there, that "
                     "the role and database exist (createuser, createdb) and the password "
                     f"(in {DATABASE_ENV}'s URL, PGPASSWORD or ~/.pgpass); nothing was started")


# --- which process is which ----------------------------------------------------------------

def proc_argv(pid: int) -> list[str] | None:
    """The command line of a live process (None when it is gone or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        if Path("/proc/self").exists():
            return None
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True,
                             text=True, check=False)  # no /proc (macOS): argv joined by spaces
        return out.stdout.split() or None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a] or None


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot): a recycled pid has another one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; comm may hold spaces and ')'


def identify(pid: int, data: Path, started: int | None) -> str | None:
    """None when `pid` is the Label Studio we started for `data`, else why it is not."""
    argv = proc_argv(pid)
    if not argv:
        return "no such process"
    exe = next((i for i, a in enumerate(argv) if os.path.basename(a) == "label-studio"), None)
    if exe is None or "start" not in argv[exe + 1:]:
        return f"process {pid} is not a Label Studio server ({' '.join(argv[:3])})"
    try:
        served = argv[argv.index("--data-dir") + 1]
    except (ValueError, IndexError):
        return f"process {pid} names no --data-dir"
    if Path(served).resolve() != data.resolve():
        return f"process {pid} serves another data folder ({served})"
    if started is not None and start_time(pid) not in (None, started):
        return f"process {pid} started after our server did (the pid was reused)"
    try:
        if os.getpgid(pid) != pid:
            return f"process {pid} does not lead its own process group"
    except OSError:
        return "no such process"
    return None


def _listening_inodes(port: int) -> set[str] | None:
    """Inodes of the sockets listening on `port` (None without /proc)."""
    found: set[str] | None = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found = found or set()
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                found.add(cols[9])
    return found


def owns_port(pid: int, port: int) -> bool | None:
    """Whether `pid` holds the socket listening on `port` (None: cannot tell here)."""
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    return False


# --- start, find, stop ---------------------------------------------------------------------

@dataclass
class Credentials:
    username: str  # an e-mail address, as Label Studio wants
    password: str
    token: str


@dataclass
class Server:
    url: str
    pid: int
    data: Path
    started: int | None = None  # the process's start time, to recognise it later
    database: str | None = None  # the PostgreSQL URL without its password; None: SQLite
    listen: str = LOOPBACK
    public_url: str | None = None  # the TLS proxy's address annotators open

    def to_json(self) -> str:
        return json.dumps({"url": self.url, "pid": self.pid, "data": str(self.data),
                           "started": self.started, "database": self.database,
                           "listen": self.listen, "public_url": self.public_url})


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _pointer(data: Path) -> Path:
    key = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:16]
    return registry_dir() / f"{key}.json"


def _record(server: Server) -> None:
    (server.data / "server.json").write_text(server.to_json())
    pointer = _pointer(server.data)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(json.dumps({"data": str(server.data.resolve())}))


def _forget(data: Path) -> None:
    (data / "server.json").unlink(missing_ok=True)
    _pointer(data).unlink(missing_ok=True)


def start(creds: Credentials, *, port: int | None = None, data: Path | None = None,
          venv: Path | None = None, timeout: float = 180.0,
          extra_env: dict[str, str] | None = None, database: Database | None = None,
          host: str = LOOPBACK, public_url: str | None = None) -> Server:
    """Start Label Studio with an admin user and legacy API token; wait for it.

    It listens on `host` (loopback unless a team needs more), is reached by annotators at
    `public_url` (a TLS proxy in front of it) and keeps its data in `database`
    (PostgreSQL) or, without one, in SQLite in `data`. Refuses a port something else listens
    on (Label Studio would quietly move to another one, and whatever holds ours would
    receive the API token).
    """
    exe = ensure_venv(venv)
    host = listen_address(host)
    origin = public_origin(public_url) if public_url else None
    port = port or free_port()
    url = local_url(host, port)
    if not port_is_free(port, host):
        raise _failed(f"port {port} on {host} is in use by another program (or not "
                      "available); stop it or choose another --port (nothing was started, no "
                      "token was sent)")
    if database is not None:
        check_database(database, venv)
    data = (data or data_dir()).absolute()
    data.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LABEL_STUDIO_", "POSTGRE_")) and k != "DJANGO_DB"}
    env |= {
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_USER_TOKEN": creds.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
    } | (database.env() if database is not None else {"DJANGO_DB": "sqlite"}) \
        | (public_env(origin) if origin else {}) | NO_TELEMETRY | (extra_env or {})
    log = (data / "server.log").open("ab")
    proc = subprocess.Popen(
        [str(exe), "start", "--no-browser", "--data-dir", str(data), "--internal-host",
         host, "--port", str(port), "--enable-legacy-api-token"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _failed(f"Label Studio exited with code {proc.returncode}; see "
                          f"{data / 'server.log'}")
        if healthy(url):
            if owns_port(proc.pid, port) is False:
                stop_pid(proc.pid)
                raise _failed(f"another program answers on {url}, not the Label Studio just "
                              f"started; stopped it. Choose another --port")
            server = Server(url, proc.pid, data, start_time(proc.pid),
                            str(database) if database is not None else None, host, origin)
            _record(server)
            return server
        time.sleep(0.5)
    stop_pid(proc.pid)
    raise _failed(f"Label Studio did not answer on {url} within {timeout:.0f} s; see "
                  f"{data / 'server.log'}")


@dataclass
class Lookup:
    """What looking for a recorded server found: the live one, and stale records dropped."""

    server: Server | None = None
    dropped: list[str] = field(default_factory=list)  # why each stale record was removed


def lookup(data: Path) -> Lookup:
    """The server recorded in `data`, checked to be ours and alive; stale records go."""
    out = Lookup()
    state = data / "server.json"
    if not state.is_file():
        _pointer(data).unlink(missing_ok=True)
        return out
    try:
        s = json.loads(state.read_text())
        server = Server(str(s["url"]), int(s["pid"]), Path(s["data"]),
                        int(s["started"]) if s.get("started") is not None else None,
                        str(s["database"]) if s.get("database") else None,
                        str(s.get("listen") or LOOPBACK),
                        str(s["public_url"]) if s.get("public_url") else None)
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        _forget(data)
        out.dropped.append(f"{state} was unreadable; removed it")
        return out
    why = identify(server.pid, server.data, server.started)
    if why is not None:
        _forget(data)
        out.dropped.append(f"{state} named process {server.pid}, which is not our server "
                           f"({why}); removed the record, signalled nothing")
        return out
    out.server = server
    return out


def recorded() -> list[Path]:
    """Data folders of the servers `ls up` started (from the registry, plus the default)."""
    found = {data_dir().absolute()}
    folder = registry_dir()
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                found.add(Path(json.loads(p.read_text())["data"]))
            except (OSError, ValueError, KeyError, TypeError, RecursionError):
                p.unlink(missing_ok=True)
    return sorted(found)


def running(data: Path | None = None) -> Lookup:
    """The live server of `data`; without it, the only live server `ls up` recorded.

    Several live servers and no `data`: refused, naming them (say which with --data-dir).
    """
    if data is not None:
        return lookup(data.absolute())
    out = Lookup()
    live = []
    for d in recorded():
        found = lookup(d)
        out.dropped += found.dropped
        if found.server is not None:
            live.append(found.server)
    if len(live) > 1:
        raise _failed(f"{len(live)} Label Studio servers are running ("
                      + ", ".join(f"{s.url} with --data-dir {s.data}" for s in live)
                      + "); say which with --data-dir")
    out.server = live[0] if live else None
    return out


def stop_pid(pid: int, timeout: float = 20.0) -> None:
    """Stop a process group we started (callers check first that it is ours)."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child: reaped, so gone
                return
        except ChildProcessError:
            pass
        if proc_argv(pid) is None:  # gone, or a zombie waiting for its parent
            return
        time.sleep(0.2)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def stop(data: Path | None = None) -> Lookup:
    """Stop the server `running(data)` finds; a record naming another process is dropped."""
    found = running(data)
    if found.server is not None:
        stop_pid(found.server.pid)
        _forget(found.server.data)
    return found
