"""A local fake of LiveKit's room service for tests, and webhook deliveries signed as LiveKit signs them.

The real SDK (`livekit.api.LiveKitAPI`) talks to it: Twirp over HTTP POST
(`/twirp/livekit.RoomService/<Method>`, protobuf bodies, errors as JSON), each call authorized by
a JWT whose grants the fake checks as LiveKit does. It keeps rooms and participants in memory,
records every event a LiveKit server would send as a webhook, and can fail the next calls. Bound
to 127.0.0.1 on a free port, in its own thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from google.protobuf.json_format import MessageToJson
from google.protobuf.message import Message
from livekit import api

API_KEY = "APItokshoptest"
API_SECRET = "tokshop-test-secret-that-is-long-enough-for-hs256"


@dataclass
class FakeRoomService:
    url: str = ""
    rooms: dict[str, api.Room] = field(default_factory=dict)
    participants: dict[str, dict[str, api.ParticipantInfo]] = field(default_factory=dict)
    events: list[api.WebhookEvent] = field(default_factory=list)
    calls: list[tuple[str, Message]] = field(default_factory=list)
    # The next calls answer this HTTP status (a server in trouble) instead of doing anything.
    fail_next: int = 0
    fail_status: int = 503
    # Seconds each call takes before it is answered (a slow server), to let calls overlap.
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        with self.lock:
            self.rooms.clear()
            self.participants.clear()
            self.events.clear()
            self.calls.clear()
            self.fail_next = 0
            self.delay = 0.0

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    # --- What LiveKit does on its own: people join and leave, rooms time out -----------------------

    def _event(self, kind: str, room: api.Room, participant: api.ParticipantInfo | None = None) -> None:
        event = api.WebhookEvent(event=kind, id=f"EV_{next(self._ids)}", created_at=int(time.time()))
        event.room.CopyFrom(room)
        if participant is not None:
            event.participant.CopyFrom(participant)
        self.events.append(event)

    def _room_start(self, name: str) -> api.Room:
        room = api.Room(name=name, sid=f"RM_{secrets.token_hex(6)}", creation_time=int(time.time()))
        self.rooms[name] = room
        self.participants[name] = {}
        self._event("room_started", room)
        return room

    def join(self, room_name: str, identity: str, *, publish: bool = False) -> api.ParticipantInfo:
        """A participant connects with a valid token (LiveKit makes the room if it is not there)."""
        with self.lock:
            room = self.rooms.get(room_name) or self._room_start(room_name)
            info = api.ParticipantInfo(
                sid=f"PA_{secrets.token_hex(6)}", identity=identity, state=api.ParticipantInfo.State.ACTIVE
            )
            self.participants[room_name][identity] = info
            self._event("participant_joined", room, info)
            if publish:
                info.is_publisher = True
                self._event("track_published", room, info)
            return info

    def leave(self, room_name: str, identity: str) -> None:
        with self.lock:
            info = self.participants[room_name].pop(identity)
            info.state = api.ParticipantInfo.State.DISCONNECTED
            self._event("participant_left", self.rooms[room_name], info)

    def finish(self, room_name: str) -> None:
        """The room closes by itself (everyone left and the timeout passed)."""
        with self.lock:
            self._room_finish(room_name)

    def _room_finish(self, room_name: str) -> None:
        room = self.rooms.pop(room_name)
        for info in self.participants.pop(room_name, {}).values():
            self._event("participant_left", room, info)
        self._event("room_finished", room)

    # --- The room service API -------------------------------------------------------------------

    def _answer(self, method: str, body: bytes) -> Message:
        if method == "CreateRoom":
            create = api.CreateRoomRequest.FromString(body)
            self.calls.append((method, create))
            return self.rooms.get(create.name) or self._room_start(create.name)
        if method == "ListRooms":
            listing = api.ListRoomsRequest.FromString(body)
            self.calls.append((method, listing))
            rooms = [room for name, room in self.rooms.items() if not listing.names or name in listing.names]
            for room in rooms:
                room.num_participants = len(self.participants[room.name])
            return api.ListRoomsResponse(rooms=rooms)
        if method == "DeleteRoom":
            delete = api.DeleteRoomRequest.FromString(body)
            self.calls.append((method, delete))
            if delete.room not in self.rooms:
                raise TwirpFailure(404, "not_found", "room not found")
            self._room_finish(delete.room)
            return api.DeleteRoomResponse()
        if method == "ListParticipants":
            of_room = api.ListParticipantsRequest.FromString(body)
            self.calls.append((method, of_room))
            if of_room.room not in self.rooms:
                raise TwirpFailure(404, "not_found", "room not found")
            return api.ListParticipantsResponse(participants=list(self.participants[of_room.room].values()))
        if method == "RemoveParticipant":
            who = api.RoomParticipantIdentity.FromString(body)
            self.calls.append((method, who))
            present = self.participants.get(who.room, {})
            if who.identity not in present:
                raise TwirpFailure(404, "not_found", "participant not found")
            info = present.pop(who.identity)
            self._event("participant_left", self.rooms[who.room], info)
            return api.RemoveParticipantResponse()
        raise TwirpFailure(404, "bad_route", f"no handler for {method}")


class TwirpFailure(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# The grant each method needs, as LiveKit's server checks it.
REQUIRED_GRANT: dict[str, Callable[[api.VideoGrants, bytes], bool]] = {
    "CreateRoom": lambda grants, body: bool(grants.room_create),
    "DeleteRoom": lambda grants, body: bool(grants.room_create),
    "ListRooms": lambda grants, body: bool(grants.room_list),
    "ListParticipants": lambda grants, body: (
        bool(grants.room_admin) and grants.room == api.ListParticipantsRequest.FromString(body).room
    ),
    "RemoveParticipant": lambda grants, body: (
        bool(grants.room_admin) and grants.room == api.RoomParticipantIdentity.FromString(body).room
    ),
}


def _app(fake: FakeRoomService) -> web.Application:
    verifier = api.TokenVerifier(API_KEY, API_SECRET)

    async def twirp(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        if request.headers.get("Content-Type") != "application/protobuf":
            return web.json_response({"code": "malformed", "msg": "protobuf expected"}, status=400)
        try:
            claims = verifier.verify(request.headers.get("Authorization", "").removeprefix("Bearer "))
        # Any token that does not verify (forged, expired, malformed) is unauthenticated.
        except Exception:
            return web.json_response({"code": "unauthenticated", "msg": "invalid token"}, status=401)
        if fake.delay:
            await asyncio.sleep(fake.delay)
        with fake.lock:
            if fake.fail_next > 0:
                fake.fail_next -= 1
                return web.json_response({"code": "unavailable", "msg": "try again"}, status=fake.fail_status)
            check = REQUIRED_GRANT.get(method)
            if check is None or claims.video is None or not check(claims.video, body):
                return web.json_response({"code": "permission_denied", "msg": "missing grant"}, status=403)
            try:
                answer = fake._answer(method, body)
            except TwirpFailure as failure:
                return web.json_response({"code": failure.code, "msg": failure.message}, status=failure.status)
        return web.Response(body=answer.SerializeToString(), content_type="application/protobuf")

    app = web.Application()
    app.router.add_post("/twirp/livekit.RoomService/{method}", twirp)
    return app


def start() -> tuple[FakeRoomService, Callable[[], None]]:
    """Serve a fake on 127.0.0.1 on a free port; answers it and a function that stops it."""
    fake = FakeRoomService()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(fake), access_log=None)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        fake.url = f"ws://127.0.0.1:{runner.addresses[0][1]}"
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="livekit-fake", daemon=True)
    thread.start()
    ready.wait(10)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

    return fake, stop


def signed_webhook(
    event: api.WebhookEvent,
    *,
    key: str = API_KEY,
    secret: str = API_SECRET,
    ttl: timedelta = timedelta(minutes=5),
) -> tuple[str, str]:
    """A delivery as LiveKit sends it: the JSON body and its Authorization token (the body's hash, signed)."""
    body = MessageToJson(event)
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    token = api.AccessToken(key, secret).with_sha256(digest).with_ttl(ttl).to_jwt()
    return body, token


# Fixtures: a test module imports both names (pytest finds fixtures on the module by name).
@pytest.fixture(scope="session")
def livekit_server() -> Iterator[FakeRoomService]:
    fake, stop = start()
    yield fake
    stop()


@pytest.fixture
def fake_livekit(livekit_server: FakeRoomService, settings: Any) -> Iterator[FakeRoomService]:
    """Video switched on and pointed at the fake, emptied for each test."""
    livekit_server.reset()
    settings.LIVEKIT_URL = livekit_server.url
    settings.LIVEKIT_API_KEY = API_KEY
    settings.LIVEKIT_API_SECRET = API_SECRET
    settings.LIVEKIT_TIMEOUT_SECONDS = 5.0
    yield livekit_server
    livekit_server.reset()
