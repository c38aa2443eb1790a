"""Video for the live room: one small interface of Tokshop's own, LiveKit's server SDK behind it.

Video is on when LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are set (all three or none, as
with Stripe); `video_gateway()` answers the LiveKit gateway then, and refuses with
`video_unavailable` otherwise. Everything Tokshop asks of LiveKit goes through this module: room
service calls (Twirp over HTTP, through `livekit.api.LiveKitAPI`), access tokens and webhook
verification (offline, with the API secret).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import aiohttp
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from livekit import api

from tokshop.core.errors import ApplicationError, Conflict

T = TypeVar("T")


class VideoUnavailable(Conflict):
    """This site runs its shows without video (LiveKit is not configured)."""

    code = "video_unavailable"


class VideoServiceError(ApplicationError):
    """The video service could not be reached or refused a call; the caller's task retries."""

    code = "video_service_error"
    status = 503


class WebhookRejected(ApplicationError):
    """A webhook delivery whose signature, body hash or expiry does not verify."""

    code = "bad_signature"
    status = 401


@dataclass(frozen=True)
class VideoRoomInfo:
    name: str
    sid: str
    num_participants: int


@dataclass(frozen=True)
class VideoParticipantInfo:
    identity: str
    sid: str
    name: str
    is_publisher: bool


@dataclass(frozen=True)
class TokenGrants:
    """What one token lets its holder do in one room; everything not granted is refused."""

    room: str
    identity: str
    name: str
    can_publish: bool
    ttl: timedelta


class VideoGateway(Protocol):
    url: str

    def room_create(self, *, name: str, empty_timeout: int, departure_timeout: int, metadata: str) -> VideoRoomInfo:
        """Create the room, or answer the one of that name that exists (CreateRoom is idempotent)."""
        ...

    def room_delete(self, *, name: str) -> bool:
        """Close the room, disconnecting everyone; False when there was no such room."""
        ...

    def room_list(self) -> list[VideoRoomInfo]: ...

    def participant_list(self, *, room: str) -> list[VideoParticipantInfo]:
        """Who is in the room now; an empty list when the room is gone."""
        ...

    def participant_remove(self, *, room: str, identity: str) -> bool:
        """Disconnect one participant; False when they were not there."""
        ...

    def token_create(self, grants: TokenGrants) -> tuple[str, datetime]:
        """A signed access token for `grants`, and when it expires."""
        ...

    def webhook_receive(self, *, body: str, authorization: str) -> api.WebhookEvent:
        """The event of a delivery whose signature and body hash verify; WebhookRejected otherwise."""
        ...


# Calls that may simply be repeated later: the server or the network failed, or timed out.
_RETRYABLE = (aiohttp.ClientError, asyncio.TimeoutError)


class LiveKitGateway:
    def __init__(self, *, url: str, api_key: str, api_secret: str, timeout: float) -> None:
        self.url = url
        self.api_key = api_key
        self.api_secret = api_secret
        self.timeout = timeout

    def _call(self, request: Callable[[api.LiveKitAPI], Awaitable[T]]) -> T:
        async def run() -> T:
            # The SDK is asyncio-based and its HTTP session belongs to one event loop: each call
            # opens its own (calls come from tasks a few times a minute, not from requests).
            client = api.LiveKitAPI(
                self.url,
                self.api_key,
                self.api_secret,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
            try:
                return await request(client)
            finally:
                await client.aclose()

        try:
            return async_to_sync(run)()
        except api.ServerError as error:
            raise VideoServiceError(f"The video service refused the call: {error.code} {error.message}") from error
        except _RETRYABLE as error:
            raise VideoServiceError(f"The video service is unreachable: {type(error).__name__}") from error

    def _call_unless_gone(self, request: Callable[[api.LiveKitAPI], Awaitable[object]]) -> bool:
        try:
            self._call(request)
        except VideoServiceError as error:
            cause = error.__cause__
            if isinstance(cause, api.ServerError) and cause.code == api.ServerErrorCode.NOT_FOUND:
                return False
            raise
        return True

    def room_create(self, *, name: str, empty_timeout: int, departure_timeout: int, metadata: str) -> VideoRoomInfo:
        request = api.CreateRoomRequest(
            name=name, empty_timeout=empty_timeout, departure_timeout=departure_timeout, metadata=metadata
        )
        room = self._call(lambda client: client.room.create_room(request))
        return VideoRoomInfo(name=room.name, sid=room.sid, num_participants=room.num_participants)

    def room_delete(self, *, name: str) -> bool:
        return self._call_unless_gone(lambda client: client.room.delete_room(api.DeleteRoomRequest(room=name)))

    def room_list(self) -> list[VideoRoomInfo]:
        answer = self._call(lambda client: client.room.list_rooms(api.ListRoomsRequest()))
        return [VideoRoomInfo(name=r.name, sid=r.sid, num_participants=r.num_participants) for r in answer.rooms]

    def participant_list(self, *, room: str) -> list[VideoParticipantInfo]:
        try:
            answer = self._call(lambda client: client.room.list_participants(api.ListParticipantsRequest(room=room)))
        except VideoServiceError as error:
            cause = error.__cause__
            if isinstance(cause, api.ServerError) and cause.code == api.ServerErrorCode.NOT_FOUND:
                return []
            raise
        return [
            VideoParticipantInfo(identity=p.identity, sid=p.sid, name=p.name, is_publisher=p.is_publisher)
            for p in answer.participants
        ]

    def participant_remove(self, *, room: str, identity: str) -> bool:
        request = api.RoomParticipantIdentity(room=room, identity=identity)
        return self._call_unless_gone(lambda client: client.room.remove_participant(request))

    def token_create(self, grants: TokenGrants) -> tuple[str, datetime]:
        video = api.VideoGrants(
            room_join=True,
            room=grants.room,
            can_subscribe=True,
            # VideoGrants allows publishing unless told otherwise: every flag is set here on purpose.
            can_publish=grants.can_publish,
            can_publish_sources=["camera", "microphone"] if grants.can_publish else None,
            # Chat, reactions and everything else said in the room go through the room's socket,
            # where moderation sees them; LiveKit's data channel would bypass it, so nobody has it.
            can_publish_data=False,
            can_update_own_metadata=False,
        )
        token = (
            api.AccessToken(self.api_key, self.api_secret)
            .with_identity(grants.identity)
            .with_name(grants.name)
            .with_ttl(grants.ttl)
            .with_grants(video)
        )
        # The SDK stamps `exp` from its own clock at whole seconds; this is the same instant, at most a second early.
        expires_at = timezone.now() + grants.ttl
        return token.to_jwt(), expires_at.replace(microsecond=0)

    def webhook_receive(self, *, body: str, authorization: str) -> api.WebhookEvent:
        receiver = api.WebhookReceiver(api.TokenVerifier(self.api_key, self.api_secret))
        # LiveKit sends the bare token; a proxy or client library may add the usual "Bearer ".
        token = authorization.removeprefix("Bearer ").strip()
        if not token:
            raise WebhookRejected("The webhook carries no Authorization token.")
        try:
            return receiver.receive(body, token)
        # The SDK raises a bare Exception for a hash mismatch, PyJWT's errors for the token, and
        # protobuf's for a body that is not an event: each is a delivery that does not verify.
        except Exception as error:
            raise WebhookRejected("The webhook's signature does not match its body.") from error


def livekit_enabled() -> bool:
    """True when the LiveKit settings are set; all three go together, so a half-configured site refuses to start."""
    keys = {
        "LIVEKIT_URL": settings.LIVEKIT_URL,
        "LIVEKIT_API_KEY": settings.LIVEKIT_API_KEY,
        "LIVEKIT_API_SECRET": settings.LIVEKIT_API_SECRET,
    }
    if not any(keys.values()):
        return False
    missing = [name for name, value in keys.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"LiveKit needs {', '.join(missing)} as well (or none of the LIVEKIT_* keys).")
    return True


def video_gateway() -> VideoGateway:
    if not livekit_enabled():
        raise VideoUnavailable("This show runs without video: the site has no video service configured.")
    return LiveKitGateway(
        url=settings.LIVEKIT_URL,
        api_key=settings.LIVEKIT_API_KEY,
        api_secret=settings.LIVEKIT_API_SECRET,
        timeout=settings.LIVEKIT_TIMEOUT_SECONDS,
    )
