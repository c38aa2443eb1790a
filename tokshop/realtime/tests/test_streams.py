"""Sequenced streams and the per-process hub, on the real Redis."""

import asyncio
import gc
import json

import pytest

from tokshop.realtime.envelope import seq_of
from tokshop.realtime.hub import Delivery, MemoryHub, RedisHub, close_hub, get_hub
from tokshop.realtime.streams import MemoryBackend, RedisBackend, backend, publish, publish_to_user


class Recorder:
    def __init__(self) -> None:
        self.frames: list[tuple[int, dict]] = []
        self.addressed: list[dict] = []
        self.resyncs = 0
        self.received = asyncio.Event()
        self.resynced = asyncio.Event()

    def deliver(self, delivery: Delivery) -> None:
        assert delivery.message == {"type": "websocket.send", "text": delivery.text}
        self.frames.append((delivery.seq, json.loads(delivery.text)))
        self.received.set()

    def deliver_addressed(self, text: str) -> None:
        self.addressed.append(json.loads(text))
        self.received.set()

    def resync(self) -> None:
        self.resyncs += 1
        self.resynced.set()


async def wait_for(recorder: Recorder, count: int, *, addressed: bool = False) -> None:
    async with asyncio.timeout(2):
        while len(recorder.addressed if addressed else recorder.frames) < count:
            recorder.received.clear()
            await recorder.received.wait()


@pytest.fixture
async def hub():
    yield get_hub()
    await close_hub()


async def test_events_are_numbered_per_stream_and_reach_subscribers(hub):
    first, second = Recorder(), Recorder()
    await hub.subscribe("show.1", first)
    await hub.subscribe("show.1", second)
    await hub.subscribe("show.2", Recorder())

    # From worker threads and from the event loop, on one numbering.
    seqs = [await asyncio.to_thread(publish, "show.1", "chat.posted", {"n": i}) for i in range(2)]
    seqs.append(await hub.publish("show.1", "chat.posted", {"n": 2}))
    other = await asyncio.to_thread(publish, "show.2", "chat.posted", {})
    await wait_for(first, 3)
    await wait_for(second, 3)

    assert seqs == [1, 2, 3]
    assert other == 1
    assert [(seq, frame["type"], frame["n"]) for seq, frame in first.frames] == [
        (1, "chat.posted", 0),
        (2, "chat.posted", 1),
        (3, "chat.posted", 2),
    ]
    assert second.frames == first.frames
    assert all(isinstance(frame["ts"], int) for _, frame in first.frames)


class Broken(Recorder):
    def deliver(self, delivery: Delivery) -> None:
        raise ConnectionResetError("the socket is gone")


async def test_a_listener_that_cannot_be_written_to_is_dropped(hub, caplog):
    healthy, broken = Recorder(), Broken()
    await hub.subscribe("show.3", broken)
    await hub.subscribe("show.3", healthy)

    await asyncio.to_thread(publish, "show.3", "chat.posted", {})
    await wait_for(healthy, 1)

    assert hub.listeners["show.3"] == {healthy}
    await hub.unsubscribe("show.3", healthy)
    assert "show.3" not in hub.listeners
    assert "dropping the listener" in caplog.text


async def test_unsubscribed_listeners_hear_nothing(hub):
    recorder = Recorder()
    await hub.subscribe("show.1", recorder)
    await hub.unsubscribe("show.1", recorder)

    await asyncio.to_thread(publish, "show.1", "chat.posted", {})
    await asyncio.sleep(0.2)

    assert recorder.frames == []
    assert "show.1" not in hub.listeners


async def test_an_event_addressed_to_a_user_reaches_their_listeners_on_that_stream_alone(hub):
    mine, my_other, theirs, my_elsewhere, anonymous = (Recorder() for _ in range(5))
    await hub.subscribe("show.20", mine, user_id=7)
    await hub.subscribe("show.20", my_other, user_id=7)
    await hub.subscribe("show.20", theirs, user_id=8)
    await hub.subscribe("show.20", anonymous)
    await hub.subscribe("show.21", my_elsewhere, user_id=7)

    # From a worker thread and from the event loop; the numbered event after them, on the same
    # channel, arrives after them.
    await asyncio.to_thread(publish_to_user, "show.20", 7, "bid.outbid", {"price_cents": 300})
    await hub.publish_to_user("show.20", 7, "bid.outbid", {"price_cents": 400})
    await wait_for(my_other, 2, addressed=True)
    await hub.unsubscribe("show.20", my_other)
    await hub.publish_to_user("show.20", 7, "bid.outbid", {"price_cents": 500})
    seq = await asyncio.to_thread(publish, "show.20", "chat.posted", {})
    await wait_for(mine, 1)
    await wait_for(anonymous, 1)

    assert [(f["type"], f["price_cents"]) for f in mine.addressed] == [
        ("bid.outbid", 300),
        ("bid.outbid", 400),
        ("bid.outbid", 500),
    ]
    assert all("seq" not in f for f in mine.addressed)
    assert [f["price_cents"] for f in my_other.addressed] == [300, 400]
    assert theirs.addressed == my_elsewhere.addressed == anonymous.addressed == []
    # Addressed events take no number: everyone's stream goes on without a gap.
    assert seq == 1
    assert [s for s, _ in theirs.frames] == [1]


async def test_catch_up_returns_exactly_the_missed_events(hub):
    for i in range(5):
        await asyncio.to_thread(publish, "show.9", "chat.posted", {"n": i})

    missed = await hub.since("show.9", 2)

    assert [seq_of(frame) for frame in missed] == [3, 4, 5]
    assert await hub.since("show.9", 5) == []
    assert await hub.last_seq("show.9") == 5
    # Asking from the future means the stream was reset: the client needs a snapshot.
    assert await hub.since("show.9", 6) is None


async def test_catch_up_past_the_kept_window_asks_for_a_snapshot(settings):
    store = RedisBackend(settings.REDIS_URL, max_connections=4, prefix="trim-test", length=10)
    for i in range(200):
        store.publish("s", f'{{"type":"x","n":{i}}}')
    hub = RedisHub(store)
    try:
        assert await hub.since("s", 1) is None
        recent = await hub.since("s", 195)
        assert [seq_of(f) for f in recent] == [196, 197, 198, 199, 200]
    finally:
        await hub.close()
        store.sync_client.connection_pool.disconnect()


async def test_the_hub_resyncs_listeners_after_losing_redis(hub):
    recorder = Recorder()
    await hub.subscribe("show.5", recorder)
    await asyncio.to_thread(publish, "show.5", "chat.posted", {})
    await wait_for(recorder, 1)

    # Cut the subscription's connection the way a Redis restart would.
    assert isinstance(hub, RedisHub)
    await hub._pubsub.connection.disconnect()
    async with asyncio.timeout(5):
        await recorder.resynced.wait()
    await asyncio.to_thread(publish, "show.5", "chat.posted", {})
    await wait_for(recorder, 2)

    assert [seq for seq, _ in recorder.frames] == [1, 2]


async def test_listeners_joining_a_fresh_hub_at_the_same_moment_all_hear_the_stream(hub):
    # Sockets reconnecting to a restarted server all join at once: the reader must not start
    # reading before the first subscription is made.
    failures: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: failures.append(context))
    first, second = Recorder(), Recorder()
    await asyncio.gather(hub.subscribe("show.6", first), hub.subscribe("show.6", second))
    await asyncio.to_thread(publish, "show.6", "chat.posted", {})
    await wait_for(first, 1)
    await wait_for(second, 1)
    # A reader that died is reported once it is collected.
    gc.collect()

    assert [seq for seq, _ in first.frames] == [seq for seq, _ in second.frames] == [1]
    assert failures == []


async def test_the_embedded_hub_delivers_in_order_from_other_threads():
    store = MemoryBackend(length=100)
    hub = MemoryHub(store)
    recorder = Recorder()
    try:
        await hub.subscribe("user.1", recorder)
        await asyncio.gather(*(asyncio.to_thread(store.publish, "user.1", '{"type":"x"}') for _ in range(20)))
        assert await hub.publish("user.1", "x", {}) == 21
        await wait_for(recorder, 21)
        assert sorted(seq for seq, _ in recorder.frames) == list(range(1, 22))
        assert [seq_of(f) for f in await hub.since("user.1", 16)] == [17, 18, 19, 20, 21]
        assert await hub.since("user.1", 26) is None
    finally:
        await hub.close()
    assert store.subscribers == []


def test_the_configured_backend_is_redis():
    assert isinstance(backend(), RedisBackend)


@pytest.mark.parametrize("path", ["asgi", "frames"])
async def test_a_socket_that_cannot_take_frames_does_not_hold_up_the_hub(hub, path):
    """Through plain ASGI (a send that would wait) and through our server's frame writer (which
    says it would)."""
    from tokshop.notifications.consumers import NotificationConsumer

    never = asyncio.Event()

    async def full_buffer(message):
        await never.wait()

    def full_writer(wire: bytes) -> bool:
        assert wire.startswith(b"\x81")  # one final text frame
        return False

    caught_up = []

    async def send(text_data):
        caught_up.append(seq_of(text_data))

    slow = NotificationConsumer()
    slow.server_send, slow.send = full_buffer, send
    slow.write_frame = full_writer if path == "frames" else None
    slow.stream, slow.last_seq, slow._syncing, slow._pending, slow._catch_up_task = "user.7", 0, False, [], None
    healthy = Recorder()
    await hub.subscribe("user.7", slow)
    await hub.subscribe("user.7", healthy)

    for _ in range(3):
        await asyncio.to_thread(publish, "user.7", "notification.created", {})
    await wait_for(healthy, 3)

    # The stalled socket did not delay the others; its own task sent it everything, in order.
    assert slow._catch_up_task is not None
    await asyncio.wait_for(slow._catch_up_task, 2)
    assert caught_up == [1, 2, 3]
    assert slow.last_seq == 3
    await hub.unsubscribe("user.7", slow)


async def test_a_big_stream_is_written_a_slice_at_a_time(hub):
    from tokshop.realtime.hub import SLICE

    recorders = [Recorder() for _ in range(SLICE * 3)]
    for recorder in recorders:
        await hub.subscribe("show.12", recorder)
    seen_between: set[int] = set()

    async def watch() -> None:
        # Another task of the process, running whenever the hub lets the loop go.
        while (written := sum(len(r.frames) for r in recorders)) < len(recorders):
            seen_between.add(written)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    await asyncio.to_thread(publish, "show.12", "bid.placed", {})
    await asyncio.wait_for(watcher, 2)

    assert {SLICE, 2 * SLICE} <= seen_between
    assert all(len(r.frames) == 1 for r in recorders)


async def test_sockets_that_leave_during_a_fan_out_are_skipped(hub, caplog):
    from tokshop.realtime.hub import SLICE

    recorders = [Recorder() for _ in range(SLICE * 2)]
    gone: list[Recorder] = []

    class Closer(Recorder):
        def deliver(self, delivery: Delivery) -> None:
            super().deliver(delivery)
            if not gone:
                gone.extend(r for r in recorders if not r.frames)
                for recorder in gone:
                    hub.listeners["show.13"].discard(recorder)

    closer = Closer()
    for listener in [*recorders, closer]:
        await hub.subscribe("show.13", listener)
    await asyncio.to_thread(publish, "show.13", "bid.placed", {})
    await wait_for(closer, 1)
    await asyncio.sleep(0.05)

    assert all(len(r.frames) == (0 if r in gone else 1) for r in recorders)
    assert "dropping the listener" not in caplog.text
