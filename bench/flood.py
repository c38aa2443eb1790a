"""S3 of QUALITY.md: a flooding client is throttled while everyone else keeps being served.

One production web server (as `manage.py serve` runs it), `--viewers` well-behaved clients on
`ws/notifications/`, each sending a `ping` every `--interval` seconds and timing the `pong`. The
same clients are measured twice in one run: first alone (the baseline), then while `--flooders`
hostile clients send pings as fast as their sockets take them, reconnecting whenever the server
disconnects them. Figures (ratio = with flooders / alone):

* ``flood_others_p95`` and ``flood_others_p99``: ping → pong of the well-behaved clients, ms;
* ``flood_others_answered``: % of their pings answered;
* ``flood_accepted_per_s``: frames per second the server answered per flooder, against the
  per-socket rate (its baseline): disconnecting a flooder must not let it reconnect for a fresh burst;
* ``flood_disconnects``: times the flooders were closed with code 4008 (after flooding, or on
  reconnecting during the cool-off).

    .venv/bin/python -m bench.flood [--viewers 50] [--flooders 5] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from websockets.typing import Origin

from bench.fanout import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    RESULTS,
    SETTINGS,
    cleanup,
    figure,
    free_port,
    log,
    percentile,
    prepare,
    raise_fd_limit,
    start_server,
)

FLOODING = 4008
FLOODER_EMAIL = "bench-flooder@example.com"


@dataclass
class Phase:
    rtts_ms: list[float] = field(default_factory=list)
    sent: int = 0
    flood_answered: int = 0
    flood_disconnects: int = 0


async def polite(url: str, origin: str, cookie: str, interval: float, until: float, phase: Phase) -> None:
    async with websockets.connect(url, origin=Origin(origin), additional_headers={"Cookie": cookie}) as socket:
        await socket.recv()  # the snapshot
        pending: dict[str, float] = {}

        async def read() -> None:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "pong" and message.get("ref") in pending:
                    phase.rtts_ms.append((time.perf_counter() - pending.pop(message["ref"])) * 1000)

        reader = asyncio.create_task(read())
        n = 0
        while time.perf_counter() < until:
            ref = f"p{id(socket)}-{n}"
            n += 1
            pending[ref] = time.perf_counter()
            phase.sent += 1
            await socket.send(json.dumps({"type": "ping", "ref": ref}))
            await asyncio.sleep(interval)
        await asyncio.sleep(0.5)  # the last answers
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def flooder(url: str, origin: str, cookie: str, until: float, phase: Phase) -> None:
    frame = json.dumps({"type": "ping"})
    while time.perf_counter() < until:
        try:
            async with websockets.connect(url, origin=Origin(origin), additional_headers={"Cookie": cookie}) as socket:

                async def drain(socket: Any = socket) -> None:
                    async for raw in socket:
                        if json.loads(raw).get("type") == "pong":
                            phase.flood_answered += 1

                reader = asyncio.create_task(drain())
                try:
                    while time.perf_counter() < until:
                        for _ in range(10):
                            await socket.send(frame)
                        # send() returns at once while the buffer has room; yield so replies and the
                        # server's close are read at all.
                        await asyncio.sleep(0)
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                        await reader
        except websockets.ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == FLOODING:
                phase.flood_disconnects += 1
            await asyncio.sleep(0.05)


def flood_process(address: str, cookie: str, flooders: int, seconds: float, results: Any) -> None:
    """The flooders, in a process of their own: a client sending flat out would otherwise starve
    the polite clients' event loop and measure itself instead of the server."""
    phase = Phase()
    url, origin = f"ws://{address}/ws/notifications/", f"http://{address}"
    until = time.perf_counter() + seconds

    async def run() -> None:
        await asyncio.gather(*(flooder(url, origin, cookie, until, phase) for _ in range(flooders)))

    asyncio.run(run())
    results.put((phase.flood_answered, phase.flood_disconnects))


def flooder_cookie() -> str:
    """The flooders sign in as an account of their own: what one user does must not cost another."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(email=FLOODER_EMAIL, defaults={"display_name": "Flooder"})
    browser = Client()
    browser.force_login(user)
    return f"sessionid={browser.cookies['sessionid'].value}"


async def run_phase(args: argparse.Namespace, address: str, cookie: str, flooders: int, flooders_cookie: str) -> Phase:
    phase = Phase()
    url, origin = f"ws://{address}/ws/notifications/", f"http://{address}"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = None
    if flooders:
        process = context.Process(
            target=flood_process, args=(address, flooders_cookie, flooders, args.seconds, results)
        )
        process.start()
        await asyncio.sleep(1)  # the flood is under way before the measurement starts
    until = time.perf_counter() + args.seconds - (1 if flooders else 0)
    await asyncio.gather(*(polite(url, origin, cookie, args.interval, until, phase) for _ in range(args.viewers)))
    if process is not None:
        phase.flood_answered, phase.flood_disconnects = await asyncio.to_thread(results.get, True, 60)
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    return phase


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--flooders", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between a polite client's pings")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--output", type=Path, default=RESULTS / "flood.json")
    args = parser.parse_args(argv)
    raise_fd_limit()

    with cleanup():
        setup = prepare(args.database_url, args.redis_url, SETTINGS)
        from django.conf import settings

        port = free_port()
        server = argparse.Namespace(server="uvicorn", asgi="tokshop.asgi:application")
        start_server("tokshop", port, setup, "flood-tokshop", server)
        cookie = f"sessionid={setup.session}"
        address = f"127.0.0.1:{port}"
        log(f"{args.viewers} clients alone for {args.seconds:.0f} s …")
        alone = asyncio.run(run_phase(args, address, cookie, 0, ""))
        log(f"… and with {args.flooders} flooders")
        flooded = asyncio.run(run_phase(args, address, cookie, args.flooders, flooder_cookie()))

    alone_rtts, flooded_rtts = sorted(alone.rtts_ms), sorted(flooded.rtts_ms)
    rate = float(settings.REALTIME["FRAME_RATE"])
    figures = [
        figure("flood_others_p95", percentile(flooded_rtts, 95), "ms", percentile(alone_rtts, 95), 1),
        figure("flood_others_p99", percentile(flooded_rtts, 99), "ms", percentile(alone_rtts, 99), 1),
        figure(
            "flood_others_answered",
            100 * len(flooded_rtts) / max(flooded.sent, 1),
            "%",
            100 * len(alone_rtts) / max(alone.sent, 1),
            2,
        ),
        figure(
            "flood_accepted_per_s",
            flooded.flood_answered / args.seconds / max(args.flooders, 1),
            "/s",
            rate,
            1,
        ),
        figure("flood_disconnects", float(flooded.flood_disconnects), "closes", None, 0),
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "flood",
                "quality_lines": ["S3"],
                "parameters": vars(args) | {"output": str(args.output)},
                "figures": figures,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
