"""A show's video: its LiveKit room opened when it goes live and closed when it ends, access tokens
for the room, LiveKit's webhooks applied to Tokshop's copy of the room, and the reconcile job that
makes that copy equal to the room service whatever webhooks were lost.

The room service is the truth about rooms and participants; `VideoRoom` and `ShowParticipant` are
Tokshop's copy. Room service calls are made only from tasks, never from a request or a socket.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from google.protobuf.json_format import MessageToDict
from livekit import api

from moderation.selectors import ban_in_force
from tokshop.core.errors import Conflict

from ..livekit import (
    TokenGrants,
    VideoGateway,
    VideoParticipantInfo,
    VideoServiceError,
    livekit_enabled,
    video_gateway,
)
from ..models import (
    Show,
    ShowParticipant,
    VideoRoom,
    VideoRoomState,
    VideoWebhookEvent,
    video_room_name,
    video_room_show_id,
)
from ..selectors_room import room_enter
from .lifecycle import show_end

if TYPE_CHECKING:
    from tokshop.users.models import User

logger = logging.getLogger(__name__)

# A token only admits its holder to the room; LiveKit renews it for as long as they stay connected.
# Ten minutes covers a slow page load and a reconnect, and bounds how long a token taken before a
# ban can still be used to come back (the webhook and the reconcile job remove them again).
VIDEO_TOKEN_TTL = timedelta(minutes=10)
# LiveKit closes a room nobody joined after this long: the host has ten minutes from going live to
# turn their camera on before the show is taken for abandoned.
ROOM_EMPTY_TIMEOUT = 600
# ... and a room everyone left after this long: long enough for a host's phone to reconnect after
# its network dropped, short enough that a show whose host vanished ends within minutes.
ROOM_DEPARTURE_TIMEOUT = 120


def _identity_new(user: User | AnonymousUser) -> str:
    # A new identity per token: LiveKit disconnects an identity's older connection when it joins
    # again, so one identity per person would cut off their phone when they open the laptop.
    suffix = secrets.token_hex(4)
    return f"user-{user.pk}-{suffix}" if user.is_authenticated else f"guest-{suffix}"


def identity_user_id(identity: str) -> int | None:
    """The account an identity was issued to, or None for a guest or a participant Tokshop did not admit."""
    kind, _, rest = identity.partition("-")
    number = rest.partition("-")[0]
    return int(number) if kind == "user" and number.isdigit() else None


# --- Tokens -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoToken:
    url: str
    token: str
    room: str
    identity: str
    can_publish: bool
    expires_at: datetime


def video_token_issue(*, user: User | AnonymousUser, show_id: int, key: str | None = None) -> VideoToken:
    """A token for the show's video room: the host publishes camera and microphone, everyone else
    (moderators too) watches only. The room's entry rules apply as on its socket: NotFound,
    PermissionDenied (banned, not invited, followers only); Conflict when the show is not on air
    or the site has no video."""
    show, viewer = room_enter(user=user, show_id=show_id, key=key)
    gateway = video_gateway()
    if not show.is_on_air:
        raise Conflict("The show is not on air.", code="show_not_on_air", extra={"status": show.status})
    grants = TokenGrants(
        room=video_room_name(show.pk),
        identity=_identity_new(user),
        name=viewer.display_name or "Guest",
        can_publish=viewer.is_host,
        ttl=VIDEO_TOKEN_TTL,
    )
    token, expires_at = gateway.token_create(grants)
    return VideoToken(
        url=gateway.url,
        token=token,
        room=grants.room,
        identity=grants.identity,
        can_publish=grants.can_publish,
        expires_at=expires_at,
    )


# --- The room follows the show ------------------------------------------------------------------------


def _room_lock(show_id: int) -> VideoRoom:
    name = video_room_name(show_id)
    try:
        with transaction.atomic():
            VideoRoom.objects.get_or_create(show_id=show_id, defaults={"name": name})
    except IntegrityError:
        pass  # Made by a concurrent call a moment ago; the lock below waits for it.
    # The room row only: the show's own row stays free for its lifecycle while a room service call
    # is made under this lock, and the show's status is read fresh once the lock is held.
    return VideoRoom.objects.select_for_update(of=("self",)).select_related("show").get(show_id=show_id)


def _participants_leave(show_id: int, at: datetime) -> int:
    return ShowParticipant.objects.filter(show_id=show_id).present().update(left_at=at, is_publisher=False)


def _room_opened(room: VideoRoom, *, sid: str, at: datetime) -> bool:
    """Record the room's current session as open; False when it already was."""
    if room.state == VideoRoomState.OPEN and room.sid == sid:
        return False
    room.state = VideoRoomState.OPEN
    room.sid = sid
    room.opened_at = at
    room.closed_at = None
    room.save()
    return True


def _room_closed(room: VideoRoom, at: datetime) -> None:
    room.state = VideoRoomState.CLOSED
    room.closed_at = at
    room.save(update_fields=["state", "sid", "closed_at", "updated_at"])
    _participants_leave(room.show_id, at)


def video_room_open(*, show_id: int) -> VideoRoom | None:
    """Create the show's room at LiveKit while the show is on air; None when video is off.

    Idempotent: CreateRoom answers the existing room of that name, and a show no longer on air gets
    none. The room row stays locked across the call, so an open and a close of one show never cross.
    """
    if not livekit_enabled():
        return None
    gateway = video_gateway()
    with transaction.atomic():
        room = _room_lock(show_id)
        if not room.show.is_on_air:
            return room
        info = gateway.room_create(
            name=room.name,
            empty_timeout=ROOM_EMPTY_TIMEOUT,
            departure_timeout=ROOM_DEPARTURE_TIMEOUT,
            metadata=json.dumps({"show_id": show_id}),
        )
        _room_opened(room, sid=info.sid, at=timezone.now())
        return room


def video_room_close(*, show_id: int) -> VideoRoom | None:
    """Delete the room of a show that is no longer on air (everyone in it is disconnected); a show
    on air again (restarted meanwhile) keeps it. None when video is off.

    The room's row is taken (made if need be) before anything is read, so a close waits for an
    open of the same show still in progress and then undoes it."""
    if not livekit_enabled():
        return None
    gateway = video_gateway()
    with transaction.atomic():
        room = _room_lock(show_id)
        if room.show.is_on_air:
            return room
        gateway.room_delete(name=room.name)
        if room.state != VideoRoomState.CLOSED:
            _room_closed(room, timezone.now())
        return room


# --- Bans ----------------------------------------------------------------------------------------------


def _is_banned(participant: ShowParticipant, show: Show) -> bool:
    if participant.user_id is None or participant.user_id == show.seller_id:
        return False
    return ban_in_force(user_id=participant.user_id, seller_id=show.seller_id, show_id=show.pk) is not None


def video_participant_remove(*, show_id: int, identity: str) -> bool:
    """Disconnect one participant from the show's room, if they are banned from it; True when removed."""
    if not livekit_enabled():
        return False
    gateway = video_gateway()
    with transaction.atomic():
        participant = (
            ShowParticipant.objects.select_for_update(of=("self",))
            .select_related("show")
            .filter(show_id=show_id, identity=identity)
            .first()
        )
        if participant is None or not _is_banned(participant, participant.show):
            return False
        gateway.participant_remove(room=video_room_name(show_id), identity=identity)
        if participant.left_at is None:
            participant.left_at = timezone.now()
            participant.is_publisher = False
            participant.save(update_fields=["left_at", "is_publisher"])
        return True


def video_participants_banned(*, user_id: int) -> list[tuple[int, str]]:
    """(show id, identity) of each connection of `user_id` to a room on air they are now banned from."""
    present = ShowParticipant.objects.present().filter(user_id=user_id).select_related("show")
    return [(p.show_id, p.identity) for p in present if p.show.is_on_air and _is_banned(p, p.show)]


# --- Webhooks ------------------------------------------------------------------------------------------


def _event_time(event: api.WebhookEvent) -> datetime:
    return datetime.fromtimestamp(event.created_at, tz=UTC) if event.created_at else timezone.now()


def video_webhook_receive(*, body: str, authorization: str) -> tuple[VideoWebhookEvent, bool]:
    """Verify one delivery and apply its event once; the stored event and whether it was new.

    A missing, forged or expired token, or a body other than the one signed, raises WebhookRejected
    (401) and stores nothing. The same event delivered again (LiveKit retries) finds its row and
    changes nothing. The event is applied in the transaction that stores it, so it is applied
    exactly when it is stored.
    """
    event = video_gateway().webhook_receive(body=body, authorization=authorization)
    # LiveKit numbers every event; one without an id is told apart by its signed body.
    event_id = event.id or "sha256:" + hashlib.sha256(body.encode()).hexdigest()
    with transaction.atomic():
        stored, created = VideoWebhookEvent.objects.get_or_create(
            event_id=event_id,
            defaults={
                "type": event.event[:60],
                "room_name": event.room.name[:64],
                "payload": MessageToDict(event),
                "created_at": _event_time(event),
            },
        )
        if created:
            _event_apply(event)
    return stored, created


def _event_apply(event: api.WebhookEvent) -> None:
    show_id = video_room_show_id(event.room.name)
    if show_id is None or not Show.objects.filter(pk=show_id).exists():
        return
    at = _event_time(event)
    kind = event.event
    # LiveKit gives each session of a room its own sid: once a session finished, nothing that
    # happened in it (delivered late) opens the room or puts anyone back in it.
    if kind != "room_finished" and _session_finished(show_id, event.room.sid):
        return
    if kind == "room_started":
        _room_started(show_id, sid=event.room.sid, at=at)
    elif kind == "room_finished":
        _room_finished(show_id, sid=event.room.sid, at=at)
    elif kind == "participant_joined":
        _participant_seen(show_id, event.participant, at=at, present=True)
    elif kind in ("participant_left", "participant_connection_aborted"):
        _participant_seen(show_id, event.participant, at=at, present=False)
    elif kind in ("track_published", "track_unpublished"):
        _participant_seen(show_id, event.participant, at=at, present=True, publishing=kind == "track_published")


def _session_finished(show_id: int, sid: str) -> bool:
    return bool(sid) and VideoRoom.objects.filter(show_id=show_id, sid=sid, state=VideoRoomState.CLOSED).exists()


def _room_started(show_id: int, *, sid: str, at: datetime) -> None:
    from ..tasks import video_room_close_task

    room = _room_lock(show_id)
    if not room.show.is_on_air:
        # Someone joined with a token taken before the show ended, and LiveKit made the room anew.
        transaction.on_commit(lambda: video_room_close_task.delay(show_id), robust=True)
        return
    if room.sid != sid and room.opened_at is not None and at < room.opened_at:
        return  # The start of an earlier session, delivered after a newer one opened.
    _room_opened(room, sid=sid, at=at)


def _room_finished(show_id: int, *, sid: str, at: datetime) -> None:
    room = _room_lock(show_id)
    if room.sid and sid and room.sid != sid:
        return  # The end of an earlier session of the room, delivered after the show went live again.
    room.sid = room.sid or sid
    if room.state != VideoRoomState.CLOSED:
        _room_closed(room, at)
    if room.show.is_on_air:
        # LiveKit closes a room only after it stayed empty (ROOM_*_TIMEOUT): the host and everyone
        # else are gone, so the show is over. Ended, not failed: the host may still restart it.
        show_end(actor=None, show_id=show_id)


def _participant_seen(
    show_id: int, info: api.ParticipantInfo, *, at: datetime, present: bool, publishing: bool | None = None
) -> None:
    from ..tasks import video_participant_remove_task

    if not info.identity:
        return
    participant, _ = ShowParticipant.objects.select_for_update().get_or_create(
        show_id=show_id,
        identity=info.identity[:64],
        defaults={"user_id": _existing_user_id(info.identity), "joined_at": at, "sid": info.sid[:64]},
    )
    if participant.event_at is not None and at < participant.event_at:
        return  # Delivered after a newer event of the same participant.
    participant.event_at = at
    participant.sid = info.sid[:64] or participant.sid
    if present:
        if participant.left_at is not None:
            participant.joined_at = at
        participant.left_at = None
        participant.is_publisher = info.is_publisher if publishing is None else (publishing or info.is_publisher)
    else:
        participant.left_at = at
        participant.is_publisher = False
    participant.save()
    if present and _is_banned(participant, Show.objects.get(pk=show_id)):
        identity = participant.identity
        transaction.on_commit(lambda: video_participant_remove_task.delay(show_id, identity), robust=True)


def _existing_user_id(identity: str) -> int | None:
    from django.contrib.auth import get_user_model

    user_id = identity_user_id(identity)
    if user_id is None or not get_user_model().objects.filter(pk=user_id).exists():
        return None
    return user_id


# --- Reconcile -----------------------------------------------------------------------------------------


@dataclass
class ReconcileResult:
    rooms_listed: int = 0
    rooms_opened: int = 0
    rooms_closed: int = 0
    rooms_created: int = 0
    shows_ended: int = 0
    participants_joined: int = 0
    participants_left: int = 0
    participants_removed: int = 0
    errors: list[str] = field(default_factory=list)


def _room_sync(
    show_id: int, *, sid: str, remote: list[VideoParticipantInfo], at: datetime, result: ReconcileResult
) -> list[str]:
    """Make the copy of one listed room equal to what the room service answered; the identities to
    remove (banned)."""
    with transaction.atomic():
        room = _room_lock(show_id)
        if _room_opened(room, sid=sid, at=at):
            result.rooms_opened += 1
        by_identity = {p.identity: p for p in remote}
        local = {p.identity: p for p in ShowParticipant.objects.select_for_update().filter(show_id=show_id)}
        gone = [p.pk for identity, p in local.items() if p.left_at is None and identity not in by_identity]
        result.participants_left += ShowParticipant.objects.filter(pk__in=gone).update(
            left_at=at, is_publisher=False, event_at=at
        )
        banned = []
        for identity, info in by_identity.items():
            participant = local.get(identity)
            if participant is None:
                participant = ShowParticipant.objects.create(
                    show_id=show_id,
                    identity=identity[:64],
                    user_id=_existing_user_id(identity),
                    sid=info.sid[:64],
                    joined_at=at,
                )
                result.participants_joined += 1
            elif participant.left_at is not None:
                participant.left_at = None
                participant.joined_at = at
                result.participants_joined += 1
            participant.sid = info.sid[:64]
            participant.is_publisher = info.is_publisher
            participant.event_at = at
            participant.save()
            if _is_banned(participant, room.show):
                banned.append(identity)
        return banned


def _room_gone(room_id: int, *, listed_at: datetime, result: ReconcileResult) -> None:
    with transaction.atomic():
        room = VideoRoom.objects.select_for_update(of=("self",)).select_related("show").get(pk=room_id)
        # Opened after the list was taken (a task created it meanwhile): not gone, just not listed yet.
        if room.state != VideoRoomState.OPEN or (room.opened_at and room.opened_at >= listed_at):
            return
        _room_closed(room, listed_at)
        result.rooms_closed += 1
        if room.show.is_on_air:
            show_end(actor=None, show_id=room.show_id)
            result.shows_ended += 1


def video_rooms_reconcile() -> ReconcileResult:
    """Make Tokshop's copy of every show's room equal to the room service's: rooms and who is in
    them, rooms of shows no longer on air deleted, shows on air whose room is gone ended, rooms
    that should exist created, banned participants removed. What webhooks lost is made good here."""
    result = ReconcileResult()
    if not livekit_enabled():
        return result
    gateway = video_gateway()
    listed_at = timezone.now()
    remote_rooms = {room.name: room for room in gateway.room_list() if video_room_show_id(room.name) is not None}
    result.rooms_listed = len(remote_rooms)
    listed_show_ids = [show_id for name in remote_rooms if (show_id := video_room_show_id(name)) is not None]
    on_air = set(Show.objects.on_air().filter(pk__in=listed_show_ids).values_list("pk", flat=True))
    # One room the service fails on is retried on the next run; it does not hold up the others.
    for name, info in remote_rooms.items():
        show_id = video_room_show_id(name)
        assert show_id is not None
        try:
            if show_id not in on_air:
                _room_delete_off_air(gateway, name=name, show_id=show_id, result=result)
                continue
            remote = gateway.participant_list(room=name)
            banned = _room_sync(show_id, sid=info.sid, remote=remote, at=timezone.now(), result=result)
            for identity in banned:
                if video_participant_remove(show_id=show_id, identity=identity):
                    result.participants_removed += 1
        except VideoServiceError as error:
            result.errors.append(f"{name}: {error.message}")
    missing = VideoRoom.objects.filter(state=VideoRoomState.OPEN).exclude(name__in=list(remote_rooms))
    for room_id in missing.values_list("pk", flat=True):
        _room_gone(room_id, listed_at=listed_at, result=result)
    # Shows on air whose room was never made (its task lost, or video switched on meanwhile).
    unopened = Show.objects.on_air().exclude(video_room__state=VideoRoomState.OPEN)
    for show_id in unopened.values_list("pk", flat=True):
        try:
            video_room_open(show_id=show_id)
            result.rooms_created += 1
        except VideoServiceError as error:
            result.errors.append(f"{video_room_name(show_id)}: {error.message}")
    if result.errors:
        logger.warning("Video reconcile: %s room(s) failed: %s", len(result.errors), "; ".join(result.errors))
    return result


def _room_delete_off_air(gateway: VideoGateway, *, name: str, show_id: int, result: ReconcileResult) -> None:
    gateway.room_delete(name=name)
    now = timezone.now()
    with transaction.atomic():
        room = VideoRoom.objects.select_for_update().filter(show_id=show_id).first()
        if room is not None and room.state != VideoRoomState.CLOSED:
            _room_closed(room, now)
        # Participants are known even of a room Tokshop never recorded (its room_started was lost).
        result.participants_left += _participants_leave(show_id, now)
    result.rooms_closed += 1
