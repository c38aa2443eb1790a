"""ASGI entry point: HTTP through Django (public answers it gave replayed in front of it), WebSockets
through Channels with origin and auth checks."""

import gc
import os

from tokshop.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokshop.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from analytics.middleware import request_record  # noqa: E402
from shows.consumers import ShowConsumer  # noqa: E402
from tokshop.core.shared_responses import SharedResponseReplay  # noqa: E402
from tokshop.notifications.consumers import NotificationConsumer  # noqa: E402
from tokshop.realtime.middleware import websocket_stack  # noqa: E402

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/shows/<int:show_id>/", ShowConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        # Public answers Django has already given are replayed without a thread hop or middleware.
        "http": SharedResponseReplay(django_asgi_app, record=request_record),
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)

# A server holding thousands of sockets keeps many long-lived objects; with the default thresholds
# full collections of 100-200 ms run every few seconds, free almost nothing and set the tail
# latency of every broadcast. Collect young objects less often, and never scan what start-up made.
gc.set_threshold(50_000, 20, 100)
gc.freeze()
