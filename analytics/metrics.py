"""Prometheus metrics of this process, plus Celery task counts shared through the cache."""

from collections.abc import Iterator

from django.core.cache import cache
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "tokshop_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
WEBSOCKET_CONNECTIONS = Gauge(
    "tokshop_websocket_connections",
    "Open WebSocket connections in this process.",
    ["consumer"],
    registry=REGISTRY,
)
REALTIME_EVENTS = Counter(
    "tokshop_realtime_events_published",
    "Events published to realtime streams from this process.",
    ["type"],
    registry=REGISTRY,
)

TASK_STATES = ("succeeded", "failed", "retried")
TASK_COUNTER_KEY = "metrics:celery:{name}:{state}"


def task_count(name: str, state: str) -> None:
    """Count one task outcome; workers are separate processes, so counts live in the shared cache."""
    key = TASK_COUNTER_KEY.format(name=name, state=state)
    # add() creates the counter atomically when it is the first; incr() is atomic after that.
    if not cache.add(key, 1, timeout=None):
        cache.incr(key)


class CeleryTaskCollector(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        from tokshop.celery import app

        family = CounterMetricFamily(
            "tokshop_celery_tasks", "Celery task outcomes, all workers.", labels=["task", "state"]
        )
        names = [name for name in app.tasks if not name.startswith("celery.")]
        keys = {TASK_COUNTER_KEY.format(name=n, state=s): (n, s) for n in names for s in TASK_STATES}
        for key, value in cache.get_many(list(keys)).items():
            family.add_metric(list(keys[key]), float(value))
        yield family


REGISTRY.register(CeleryTaskCollector())
