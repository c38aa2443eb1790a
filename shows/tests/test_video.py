"""A show's video: the LiveKit room follows the show, tokens grant exactly what each person may do
(S7), webhooks are verified and applied once (S8), and the reconcile job repairs lost webhooks (R16).
The real SDK talks to a local fake of the room service (livekit_fake.py)."""

import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from livekit import api
from livekit.api.access_token import Claims
from rest_framework.test import APIClient

from moderation.models import SanctionKind, SanctionScope
from moderation.services.moderators import seller_moderator_appoint
from moderation.services.sanctions import sanction_impose
from shows.livekit import LiveKitGateway, VideoServiceError, livekit_enabled
from shows.models import Show, ShowParticipant, ShowStatus, VideoRoom, VideoRoomState, VideoWebhookEvent, Visibility
from shows.selectors_room import room_enter, room_snapshot
from shows.services.lifecycle import show_end, show_go_live, show_restart
from shows.services.video import VIDEO_TOKEN_TTL, video_room_open, video_rooms_reconcile
from shows.tasks import video_room_open_task, video_rooms_reconcile_task
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ShowFactory
from .livekit_fake import API_KEY, API_SECRET, FakeRoomService, fake_livekit, livekit_server, signed_webhook

__all__ = ["fake_livekit", "livekit_server"]

pytestmark = pytest.mark.django_db


def token_url(show_id: int) -> str:
    return reverse("api:show-video-token", kwargs={"show_id": show_id})


def webhook_url() -> str:
    return reverse("shows:livekit_webhook")


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def go_live(show: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        show_go_live(actor=show.seller, show_id=show.pk)


def deliver(event: api.WebhookEvent, **signing: Any) -> Any:
    body, token = signed_webhook(event, **signing)
    return APIClient().post(webhook_url(), body, content_type="application/webhook+json", HTTP_AUTHORIZATION=token)


# --- The room follows the show -----------------------------------------------------------------------


def test_the_room_opens_when_the_show_goes_live_and_closes_when_it_ends(
    fake_livekit, django_capture_on_commit_callbacks
):
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)

    room = VideoRoom.objects.get(show=show)
    assert room.name == f"show-{show.pk}"
    assert room.state == VideoRoomState.OPEN
    assert room.sid == fake_livekit.rooms[room.name].sid
    create = fake_livekit.calls[0][1]
    assert isinstance(create, api.CreateRoomRequest)
    assert (create.name, create.empty_timeout, create.departure_timeout) == (room.name, 600, 120)

    with django_capture_on_commit_callbacks(execute=True):
        show_end(actor=show.seller, show_id=show.pk)

    room.refresh_from_db()
    assert room.state == VideoRoomState.CLOSED
    assert room.name not in fake_livekit.rooms
    assert fake_livekit.methods() == ["CreateRoom", "DeleteRoom"]

    with django_capture_on_commit_callbacks(execute=True):
        show_restart(actor=show.seller, show_id=show.pk)
    room.refresh_from_db()
    assert room.state == VideoRoomState.OPEN
    assert room.sid == fake_livekit.rooms[room.name].sid


def test_without_livekit_nothing_is_called_and_the_snapshot_says_so(livekit_server, django_capture_on_commit_callbacks):
    livekit_server.reset()
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)

    assert livekit_server.calls == []
    assert not VideoRoom.objects.exists()
    _, viewer = room_enter(user=UserFactory(), show_id=show.pk)
    assert room_snapshot(show_id=show.pk, viewer=viewer)["video"] == {"enabled": False}


def test_the_snapshot_shows_the_room_and_whether_the_host_is_on_camera(
    fake_livekit, django_capture_on_commit_callbacks
):
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)
    _, viewer = room_enter(user=UserFactory(), show_id=show.pk)
    name = f"show-{show.pk}"

    assert room_snapshot(show_id=show.pk, viewer=viewer)["video"] == {
        "enabled": True,
        "room": name,
        "open": True,
        "publishing": False,
    }
    fake_livekit.join(name, f"user-{show.seller_id}-aa", publish=True)
    for event in fake_livekit.events:
        assert deliver(event).status_code == 200
    assert room_snapshot(show_id=show.pk, viewer=viewer)["video"]["publishing"] is True


def test_a_failing_room_service_is_retried_by_the_task(fake_livekit):
    show = ShowFactory(live=True)
    fake_livekit.fail_next = 1

    # Run inline without raising, as a worker would: the retry runs as the task's next attempt.
    result = video_room_open_task.apply(args=(show.pk,), throw=False)

    assert result.get() == VideoRoomState.OPEN
    assert fake_livekit.methods() == ["CreateRoom"]  # the refused call did nothing
    assert VideoRoom.objects.get(show=show).state == VideoRoomState.OPEN


def test_a_refused_call_changes_nothing(fake_livekit):
    show = ShowFactory(live=True)
    fake_livekit.fail_next = 1

    with pytest.raises(VideoServiceError):
        video_room_open(show_id=show.pk)

    assert fake_livekit.rooms == {}
    assert not VideoRoom.objects.filter(state=VideoRoomState.OPEN).exists()


def test_a_show_that_is_not_on_air_gets_no_room(fake_livekit):
    show = ShowFactory()
    video_room_open(show_id=show.pk)
    assert fake_livekit.calls == []


# --- Tokens (S7) ---------------------------------------------------------------------------------------


def grants_of(answer: dict[str, Any]) -> tuple[Claims, int]:
    """The token's claims as LiveKit reads them, and how many seconds it stays valid."""
    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(answer["token"])
    exp = jwt.decode(answer["token"], API_SECRET, algorithms=["HS256"], issuer=API_KEY)["exp"]
    return claims, exp - int(datetime.now(tz=UTC).timestamp())


def assert_watch_only(answer: dict[str, Any], room: str) -> None:
    claims, ttl = grants_of(answer)
    video = claims.video
    assert video is not None
    assert (video.room_join, video.room, video.can_subscribe) == (True, room, True)
    assert (video.can_publish, video.can_publish_data, video.can_publish_sources) == (False, False, None)
    assert not video.room_create
    assert not video.room_admin
    assert not video.room_list
    assert not video.room_record
    assert not video.can_update_own_metadata
    assert not video.hidden
    assert not video.recorder
    assert claims.identity == answer["identity"]
    assert answer["can_publish"] is False
    assert answer["room"] == room
    assert 0 < ttl <= 600


def test_tokens_grant_exactly_what_each_person_may_do(fake_livekit):
    show = ShowFactory(live=True)
    room = f"show-{show.pk}"
    viewer, moderator, banned = UserFactory(), UserFactory(), UserFactory()
    other_seller = SellerProfileFactory().user
    seller_moderator_appoint(seller=show.seller, moderator=moderator)
    sanction_impose(
        actor=show.seller,
        user=banned,
        kind=SanctionKind.BAN,
        reason="spam",
        scope=SanctionScope.SELLER,
        seller=show.seller,
    )

    host_answer = client_for(show.seller).post(token_url(show.pk), {}, format="json")
    assert host_answer.status_code == 200
    claims, ttl = grants_of(host_answer.json())
    assert claims.video is not None
    assert (claims.video.room_join, claims.video.room, claims.video.can_subscribe) == (True, room, True)
    assert claims.video.can_publish is True
    assert claims.video.can_publish_sources == ["camera", "microphone"]
    assert claims.video.can_publish_data is False
    assert not claims.video.room_admin
    assert not claims.video.room_create
    assert 0 < ttl <= VIDEO_TOKEN_TTL.total_seconds()
    assert host_answer.json()["can_publish"] is True
    assert host_answer.json()["url"] == fake_livekit.url
    assert claims.identity.startswith(f"user-{show.seller_id}-")

    for person in (viewer, moderator, other_seller, None):
        answer = client_for(person).post(token_url(show.pk), {}, format="json")
        assert answer.status_code == 200, answer.json()
        assert_watch_only(answer.json(), room)
    # Every token carries its own identity: one person on two devices is not cut off.
    first, second = (client_for(viewer).post(token_url(show.pk)).json()["identity"] for _ in range(2))
    assert first != second
    assert first.startswith(f"user-{viewer.pk}-")

    refused = client_for(banned).post(token_url(show.pk), {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "banned")


def test_private_and_followers_only_shows_refuse_a_token_to_outsiders(fake_livekit):
    private = ShowFactory(live=True, visibility=Visibility.PRIVATE)
    followers = ShowFactory(live=True, visibility=Visibility.FOLLOWERS)
    stranger = SellerProfileFactory().user

    assert client_for(stranger).post(token_url(private.pk)).json()["code"] == "not_invited"
    wrong = client_for(stranger).post(token_url(private.pk), {"key": "nope"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "not_invited")
    refused = client_for(stranger).post(token_url(followers.pk))
    assert (refused.status_code, refused.json()["code"]) == (403, "followers_only")
    invited = client_for(stranger).post(token_url(private.pk), {"key": private.private_token}, format="json")
    assert invited.status_code == 200
    assert_watch_only(invited.json(), f"show-{private.pk}")


def test_a_token_needs_the_show_on_air_and_video_configured(fake_livekit, settings):
    scheduled = ShowFactory()
    ended = ShowFactory(status=ShowStatus.ENDED, started_at=datetime.now(tz=UTC), ended_at=datetime.now(tz=UTC))
    for show in (scheduled, ended):
        answer = client_for(show.seller).post(token_url(show.pk))
        assert (answer.status_code, answer.json()["code"]) == (409, "show_not_on_air")
    assert client_for().post(token_url(999_999)).status_code == 404
    bad = client_for().post(token_url(scheduled.pk), {"can_publish": True}, format="json")
    assert bad.status_code == 400

    settings.LIVEKIT_URL = settings.LIVEKIT_API_KEY = settings.LIVEKIT_API_SECRET = ""
    live = ShowFactory(live=True)
    answer = client_for(live.seller).post(token_url(live.pk))
    assert (answer.status_code, answer.json()["code"]) == (409, "video_unavailable")
    assert "without video" in answer.json()["message"]


# --- Webhooks (S8) -------------------------------------------------------------------------------------


def a_join_event(show_id: int, identity: str) -> api.WebhookEvent:
    event = api.WebhookEvent(event="participant_joined", id="EV_join", created_at=int(datetime.now(tz=UTC).timestamp()))
    event.room.name, event.room.sid = f"show-{show_id}", "RM_1"
    event.participant.identity, event.participant.sid = identity, "PA_1"
    return event


def test_webhook_authentication_accepts_only_a_valid_signature(fake_livekit):
    show = ShowFactory(live=True)
    viewer = UserFactory()
    event = a_join_event(show.pk, f"user-{viewer.pk}-ab")
    body, token = signed_webhook(event)
    other_body, _ = signed_webhook(a_join_event(show.pk, "guest-evil"))
    _, expired = signed_webhook(event, ttl=timedelta(minutes=-5))
    _, forged = signed_webhook(event, secret="not-the-secret-of-this-site-but-long-enough")
    post = APIClient().post
    headers: dict[str, Any] = {"content_type": "application/webhook+json"}

    answers = [
        post(webhook_url(), other_body, HTTP_AUTHORIZATION=token, **headers),  # tampered body
        post(webhook_url(), body, HTTP_AUTHORIZATION=forged, **headers),  # wrong secret
        post(webhook_url(), body, HTTP_AUTHORIZATION=expired, **headers),  # expired
        post(webhook_url(), body, **headers),  # missing
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    assert {a.json()["code"] for a in answers} == {"bad_signature"}
    assert not VideoWebhookEvent.objects.exists()
    assert not ShowParticipant.objects.exists()

    accepted = post(webhook_url(), body, HTTP_AUTHORIZATION=token, **headers)
    assert accepted.status_code == 200
    assert accepted.json() == {"received": True, "duplicate": False}
    participant = ShowParticipant.objects.get()
    assert (participant.identity, participant.user_id, participant.left_at) == (f"user-{viewer.pk}-ab", viewer.pk, None)

    # The same delivery again (LiveKit retries), even after the participant left: nothing changes.
    ShowParticipant.objects.update(left_at=datetime.now(tz=UTC))
    before = list(ShowParticipant.objects.values())
    replay = post(webhook_url(), body, HTTP_AUTHORIZATION="Bearer " + token, **headers)
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    assert list(ShowParticipant.objects.values()) == before
    assert VideoWebhookEvent.objects.count() == 1


def test_the_webhook_is_not_there_without_livekit(settings):
    settings.LIVEKIT_URL = settings.LIVEKIT_API_KEY = settings.LIVEKIT_API_SECRET = ""
    body, token = signed_webhook(a_join_event(1, "guest-x"))
    answer = APIClient().post(webhook_url(), body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert answer.status_code == 404


def test_webhooks_keep_the_participants_and_end_a_show_whose_room_finished(
    fake_livekit, django_capture_on_commit_callbacks
):
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)
    name = f"show-{show.pk}"
    viewer = UserFactory()
    fake_livekit.join(name, f"user-{show.seller_id}-h1", publish=True)
    fake_livekit.join(name, f"user-{viewer.pk}-v1")
    fake_livekit.join(name, "guest-g1")
    fake_livekit.leave(name, "guest-g1")
    for event in fake_livekit.events:
        assert deliver(event).status_code == 200

    present = {p.identity: p for p in ShowParticipant.objects.filter(show=show).present()}
    assert set(present) == {f"user-{show.seller_id}-h1", f"user-{viewer.pk}-v1"}
    assert present[f"user-{show.seller_id}-h1"].is_publisher
    assert present[f"user-{show.seller_id}-h1"].user == show.seller
    assert not present[f"user-{viewer.pk}-v1"].is_publisher
    assert ShowParticipant.objects.get(identity="guest-g1").left_at is not None

    # A late "finished" of an earlier session of the room changes nothing.
    stale = api.WebhookEvent(event="room_finished", id="EV_stale", created_at=int(datetime.now(tz=UTC).timestamp()))
    stale.room.name, stale.room.sid = name, "RM_earlier"
    deliver(stale)
    show.refresh_from_db()
    assert show.status == ShowStatus.LIVE

    fake_livekit.events.clear()
    fake_livekit.finish(name)
    with django_capture_on_commit_callbacks(execute=True):
        for event in fake_livekit.events:
            assert deliver(event).status_code == 200
    show.refresh_from_db()
    assert show.status == ShowStatus.ENDED
    assert VideoRoom.objects.get(show=show).state == VideoRoomState.CLOSED
    assert not ShowParticipant.objects.filter(show=show).present().exists()


def test_an_older_event_delivered_late_does_not_undo_a_newer_one(fake_livekit):
    show = ShowFactory(live=True)
    now = int(datetime.now(tz=UTC).timestamp())
    joined = a_join_event(show.pk, "guest-late")
    joined.created_at = now - 10
    left = api.WebhookEvent(event="participant_left", id="EV_left", created_at=now)
    left.room.CopyFrom(joined.room)
    left.participant.CopyFrom(joined.participant)

    deliver(left)
    deliver(joined)

    assert ShowParticipant.objects.get(identity="guest-late").left_at is not None


# --- Bans ----------------------------------------------------------------------------------------------


def test_a_ban_removes_the_person_from_the_video_at_once(fake_livekit, django_capture_on_commit_callbacks):
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)
    name = f"show-{show.pk}"
    troll, bystander = UserFactory(), UserFactory()
    fake_livekit.join(name, f"user-{troll.pk}-t1")
    fake_livekit.join(name, f"user-{troll.pk}-t2")
    fake_livekit.join(name, f"user-{bystander.pk}-b1")
    for event in fake_livekit.events:
        deliver(event)

    with django_capture_on_commit_callbacks(execute=True):
        sanction_impose(
            actor=show.seller,
            user=troll,
            kind=SanctionKind.BAN,
            reason="abuse",
            scope=SanctionScope.SHOW,
            seller=show.seller,
            show_id=show.pk,
        )

    assert set(fake_livekit.participants[name]) == {f"user-{bystander.pk}-b1"}
    assert sorted(call.identity for method, call in fake_livekit.calls if method == "RemoveParticipant") == [
        f"user-{troll.pk}-t1",
        f"user-{troll.pk}-t2",
    ]
    assert not ShowParticipant.objects.filter(user=troll).present().exists()

    # A token taken before the ban still lets them in for a moment: the webhook throws them out again.
    fake_livekit.events.clear()
    fake_livekit.join(name, f"user-{troll.pk}-t3")
    with django_capture_on_commit_callbacks(execute=True):
        for event in fake_livekit.events:
            deliver(event)
    assert f"user-{troll.pk}-t3" not in fake_livekit.participants[name]


def test_a_mute_or_a_ban_elsewhere_removes_nobody(fake_livekit, django_capture_on_commit_callbacks):
    show = ShowFactory()
    go_live(show, django_capture_on_commit_callbacks)
    name = f"show-{show.pk}"
    viewer = UserFactory()
    fake_livekit.join(name, f"user-{viewer.pk}-v1")
    for event in fake_livekit.events:
        deliver(event)
    elsewhere = SellerProfileFactory().user

    with django_capture_on_commit_callbacks(execute=True):
        sanction_impose(
            actor=show.seller,
            user=viewer,
            kind=SanctionKind.MUTE,
            reason="caps",
            scope=SanctionScope.SELLER,
            seller=show.seller,
        )
        sanction_impose(
            actor=elsewhere,
            user=viewer,
            kind=SanctionKind.BAN,
            reason="spam",
            scope=SanctionScope.SELLER,
            seller=elsewhere,
        )

    assert set(fake_livekit.participants[name]) == {f"user-{viewer.pk}-v1"}
    assert "RemoveParticipant" not in fake_livekit.methods()


# --- Reconcile (R16) -----------------------------------------------------------------------------------


def local_state() -> tuple[dict[str, str], dict[str, set[tuple[str, bool]]]]:
    rooms = {r.name: r.sid for r in VideoRoom.objects.filter(state=VideoRoomState.OPEN)}
    participants: dict[str, set[tuple[str, bool]]] = {name: set() for name in rooms}
    for p in ShowParticipant.objects.present():
        participants.setdefault(f"show-{p.show_id}", set()).add((p.identity, p.is_publisher))
    return rooms, participants


def remote_state(fake: FakeRoomService) -> tuple[dict[str, str], dict[str, set[tuple[str, bool]]]]:
    rooms = {name: room.sid for name, room in fake.rooms.items()}
    participants = {
        name: {(identity, info.is_publisher) for identity, info in present.items()}
        for name, present in fake.participants.items()
    }
    return rooms, participants


@pytest.mark.parametrize("seed", [16, 17, 18])
def test_after_losing_30_percent_of_webhooks_one_reconcile_makes_the_rooms_equal(
    seed, fake_livekit, django_capture_on_commit_callbacks
):
    chance = random.Random(seed)
    shows = [ShowFactory() for _ in range(12)]
    viewers = [UserFactory() for _ in range(8)]
    for show in shows:
        go_live(show, django_capture_on_commit_callbacks)
    fake_livekit.events.clear()  # the go-live CreateRoom calls were answered directly
    for index, show in enumerate(shows):
        name = f"show-{show.pk}"
        fake_livekit.join(name, f"user-{show.seller_id}-host", publish=True)
        for viewer in chance.sample(viewers, 5):
            fake_livekit.join(name, f"user-{viewer.pk}-{index}")
        for identity in chance.sample(sorted(fake_livekit.participants[name]), 2):
            fake_livekit.leave(name, identity)
        if index % 3 == 0:
            fake_livekit.finish(name)  # everyone gone, LiveKit closed the room
    # A room of a show that ended long ago, made again by a late joiner with an old token.
    ended = ShowFactory(status=ShowStatus.ENDED, started_at=datetime.now(tz=UTC), ended_at=datetime.now(tz=UTC))
    fake_livekit.join(f"show-{ended.pk}", "guest-late")

    delivered = dropped = 0
    with django_capture_on_commit_callbacks(execute=True):
        for event in list(fake_livekit.events):
            if chance.random() < 0.3:
                dropped += 1
                continue
            assert deliver(event).status_code == 200
            delivered += 1
    assert dropped > 0.2 * (delivered + dropped)
    assert local_state() != remote_state(fake_livekit)  # the lost webhooks left the copy wrong

    with django_capture_on_commit_callbacks(execute=True):
        result = video_rooms_reconcile()

    assert result.errors == []
    assert local_state() == remote_state(fake_livekit)
    finished = {show.pk for index, show in enumerate(shows) if index % 3 == 0}
    for show in shows:
        show.refresh_from_db()
        assert show.status == (ShowStatus.ENDED if show.pk in finished else ShowStatus.LIVE)
        assert (f"show-{show.pk}" in fake_livekit.rooms) == show.is_on_air
    assert f"show-{ended.pk}" not in fake_livekit.rooms
    stuck = [s.pk for s in type(shows[0]).objects.on_air() if f"show-{s.pk}" not in fake_livekit.rooms]
    assert stuck == []

    # A second run finds nothing to do.
    again = video_rooms_reconcile()
    assert (again.rooms_opened, again.rooms_closed, again.shows_ended) == (0, 0, 0)
    assert (again.participants_joined, again.participants_left, again.participants_removed) == (0, 0, 0)


def test_reconcile_creates_a_room_that_was_never_made_and_removes_banned_participants(
    fake_livekit,
):
    show = ShowFactory(live=True)  # its go-live task was lost
    banned = UserFactory()
    sanction_impose(actor=None, user=banned, kind=SanctionKind.BAN, reason="spam", scope=SanctionScope.GLOBAL)

    first = video_rooms_reconcile()
    assert first.rooms_created == 1
    name = f"show-{show.pk}"
    assert name in fake_livekit.rooms

    fake_livekit.join(name, f"user-{banned.pk}-x")
    second = video_rooms_reconcile()
    assert second.participants_removed == 1
    assert fake_livekit.participants[name] == {}
    assert not ShowParticipant.objects.present().exists()


def test_reconcile_leaves_a_room_alone_when_the_service_fails_on_it(fake_livekit):
    show = ShowFactory(live=True)
    video_room_open(show_id=show.pk)
    fake_livekit.fail_next = 1
    with pytest.raises(VideoServiceError):
        video_rooms_reconcile()
    show.refresh_from_db()
    assert show.status == ShowStatus.LIVE
    assert VideoRoom.objects.get(show=show).state == VideoRoomState.OPEN


def test_the_gateway_answers_a_missing_room_as_gone(fake_livekit):
    gateway = LiveKitGateway(url=fake_livekit.url, api_key=API_KEY, api_secret=API_SECRET, timeout=5)
    assert gateway.room_delete(name="show-0") is False
    assert gateway.participant_list(room="show-0") == []
    assert gateway.participant_remove(room="show-0", identity="guest-x") is False


# --- Configuration -------------------------------------------------------------------------------------


def test_half_a_livekit_configuration_refuses_to_start(settings):
    settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET = "wss://video.example.com", "", ""
    with pytest.raises(ImproperlyConfigured, match="LIVEKIT_API_KEY, LIVEKIT_API_SECRET"):
        livekit_enabled()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tokshop.settings.test", "LIVEKIT_URL": "wss://video.example.com"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "LiveKit needs LIVEKIT_API_KEY, LIVEKIT_API_SECRET as well" in result.stderr


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("", ["'self'"]),
        ("wss://video.example.com", ["'self'", "wss://video.example.com", "https://video.example.com"]),
    ],
)
def test_pages_may_reach_the_livekit_host_only_while_video_is_on(url, allowed):
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])"
    keys = {"LIVEKIT_URL": url, "LIVEKIT_API_KEY": url and API_KEY, "LIVEKIT_API_SECRET": url and API_SECRET}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tokshop.settings.test", **keys}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == repr(allowed)


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_apply_it_once(fake_livekit):
    show = ShowFactory(live=True)
    viewer = UserFactory()
    body, token = signed_webhook(a_join_event(show.pk, f"user-{viewer.pk}-cc"))
    start = threading.Barrier(4)
    answers: list[dict[str, Any]] = []

    def deliver_once() -> None:
        try:
            start.wait()
            response = APIClient().post(
                webhook_url(), body, content_type="application/webhook+json", HTTP_AUTHORIZATION=token
            )
            answers.append(response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(answer["duplicate"] for answer in answers) == [False, True, True, True]
    assert VideoWebhookEvent.objects.count() == 1
    assert list(ShowParticipant.objects.values_list("identity", "user_id")) == [(f"user-{viewer.pk}-cc", viewer.pk)]


def test_the_reconcile_job_runs_every_minute_from_the_one_schedule(fake_livekit):
    from tokshop.celery import app

    entry = app.conf.beat_schedule["shows.video_rooms_reconcile"]
    assert entry["task"] == video_rooms_reconcile_task.name
    assert entry["schedule"].remaining_estimate(datetime.now(tz=UTC)) <= timedelta(minutes=1)
    show = ShowFactory(live=True)
    assert video_rooms_reconcile_task.delay().get()["rooms_listed"] == 0
    assert f"show-{show.pk}" in fake_livekit.rooms


@pytest.mark.django_db(transaction=True)
def test_a_show_that_ends_while_its_room_is_being_made_ends_up_without_one(fake_livekit):
    show = ShowFactory(live=True)
    fake_livekit.delay = 0.5
    opening = threading.Event()
    moments: dict[str, float] = {}

    def open_room() -> None:
        try:
            opening.set()
            video_room_open(show_id=show.pk)
            moments["opened"] = time.monotonic()
        finally:
            connection.close()

    def end_show() -> None:
        # The host ends the show while the open call holds the room's lock, waiting on the slow
        # service; the show_ended receiver's close task (run inline here) waits for that lock.
        try:
            opening.wait(5)
            time.sleep(0.1)
            show_end(actor=show.seller, show_id=show.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_room), threading.Thread(target=end_show)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while "ended" not in moments and time.monotonic() < deadline:
        if Show.objects.filter(pk=show.pk, status=ShowStatus.ENDED).exists():
            moments["ended"] = time.monotonic()
        time.sleep(0.01)
    for thread in threads:
        thread.join(30)

    # The show ended before the room service answered: only the room's row was locked, not the show's ...
    assert moments["ended"] < moments["opened"]
    # ... and the close waited for the open, then deleted what it made: no room outlives the show.
    assert fake_livekit.methods() == ["CreateRoom", "DeleteRoom"]
    assert fake_livekit.rooms == {}
    assert VideoRoom.objects.get(show=show).state == VideoRoomState.CLOSED


def test_events_of_a_finished_session_delivered_late_change_nothing(fake_livekit):
    show = ShowFactory(live=True)
    name = f"show-{show.pk}"
    fake_livekit.join(name, "guest-early")
    fake_livekit.finish(name)
    started, joined, left, finished = fake_livekit.events

    assert deliver(finished).status_code == 200
    for late in (started, joined):
        assert deliver(late).status_code == 200

    room = VideoRoom.objects.get(show=show)
    assert (room.state, room.sid) == (VideoRoomState.CLOSED, finished.room.sid)
    assert not ShowParticipant.objects.present().exists()
    assert deliver(left).status_code == 200
    show.refresh_from_db()
    assert show.status == ShowStatus.ENDED
