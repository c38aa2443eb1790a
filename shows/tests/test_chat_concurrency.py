"""Concurrency claims of the chat and the room, with real concurrent database and Redis connections."""

import threading

import pytest
from django.db import connection

from moderation.tests.factories import TrustedUserFactory
from shows.models import ChatMessage
from shows.roomstate import now_ms, room_state
from shows.services.chat import chat_post

from .factories import ShowFactory

pytestmark = pytest.mark.django_db(transaction=True)


def together(count, work):
    """Run `work(n)` on `count` threads released at once; returns their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            barrier.wait()
            results[n] = work(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_frame_sent_on_four_connections_at_once_is_one_message():
    show = ShowFactory(live=True)
    sender = TrustedUserFactory()

    posted = together(4, lambda n: chat_post(sender=sender, show_id=show.pk, text="Same frame", ref="r-1"))

    assert len({p.message.pk for p in posted}) == 1
    assert ChatMessage.objects.filter(show=show).count() == 1


def test_the_room_limit_holds_when_viewers_join_at_once():
    state = room_state()
    expires = now_ms() + 60_000

    joined = together(12, lambda n: state.join(99, f"socket-{n}", f"viewer-{n}", expires, 5, False))

    assert joined.count(True) == 5
    assert state.counts(99).current == 5
