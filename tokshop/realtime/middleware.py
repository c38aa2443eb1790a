"""ASGI middleware for sockets: origin checking and authentication by session or single-use ticket."""

from typing import Any
from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings

from . import closecodes

Scope = dict[str, Any]


async def refuse(receive: Any, send: Any, *, code: int, reason: str) -> None:
    """Accept, then close with a code: browsers can read a close code, not a refused handshake."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": reason})


class SameSiteOriginValidator(OriginValidator):
    """Only pages of this site's own hosts may open a socket; a missing Origin is refused."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                try:
                    origin = urlparse(value.decode("latin1"))
                except UnicodeDecodeError:
                    origin = None
        if origin is None or not self.valid_origin(origin):
            return await refuse(receive, send, code=closecodes.FORBIDDEN_ORIGIN, reason="origin_not_allowed")
        # The server's own send, before any middleware wraps it: the hub's delivery path uses it.
        return await self.application({**scope, "realtime.server_send": send}, receive, send)


class TicketAuthMiddleware(BaseMiddleware):
    """A `ticket` in the query string (obtained over the API) authenticates the PWA's socket once."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        tickets = query.get("ticket")
        if tickets:
            user = await self.user_for_ticket(tickets[0])
            if user is None:
                return await refuse(receive, send, code=closecodes.UNAUTHENTICATED, reason="ticket_invalid")
            scope = {**scope, "user": user, "auth": "ticket"}
        return await super().__call__(scope, receive, send)

    @database_sync_to_async
    def user_for_ticket(self, ticket: str) -> Any:
        from tokshop.users.selectors import user_get_active
        from tokshop.users.services import ws_ticket_redeem

        user_id = ws_ticket_redeem(ticket=ticket)
        return None if user_id is None else user_get_active(user_id=user_id)


def websocket_stack(application: Any) -> Any:
    return SameSiteOriginValidator(AuthMiddlewareStack(TicketAuthMiddleware(application)), list(settings.ALLOWED_HOSTS))
