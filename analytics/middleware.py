import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from .metrics import REQUEST_LATENCY

logger = logging.getLogger("tokshop.requests")


class RequestMetricsMiddleware:
    """Time every request by its route pattern (not its path, which would explode the label set).

    Async-capable: first in the chain, a sync-only middleware here would make Django run the
    whole chain on a worker thread and hop back to the event loop for the async middleware below
    it, two thread switches per request before the view is even reached.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response: HttpResponse = self.get_response(request)
        self._record(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response: HttpResponse = await self.get_response(request)
        self._record(request, response, started)
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, started: float) -> None:
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        route = match.route if match is not None else "unmatched"
        REQUEST_LATENCY.labels(request.method, route or "/", str(response.status_code)).observe(elapsed)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
