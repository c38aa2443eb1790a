"""Django's ASGI handler, serving each request's middleware and view in one go on a kept thread."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase

from .shared_responses import response_keep

# Idle request threads a process keeps; a burst beyond this starts threads that end with it.
IDLE_REQUEST_THREADS = 64


class RequestThreadsASGIHandler(ASGIHandler):
    """Django's ASGI handler for a site whose views are all sync, as Tokshop's are.

    Django's own handler costs a request many thread hand-offs: it starts (and at the end joins)
    a new OS thread for each request, and it runs the middleware chain in async mode, where every
    `MiddlewareMixin` middleware hops to that thread for its `process_request` and again for its
    `process_response` (a dozen hand-offs with our chain) before the sync view hops there once
    more. Under load those hand-offs, not the views, were most of a request's CPU.

    Here the chain is loaded in sync mode and a request runs it, view included, in one call on a
    thread of its own (as under a WSGI server), and that thread is kept for a later request instead
    of being started anew. A request still has its thread to itself while it runs (a sync call
    cancelled by a disconnect is waited for before the thread is lent again), and what Django
    keeps per thread is what a WSGI thread pool keeps (database connections go back to the pool
    at each request's end). WebSockets are not served here but by Channels.
    """

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await sync_to_async(self.get_response_kept)(request)
        return response

    def get_response_kept(self, request: HttpRequest) -> HttpResponseBase:
        """The response, kept for replay if its view shared it (see `shared_responses`)."""
        response = self.get_response(request)
        response_keep(request, response)
        return response

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
    """`django.core.asgi.get_asgi_application`, with `RequestThreadsASGIHandler`."""
    django.setup(set_prefix=False)
    return RequestThreadsASGIHandler()
