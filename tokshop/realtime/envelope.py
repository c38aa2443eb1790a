"""The message envelope every server-to-client frame uses."""

import json
import time
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def server_time_ms() -> int:
    return int(time.time() * 1000)


def envelope_body(type_: str, payload: dict[str, Any]) -> str:
    """The JSON of an event without its `seq`, which the stream assigns when it is published.

    `ts` is the server's clock in milliseconds, so pages can correct their own clock's offset.
    """
    return json.dumps({"type": type_, "ts": server_time_ms(), **payload}, cls=DjangoJSONEncoder, separators=(",", ":"))


def with_seq(body: str, seq: int) -> str:
    """Put `seq` first, so a listener can read it without parsing the whole frame."""
    return '{"seq":' + str(seq) + "," + body[1:]


def seq_of(frame: str) -> int:
    return int(frame[7 : frame.index(",", 7)])


# A stream's pub/sub channel also carries events for one user's sockets on it: "@<user id> <frame>".
ADDRESSED = "@"


def addressed(user_id: int, body: str) -> str:
    return f"{ADDRESSED}{user_id} {body}"


def addressee(message: str) -> tuple[int, str]:
    """The user an addressed message is for, and its frame."""
    head, _, body = message.partition(" ")
    return int(head[1:]), body


def frame(type_: str, **payload: Any) -> str:
    """A frame outside any stream (snapshots, replies, errors)."""
    return envelope_body(type_, payload)
