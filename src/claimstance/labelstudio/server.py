"""A local Label Studio server in its own virtualenv: create it once, start, wait, stop.

Label Studio pins old versions of many libraries, so it never shares the corpus tools'
environment. Credentials go to the server through its environment, never its command line
(visible to every user of the machine) and never a file in the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..problems import Code, Refused, refuse

LS_REQUIREMENT = os.environ.get("CLAIMSTANCE_LS_REQUIREMENT", "label-studio>=1.20,<2")


def _failed(message: str, where: str = "label-studio") -> Refused:
    return refuse(Code.LS_SERVER, where, message)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claimstance"


def venv_dir() -> Path:
    return Path(os.environ.get("CLAIMSTANCE_LS_VENV") or cache_dir() / "label-studio-venv")


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "claimstance" / "label-studio"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    def to_json(self) -> str:
        return json.dumps({"url": self.url, "pid": self.pid, "data": str(self.data)})


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(creds: Credentials, *, port: int | None = None, data: Path | None = None,
          venv: Path | None = None, timeout: float = 180.0,
          extra_env: dict[str, str] | None = None) -> Server:
    """Start Label Studio on 127.0.0.1 with an admin user and legacy API token; wait for it."""
    exe = ensure_venv(venv)
    data = data or data_dir()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env |= {
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_USER_TOKEN": creds.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
        "DJANGO_DB": env.get("DJANGO_DB", "sqlite"),
    } | (extra_env or {})
    log = (data / "server.log").open("ab")
    proc = subprocess.Popen(
        [str(exe), "start", "--no-browser", "--data-dir", str(data), "--internal-host",
         "127.0.0.1", "--port", str(port), "--enable-legacy-api-token"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _failed(f"Label Studio exited with code {proc.returncode}; see "
                              f"{data / 'server.log'}")
        if healthy(url):
            server = Server(url, proc.pid, data)
            (data / "server.json").write_text(server.to_json())
            return server
        time.sleep(0.5)
    stop_pid(proc.pid)
    raise _failed(f"Label Studio did not answer on {url} within {timeout:.0f} s; see "
                      f"{data / 'server.log'}")


def running(data: Path | None = None) -> Server | None:
    state = (data or data_dir()) / "server.json"
    if not state.is_file():
        return None
    s = json.loads(state.read_text())
    server = Server(s["url"], int(s["pid"]), Path(s["data"]))
    try:
        os.kill(server.pid, 0)
    except OSError:
        state.unlink()
        return None
    return server


def stop_pid(pid: int, timeout: float = 20.0) -> None:
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
        try:
            os.killpg(pid, 0)
        except OSError:
            return
        time.sleep(0.2)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def stop(data: Path | None = None) -> Server | None:
    server = running(data)
    if server is None:
        return None
    stop_pid(server.pid)
    (server.data / "server.json").unlink(missing_ok=True)
    return server
