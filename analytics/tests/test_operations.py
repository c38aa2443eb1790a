import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from analytics import services
from tokshop.realtime.streams import RedisBackend

pytestmark = pytest.mark.django_db


def test_health_reports_every_part(api_client):
    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "channel_layer", "celery", "migrations"}
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["migrations"] == {**body["checks"]["migrations"], "status": "ok", "pending": 0}
    assert response["Cache-Control"] == "no-store"


def test_health_is_degraded_when_redis_is_down(api_client, monkeypatch):
    dead = RedisBackend("redis://127.0.0.1:1/0", max_connections=1, prefix="x", length=1)
    monkeypatch.setattr(services, "backend", lambda: dead)

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["redis"]["status"] == "down"


def test_health_is_503_when_the_database_is_down(api_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response = api_client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "down"


def test_health_reports_a_missing_worker_as_degraded(api_client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    body = api_client.get(reverse("health")).json()

    assert body["status"] == "degraded"
    assert body["checks"]["celery"] == {**body["checks"]["celery"], "status": "down", "error": "no worker heartbeat"}


def test_metrics_count_requests_by_route(api_client):
    api_client.get(reverse("api:me"))

    text = api_client.get(reverse("metrics")).content.decode()

    assert 'tokshop_http_request_duration_seconds_count{method="GET",route="api/v1/me/",status="401"}' in text
    assert "tokshop_websocket_connections" in text
    assert "tokshop_celery_tasks" in text


def test_the_schema_documents_every_endpoint(api_client):
    response = api_client.get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/v1/auth/signup/",
        "/api/v1/auth/verify-email/",
        "/api/v1/auth/tokens/",
        "/api/v1/auth/tokens/{token_id}/",
        "/api/v1/auth/ws-ticket/",
        "/api/v1/me/",
        "/api/v1/notifications/",
        "/api/v1/notifications/unread-count/",
        "/api/v1/notifications/read/",
        "/api/v1/notifications/preferences/",
        "/api/health",
        "/metrics",
    } <= paths
