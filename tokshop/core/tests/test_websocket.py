"""The production server's WebSocket protocol, on a real uvicorn server and a real client."""

import asyncio
import contextlib
import socket
import time
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from tokshop.core.websocket import (
    FRAMES,
    READ_AHEAD,
    RECEIVED_AT,
    UNHANDLED,
    TokshopWebSocketProtocol,
    text_frame,
)


class EchoApp:
    """Accepts, answers every text message with its receipt stamp through the frame writer, and
    keeps what it saw."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.writer: Any = None
        self.gone = asyncio.Event()
        self.reading = asyncio.Event()
        self.reading.set()
        self.asks = 0
        self.asked = asyncio.Event()

    async def ask(self, receive: Any) -> dict[str, Any]:
        self.asks += 1
        self.asked.set()
        message: dict[str, Any] = await receive()
        return message

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        self.writer = scope["extensions"][FRAMES]["write"]
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while await self.reading.wait() and (message := await self.ask(receive))["type"] == "websocket.receive":
            self.received.append(message)
            assert self.writer(text_frame(f"stamped {message[RECEIVED_AT]}")) is True
        self.gone.set()


@pytest.fixture
async def served():
    app = EchoApp()
    config = uvicorn.Config(app, ws=TokshopWebSocketProtocol, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    # Listening already: a client may connect before the server takes its first connection.
    listening = socket.create_server(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[listening]))
    yield app, f"ws://127.0.0.1:{listening.getsockname()[1]}/"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    listening.close()


async def test_messages_carry_the_time_they_were_read_and_frames_written_whole_reach_the_client(served):
    app, url = served
    async with connect(url) as client:
        before = int(time.time() * 1000)
        await client.send('{"type":"bid.place"}')
        answer = await asyncio.wait_for(client.recv(), 5)
        after = int(time.time() * 1000)

    stamp = app.received[0][RECEIVED_AT]
    assert before <= stamp <= after
    assert answer == f"stamped {stamp}"
    assert app.received[0]["text"] == '{"type":"bid.place"}'


async def test_a_socket_is_read_ahead_of_a_busy_app_so_each_message_is_timed_as_it_comes(served):
    app, url = served
    app.reading.clear()
    async with connect(url) as client:
        sent = []
        for n in range(READ_AHEAD):
            sent.append(int(time.time() * 1000))
            await client.send(f"bid {n}")
            await asyncio.sleep(0.03)
        app.reading.set()
        for _ in range(READ_AHEAD):
            await asyncio.wait_for(client.recv(), 5)

    stamps = [message[RECEIVED_AT] for message in app.received]
    assert [message["text"] for message in app.received] == [f"bid {n}" for n in range(READ_AHEAD)]
    # Each stamped when it came (within 20 ms), not when the app got round to it (all at once).
    assert all(0 <= stamp - at < 20 for stamp, at in zip(stamps, sent, strict=True))


async def asked(app: "EchoApp", count: int) -> None:
    """Until the app has asked for its `count`-th message: done with the one before."""
    async with asyncio.timeout(5):
        while app.asks < count:
            app.asked.clear()
            await app.asked.wait()


async def answered(client: Any, text: str) -> None:
    await client.send(text)
    await asyncio.wait_for(client.recv(), 5)


def all_handled_before(stamp: int) -> bool:
    # With nothing unhandled the mark is now, a millisecond or more past any stamp already read.
    time.sleep(0.002)
    return UNHANDLED.handled_through() > stamp


async def test_a_message_is_unhandled_from_its_read_until_the_app_asks_for_the_next_or_leaves(served):
    app, url = served
    async with connect(url) as client:
        await answered(client, "first")
        await asked(app, 2)
        assert all_handled_before(app.received[0][RECEIVED_AT])

        app.reading.clear()
        await answered(client, "second")
        await client.send("third")
        # Its pong comes once the server has read all before it.
        await asyncio.wait_for(await client.ping(), 5)
        # The app holds the second (it has not asked for more) and the third waits in the queue.
        assert UNHANDLED.handled_through() == app.received[1][RECEIVED_AT]

        app.reading.set()
        await asyncio.wait_for(client.recv(), 5)
        await asked(app, 4)
        assert all_handled_before(app.received[2][RECEIVED_AT])

        app.reading.clear()
        await answered(client, "fourth")
        assert UNHANDLED.handled_through() == app.received[3][RECEIVED_AT]
    # The client leaves while the app holds a message; the app then ends, and with it the count.
    app.reading.set()
    await asyncio.wait_for(app.gone.wait(), 5)
    assert all_handled_before(app.received[3][RECEIVED_AT])


async def test_a_full_socket_and_a_closed_one_are_written_nothing(served):
    app, url = served
    async with connect(url) as client:
        await client.send("hello")
        await asyncio.wait_for(client.recv(), 5)
        protocol = app.writer.__self__
        protocol.pause_writing()
        assert app.writer(text_frame("held back")) is False
        protocol.resume_writing()
    await asyncio.wait_for(app.gone.wait(), 5)

    # Gone: nothing to write, and nothing to hold back for later either.
    assert app.writer(text_frame("too late")) is True


def test_a_frame_is_encoded_once_as_the_server_sends_it():
    assert text_frame("hi") == b"\x81\x02hi"
    long = "x" * 300
    assert text_frame(long) == b"\x81\x7e\x01\x2c" + long.encode()
