"""Serve the site: on its own (embedded default), or with a Celery worker and beat beside it."""

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def web_workers() -> int:
    """Server processes to run: WEB_CONCURRENCY, else one per CPU.

    A process runs one Python thread at a time (the GIL), so a process per CPU is what lets a
    burst of requests use the whole machine.
    """
    return max(1, int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1))


def web_command(
    bin_dir: Path, host: str, port: int, application: str = "tokshop.asgi:application", *, workers: int = 1
) -> list[str]:
    """The web server (`tokshop.core.webserver`): `workers` uvicorn processes, each listening on
    the port itself, and each keeping its own realtime hub subscribed to Redis, so a stream reaches
    viewers on every process."""
    return [
        str(bin_dir / "python"),
        "-m",
        "tokshop.core.webserver",
        application,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


class Command(BaseCommand):
    help = (
        "Serve Tokshop on http://HOST:PORT. With REDIS_URL set, also run a Celery worker and beat "
        "(the Procfile); --web-only serves the site alone."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-only", action="store_true", help="the web server alone, as the Procfile runs it")
        parser.add_argument(
            "--workers", type=int, default=None, help="server processes (default: WEB_CONCURRENCY, else one per CPU)"
        )

    def handle(self, *args: Any, host: str, port: int, web_only: bool, workers: int | None, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        env = {**os.environ, "HOST": host, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        if web_only or settings.EMBEDDED:
            if not web_only:
                self.stdout.write(f"Tokshop (embedded: SQLite, in-process tasks) on http://{host}:{port}/")
            # Embedded, the cache and the channel layer live in the process's memory: one process only.
            count = 1 if settings.EMBEDDED else workers or web_workers()
            command = web_command(bin_dir, host, port, workers=count)
        else:
            self.stdout.write(f"Tokshop (PostgreSQL, Redis, Celery worker and beat) on http://{host}:{port}/")
            honcho = shutil.which("honcho", path=str(bin_dir)) or "honcho"
            command = [honcho, "start", "-f", str(settings.BASE_DIR / "Procfile"), "-p", str(port)]
        sys.stdout.flush()
        os.execvpe(command[0], command, env)  # noqa: S606
