"""Hooks into Celery worker processes: a heartbeat the health check reads, and task counters."""

import socket
import threading
import time
from typing import Any

from celery.signals import task_failure, task_retry, task_success, worker_ready, worker_shutdown
from django.core.cache import cache

from .metrics import task_count

HEARTBEAT_KEY = "celery:heartbeat"
HEARTBEAT_INTERVAL = 10
# A worker is considered gone after missing three beats.
HEARTBEAT_TTL = 3 * HEARTBEAT_INTERVAL

_stop = threading.Event()


def heartbeat_beat(hostname: str) -> None:
    cache.set(HEARTBEAT_KEY, {"hostname": hostname, "at": time.time()}, timeout=HEARTBEAT_TTL)


def _beat_forever(hostname: str) -> None:
    while not _stop.is_set():
        heartbeat_beat(hostname)
        _stop.wait(HEARTBEAT_INTERVAL)


@worker_ready.connect(dispatch_uid="analytics.heartbeat_start")
def heartbeat_start(sender: Any = None, **kwargs: Any) -> None:
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    threading.Thread(target=_beat_forever, args=(hostname,), name="celery-heartbeat", daemon=True).start()


@worker_shutdown.connect(dispatch_uid="analytics.heartbeat_stop")
def heartbeat_stop(**kwargs: Any) -> None:
    _stop.set()


@task_success.connect(dispatch_uid="analytics.task_succeeded")
def count_success(sender: Any = None, **kwargs: Any) -> None:
    task_count(sender.name, "succeeded")


@task_failure.connect(dispatch_uid="analytics.task_failed")
def count_failure(sender: Any = None, **kwargs: Any) -> None:
    task_count(sender.name, "failed")


@task_retry.connect(dispatch_uid="analytics.task_retried")
def count_retry(sender: Any = None, **kwargs: Any) -> None:
    task_count(sender.name, "retried")
