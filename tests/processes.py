"""Real server and worker processes on the test database, for end-to-end tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from tokshop.core.management.commands.serve import web_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOGS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_environment(**extra: str) -> dict[str, str]:
    """The environment of a process that must see exactly what the test sees."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tokshop.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def running(args: list[str], *, name: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    LOGS.mkdir(exist_ok=True)
    with (LOGS / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_serving(address: str, process: subprocess.Popen[bytes], name: str, *, timeout: float = 30) -> None:
    """Return once the server at `address` answers HTTP, whatever the status."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see test-artifacts/")
        try:
            urllib.request.urlopen(f"http://{address}/api/health", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def asgi_server(name: str = "web", *, port: int | None = None, **env: str) -> Iterator[str]:
    """The site's web server, as production runs it, on the test database; yields its `host:port`."""
    port = port or free_port()
    args = web_command(BIN, "127.0.0.1", port)
    with running(args, name=f"{name}-{port}", env=process_environment(**env)) as process:
        address = f"127.0.0.1:{port}"
        wait_serving(address, process, name)
        yield address
