"""Concurrency claims of the chat and the room, with real concurrent database and Redis connections."""

import pytest

from moderation.tests.factories import TrustedUserFactory
from shows.models import ChatMessage
from shows.roomstate import now_ms, room_state
from shows.services.chat import chat_post
from tests.concurrency import at_once

from .factories import ShowFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_frame_sent_on_four_connections_at_once_is_one_message():
    show = ShowFactory(live=True)
    sender = TrustedUserFactory()

    posted = at_once([lambda: chat_post(sender=sender, show_id=show.pk, text="Same frame", ref="r-1")] * 4)

    assert len({p.message.pk for p in posted}) == 1
    assert ChatMessage.objects.filter(show=show).count() == 1


def test_the_room_limit_holds_when_viewers_join_at_once():
    state = room_state()
    expires = now_ms() + 60_000

    joined = at_once([lambda n=n: state.join(99, f"socket-{n}", f"viewer-{n}", expires, 5, False) for n in range(12)])

    assert joined.count(True) == 5
    assert state.counts(99).current == 5
