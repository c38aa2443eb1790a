"""The room's fast state behaves the same on Redis and in memory (the embedded default)."""

import time

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from shows.roomstate import MemoryRoomState, RedisRoomState, now_ms
from shows.selectors_room import RoomViewer
from tokshop.realtime.streams import RedisBackend, backend


@pytest.fixture(params=["memory", "redis"])
def state(request):
    if request.param == "memory":
        return MemoryRoomState()
    store = backend()
    assert isinstance(store, RedisBackend)
    return RedisRoomState(store)


def test_presence_limits_viewers_but_not_staff_and_drops_silent_sockets(state):
    later = now_ms() + 60_000
    assert state.join(1, "a", "u1", later, 2, False)
    assert state.join(1, "b", "u1", later, 2, False)
    assert not state.join(1, "c", "u2", later, 2, False)
    assert state.join(1, "host", "u9", later, 2, True)
    assert state.join(1, "a", "u1", later, 2, False), "a socket already in is never refused"
    counts = state.counts(1)
    assert (counts.current, counts.peak, counts.unique) == (3, 3, 2)

    state.heartbeat(1, "a", now_ms() + 20)
    state.leave(1, "host")
    time.sleep(0.05)
    counts = state.counts(1)
    assert (counts.current, counts.peak, counts.unique) == (1, 3, 2)
    state.heartbeat(1, "a", later)
    assert state.counts(1).current == 1, "a dropped socket's late beat does not count it again"
    assert state.counts(2).current == 0


def test_claims_reactions_typing_and_the_last_published_value(state):
    assert state.claim(1, "reactions", 1000)
    assert not state.claim(1, "reactions", 1000)
    assert state.claim(2, "reactions", 1000)
    state.release(1, "reactions")
    assert state.claim(1, "reactions", 1000)

    for emoji in ("heart", "heart", "fire"):
        state.reaction_add(1, emoji)
    assert state.reactions(1) == {"heart": 2, "fire": 1}

    soon = now_ms() + 30
    state.typing(1, "7:Tess", soon)
    state.typing(1, "8:Sam", now_ms() + 60_000)
    names, first = state.typing_names(1)
    assert (names, first) == (["7:Tess", "8:Sam"], soon)
    time.sleep(0.05)
    assert state.typing_names(1)[0] == ["8:Sam"]

    assert state.swap_published(1, "count", "[1]") is None
    assert state.swap_published(1, "count", "[2]") == "[1]"


@pytest.mark.django_db
@pytest.mark.parametrize("can_moderate", [False, True])
def test_the_partials_render_for_viewers_and_staff(can_moderate):
    from .factories import ShowFactory

    show = ShowFactory(live=True, chat_enabled=False)
    viewer = RoomViewer(user_id=show.seller_id, display_name="Host", is_host=can_moderate, can_moderate=can_moderate)
    request = RequestFactory().get(f"/shows/{show.pk}/")
    context = {"show": show, "viewer": viewer}

    chat = render_to_string("shows/room/_chat.html", context, request=request)
    console = render_to_string("shows/console/_moderation.html", context, request=request)
    stats = render_to_string("shows/console/_stats.html", context, request=request)

    assert "data-chat-list" in chat
    assert ("data-can-moderate" in chat) is can_moderate
    assert ("data-chat-composer hidden" in chat) is not can_moderate
    assert ("data-viewers-peak" in chat) is can_moderate
    assert "data-held-queue" in console
    assert 'data-stat="revenue_cents"' in stats
