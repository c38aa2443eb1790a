"""The production web server: uvicorn, one process per CPU, each on a listening socket of its own.

uvicorn's `--workers` shares one listening socket among its processes, and a process woken by a
new connection accepts every connection waiting (libuv accepts until the backlog is empty). With
32 keep-alive clients connecting at once we measured 30 connections landing on one process and 2
on the other: one CPU did nearly all the work and the p99 latency doubled. Here every process binds
the port itself with SO_REUSEPORT, so the kernel spreads new connections over the processes.

Run as `python -m tokshop.core.webserver APP --host H --port P --workers N` (what
`manage.py serve` starts). The parent only supervises: when a process dies the others are stopped
and the server exits non-zero, for the process manager to restart it whole.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import sys
from collections.abc import Sequence
from multiprocessing.connection import wait
from types import FrameType

import uvicorn

from .websocket import TokshopWebSocketProtocol

# One frame over this is refused by the server itself; the sockets' own limit is far below it.
WS_MAX_SIZE = 64 * 1024


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes of this server may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_one(app: str, host: str, port: int) -> None:
    """One server process: uvloop and httptools, uvicorn's sans-I/O WebSocket protocol with our
    receipt stamps and pre-encoded frames (`websocket`), no per-message deflate (it costs CPU and
    memory per frame for little gain on small JSON frames); request logs come from our own
    middleware, and X-Forwarded-* are trusted from FORWARDED_ALLOW_IPS only."""
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        ws=TokshopWebSocketProtocol,
        ws_per_message_deflate=False,
        ws_max_size=WS_MAX_SIZE,
        lifespan="off",
        access_log=False,
        proxy_headers=True,
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve(app: str, host: str, port: int, workers: int) -> int:
    """Run `workers` server processes until a signal stops them or one of them dies."""
    # Bound once here first, so a port taken by another program fails at once with a clear error.
    listening_socket(host, port).close()
    if workers == 1:
        serve_one(app, host, port)
        return 0
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=serve_one, args=(app, host, port), name=f"web-{n + 1}") for n in range(workers)]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.start()
    wait([process.sentinel for process in processes])
    died = not stopping
    stop(signal.SIGTERM, None)
    for process in processes:
        process.join()
    if died:
        print("a web server process exited; stopped the others", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Tokshop's ASGI application with uvicorn.")
    parser.add_argument("app", help="the ASGI application, as module:attribute")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    return serve(args.app, args.host, args.port, max(1, args.workers))


if __name__ == "__main__":
    sys.exit(main())
