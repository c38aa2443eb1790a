"""Opening live room sockets in tests, as a browser does (session cookie, same-site Origin)."""

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from conftest import ORIGIN, communicator


@database_sync_to_async
def session_cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def room_socket(show_id: int, user: Any = None, query: str = "") -> WebsocketCommunicator:
    """A connected socket to the show's room (anonymous when `user` is None)."""
    headers = [ORIGIN] if user is None else [ORIGIN, await session_cookie(user)]
    socket = communicator(f"/ws/shows/{show_id}/{query}", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


async def closed_with(socket: WebsocketCommunicator) -> tuple[int, str]:
    """The close code and reason the server closed the socket with."""
    message = await socket.receive_output(timeout=2)
    assert message["type"] == "websocket.close", message
    await socket.disconnect()
    return message["code"], message.get("reason", "")


async def receive_type(socket: WebsocketCommunicator, type_: str, wait: float = 2) -> dict[str, Any]:
    """The next frame of `type_`, skipping others (presence counts and tallies arrive at any time)."""
    while True:
        message = await socket.receive_json_from(timeout=wait)
        if message["type"] == type_:
            return message


@database_sync_to_async
def make(factory: Any, **kwargs: Any) -> Any:
    """A factory's object, made from async test code."""
    return factory(**kwargs)


async def joined(show: Any, user: Any = None, query: str = "") -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """A socket in the show's room and the snapshot it started from."""
    socket = await room_socket(show.pk, user, query)
    return socket, await receive_type(socket, "room.snapshot")


async def ask(socket: WebsocketCommunicator, type_: str, **fields: Any) -> None:
    """Send a client message whose `ref` is its type, so its reply or error is easy to find."""
    await socket.send_json_to({"type": type_, "ref": type_, **fields})


async def error_of(socket: WebsocketCommunicator, ref: str) -> dict[str, Any]:
    """The next `error` frame, which must answer `ref`."""
    error = await receive_type(socket, "error")
    assert error["ref"] == ref
    return error
