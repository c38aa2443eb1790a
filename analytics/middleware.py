import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .metrics import REQUEST_LATENCY

logger = logging.getLogger("tokshop.requests")


class RequestMetricsMiddleware:
    """Time every request by its route pattern (not its path, which would explode the label set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        route = match.route if match is not None else "unmatched"
        request_record(request.method or "", route, request.path, response.status_code, elapsed)
        return response


def request_record(method: str, route: str, path: str, status: int, elapsed: float) -> None:
    """The metric and the log line of one answered request (also for answers given before Django)."""
    REQUEST_LATENCY.labels(method, route or "/", str(status)).observe(elapsed)
    logger.info(
        "request",
        extra={
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
        },
    )
