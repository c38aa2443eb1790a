"""Serve the site: on its own (embedded default), or with a Celery worker and beat beside it."""

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Tokshop on http://HOST:PORT; with REDIS_URL set, also run a Celery worker and beat (Procfile)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        env = {**os.environ, "HOST": host, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        if settings.EMBEDDED:
            self.stdout.write(f"Tokshop (embedded: SQLite, in-process tasks) on http://{host}:{port}/")
            command = [str(bin_dir / "daphne"), "-b", host, "-p", str(port), "tokshop.asgi:application"]
        else:
            self.stdout.write(f"Tokshop (PostgreSQL, Redis, Celery worker and beat) on http://{host}:{port}/")
            honcho = shutil.which("honcho", path=str(bin_dir)) or "honcho"
            command = [honcho, "start", "-f", str(settings.BASE_DIR / "Procfile"), "-p", str(port)]
            env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        sys.stdout.flush()
        os.execvpe(command[0], command, env)  # noqa: S606
