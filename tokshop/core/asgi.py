"""Django's ASGI handler, with the request threads kept for the next request instead of started anew."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

# Idle request threads a process keeps; a burst beyond this starts threads that end with it.
IDLE_REQUEST_THREADS = 64


class RequestThreadsASGIHandler(ASGIHandler):
    """Runs each request's sync code on a thread of its own, as Django does, from a pool.

    Django gives every request a new single-thread executor and shuts it down at the end, so each
    request starts and joins an OS thread (its `request_started`/`request_finished` receivers and
    any sync view run there). Under load that start-and-join was the largest single cost of a
    cached API answer. Here the executor is lent for one request and then kept: a request still
    has its thread to itself while it runs (a sync call cancelled by a disconnect is waited for
    before the request ends), and what Django keeps per thread is the same as with a WSGI
    server's thread pool (database connections are closed at the end of each request).
    """

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, thread_name_prefix="request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < IDLE_REQUEST_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)


def get_asgi_application() -> RequestThreadsASGIHandler:
    """`django.core.asgi.get_asgi_application`, with the pooled request threads."""
    django.setup(set_prefix=False)
    return RequestThreadsASGIHandler()
