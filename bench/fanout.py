"""P1 and P2 of QUALITY.md: one stream fanned out to N WebSocket viewers on one server process.

For every N the same run measures two servers, each a process of its own on 127.0.0.1:

* ``raw`` (the baseline): a bare ``websockets`` server subscribed to the stream's Redis channel that
  ``broadcast()``s each event to all its clients;
* ``tokshop``: the production web server (uvicorn, ``--server daphne`` for daphne) serving
  ``tokshop.asgi:application``; every viewer opens the live room socket ``ws/shows/<id>/`` of one
  public show on air, signed in as the same user, so all of them follow the show's stream
  ``show.<id>`` through the per-process hub (``tokshop/realtime/hub.py``).

Both receive the very same frames: this process publishes them with
``tokshop.realtime.streams.publish`` (Lua INCR + XADD + PUBLISH), ``rate`` per second for ``seconds``.
Viewers run in one or more client processes (``--client-procs``) and record, for every event,
receive time minus ``sent_at``. An event not received within ``--drain`` seconds of the last publish
counts as lost. Memory per idle viewer (P2) is the server's RSS with N viewers connected minus its
RSS after one warm-up connection, divided by N.

Usage::

    .venv/bin/python -m bench.fanout --viewers 100,1000,3000 --seconds 10 --rate 20

Prints one line per figure, ``name: value unit (baseline: value, ratio: x)``, progress on stderr,
and writes ``bench/results/fanout.json``. The database (``tokshop_bench``) and Redis db 3 are the
benchmark's own; it creates and migrates the database itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench._viewers import TICK, ClientJob, ClientResult, client_worker
from tokshop.core.management.commands.serve import web_command

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"
BIN = Path(sys.executable).parent

SETTINGS = "tokshop.settings.test"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tokshop_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
# Every key the benchmark's servers make starts with this, so a run can clear the last one's.
KEY_PREFIX = "tokshop-bench"
BENCH_EMAIL = "bench-fanout@example.com"
BENCH_HOST_EMAIL = "bench-fanout-host@example.com"
WARMUP_EVENTS = 5
# Hard bounds, so a wedged server or client ends the run instead of hanging it.
SERVER_START_TIMEOUT = 30.0
CONNECT_PHASE_TIMEOUT = 150.0
RESULT_TIMEOUT = 60.0


# --- small helpers ---------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[fanout] {message}", file=sys.stderr, flush=True)


def raise_fd_limit() -> int:
    """Each viewer is a file descriptor on both ends; the default soft limit is often 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its threads included)."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may contain spaces; the fields we want follow its closing parenthesis.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used (from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def server_environment(database_url: str, redis_url: str, settings: str) -> dict[str, str]:
    """What the benchmark process and the server it starts must both see."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": KEY_PREFIX,
        "PYTHONUNBUFFERED": "1",
    }


# --- process bookkeeping: everything started is stopped, also on Ctrl-C and errors ----------------
_servers: list[subprocess.Popen[bytes]] = []
_workers: list[multiprocessing.process.BaseProcess] = []


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            # daphne waits for open sockets to close on SIGTERM; thousands of them are not worth it.
            process.kill()
            process.wait(timeout=5)
    if process in _servers:
        _servers.remove(process)


def stop_worker(worker: multiprocessing.process.BaseProcess) -> None:
    worker.join(timeout=5)
    if worker.is_alive():
        worker.terminate()
        worker.join(timeout=5)
    if worker.is_alive():
        worker.kill()
        worker.join(timeout=5)
    if worker in _workers:
        _workers.remove(worker)


def stop_everything() -> None:
    for worker in list(_workers):
        stop_worker(worker)
    for process in list(_servers):
        stop_process(process)


def _terminate(signum: int, _frame: Any) -> None:
    # Turn SIGINT and SIGTERM into one unwinding, so the finally blocks stop the children.
    raise KeyboardInterrupt(f"signal {signum}")


# --- the baseline server ---------------------------------------------------------------------------
async def raw_server(port: int, redis_url: str, channel: str) -> None:
    """A bare broadcast server fed the way the hub is: one Redis subscription, every client sent
    each message as it arrives."""
    import redis.asyncio as aioredis
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    clients: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            clients.discard(connection)

    client = aioredis.Redis.from_url(redis_url, decode_responses=True, max_connections=4)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    # No per-message deflate, as daphne: both servers send the same bytes.
    async with serve(handler, "127.0.0.1", port, compression=None):
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None and message["type"] == "message":
                broadcast(clients, message["data"])


# --- one measured run --------------------------------------------------------------------------------
@dataclass
class Setup:
    env: dict[str, str]
    # The socket Tokshop's viewers open.
    path: str
    stream: str
    channel: str
    session: str
    redis_url: str


@dataclass
class RunResult:
    kind: str
    viewers: int
    events: int
    connected: int
    connect_failures: dict[str, int]
    connect_seconds: float
    delivered: int
    expected: int
    delivered_fraction: float
    duplicates: int
    closed_early: int
    incomplete_viewers: int
    missing_histogram: dict[str, int]
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    deliveries_per_s: float
    publish_seconds: float
    rss_idle_kib: int
    rss_connected_kib: int
    memory_per_viewer_kib: float
    server_cpu_percent: float
    clients_cpu_percent: float
    # CPU used by processes this benchmark did not start, in % of one core: other work on the
    # machine competes with the server and the viewers and makes the figures noisy.
    foreign_cpu_percent: float
    server_cpu_us_per_delivery: float | None
    # Error lines the server logged during the run (until the viewers reported), by kind.
    server_errors: dict[str, int]
    # Error lines the server logged in the 2 s after all viewers disconnected at once.
    disconnect_errors: dict[str, int]
    client: str
    publish_max_ms: float
    # Per event: the median and the slowest viewer's latency (a server stall shows as a run of
    # events whose latency falls by 1/rate each).
    events_detail: list[dict[str, float]]


def start_server(
    kind: str, port: int, setup: Setup, label: str, options: argparse.Namespace
) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    if kind == "tokshop" and options.server == "uvicorn":
        # Exactly as `manage.py serve` runs it in production.
        args = web_command(BIN, "127.0.0.1", port, options.asgi, workers=options.workers)
    elif kind == "tokshop":
        args = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), options.asgi]
    else:
        args = [sys.executable, "-m", "bench.fanout", "--raw-server", str(port), "--channel", setup.channel]
    with (LOGS / f"{label}.log").open("wb") as output:
        # A session of its own: a Ctrl-C in the terminal reaches only us, and we stop it in order.
        process = subprocess.Popen(
            args, cwd=ROOT, env=setup.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    _servers.append(process)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{label} exited with {process.returncode}; see {LOGS / (label + '.log')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return process
        if time.monotonic() > deadline:
            raise RuntimeError(f"{label} did not listen on {port} within {SERVER_START_TIMEOUT:.0f} s")
        time.sleep(0.1)


async def _one_connection(url: str, origin: str, cookie: str | None, expect_snapshot: bool) -> None:
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else None
    async with connect(url, origin=origin, additional_headers=headers, compression=None, proxy=None) as ws:  # type: ignore[arg-type]
        if expect_snapshot:
            await asyncio.wait_for(ws.recv(), 10)


def publish_ticks(stream: str, run_id: str, count: int, rate: float) -> tuple[list[float], float]:
    """Publish `count` events at `rate`/s on an absolute schedule (a slow publish doesn't shift the
    rest); returns each event's `sent_at` and the slowest publish (ms)."""
    from tokshop.realtime.streams import publish

    start = time.monotonic()
    sent: list[float] = []
    slowest = 0.0
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent.append(time.time())
        publish(stream, TICK, {"sent_at": sent[-1], "i": i, "run": run_id})
        slowest = max(slowest, (time.time() - sent[-1]) * 1000)
    return sent, slowest


def count_errors(path: Path) -> dict[str, int]:
    """Tracebacks in a server log, by the exception that ended each (chained causes not counted)."""
    errors: Counter[str] = Counter()
    in_traceback, last = False, ""
    with path.open(errors="replace") as lines:
        for line in lines:
            if line.startswith("Traceback "):
                in_traceback = True
            elif line.startswith(("The above exception", "During handling")) and last:
                errors[last] -= 1  # that one was only the cause of the next
            elif in_traceback and line.strip() and not line.startswith((" ", "\t")):
                last = line.split(":", 1)[0].strip()
                errors[last] += 1
                in_traceback = False
    return {name: count for name, count in errors.items() if count > 0}


def start_profiler(args: argparse.Namespace, pid: int, label: str) -> subprocess.Popen[bytes]:
    """Sample the server with py-spy while the events are published (collapsed stacks, for
    flamegraph.pl or speedscope); `--py-spy` names the binary (pip install py-spy)."""
    output = RESULTS / f"profile-{label}.txt"
    command = [
        args.py_spy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(args.seconds + args.drain)),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    with (LOGS / f"py-spy-{label}.log").open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    _servers.append(process)
    log(f"profiling {label} into {output}")
    return process


def receive(conn: Connection, timeout: float, what: str) -> tuple[Any, ...]:
    if not conn.poll(timeout):
        raise RuntimeError(f"client process gave no {what} within {timeout:.0f} s")
    message = conn.recv()
    if message[0] == "error":
        raise RuntimeError(f"client process failed: {message[1]}")
    return tuple(message)


def run_once(kind: str, viewers: int, args: argparse.Namespace, setup: Setup) -> RunResult:
    port = free_port()
    label = f"{kind}-{viewers}"
    tokshop = kind == "tokshop"
    url = f"ws://127.0.0.1:{port}{setup.path}" if tokshop else f"ws://127.0.0.1:{port}/"
    origin = f"http://127.0.0.1:{port}"
    cookie = setup.session if tokshop else None
    events = int(args.seconds * args.rate)
    run_id = uuid.uuid4().hex[:12]
    server = start_server(kind, port, setup, label, args)
    pipes: list[Connection] = []
    try:
        # One viewer through the whole path first, so lazily built state (hub, pools, imports) is in
        # the idle RSS and not counted as per-viewer memory.
        asyncio.run(_one_connection(url, origin, cookie, tokshop))
        time.sleep(0.5)
        rss_idle = rss_kib(server.pid)

        procs = max(1, min(args.client_procs, viewers))
        context = multiprocessing.get_context("spawn")
        for index in range(procs):
            count = viewers // procs + (1 if index < viewers % procs else 0)
            job = ClientJob(index, url, origin, cookie, count, run_id, events, tokshop, args.client)
            parent_end, child_end = context.Pipe()
            worker = context.Process(target=client_worker, args=(job, child_end), name=f"fanout-clients-{index}")
            worker.start()
            _workers.append(worker)
            child_end.close()
            pipes.append(parent_end)

        connected, failures, connect_seconds = 0, Counter[str](), 0.0
        for pipe in pipes:
            _kind, ok, failed, seconds = receive(pipe, CONNECT_PHASE_TIMEOUT, "connection report")
            connected += ok
            failures.update(failed)
            connect_seconds = max(connect_seconds, seconds)
        log(f"{label}: {connected}/{viewers} viewers connected in {connect_seconds:.1f} s; failures {dict(failures)}")
        time.sleep(1.0)  # let handshake garbage and buffers settle before reading the memory
        rss_connected = rss_kib(server.pid)

        # A few events nobody counts: the first delivery through a path builds some state.
        publish_ticks(setup.stream, "warm-up", WARMUP_EVENTS, args.rate)
        time.sleep(0.5)

        profiler = start_profiler(args, server.pid, label) if kind in args.profile else None
        server_cpu0 = cpu_seconds(server.pid)
        clients_cpu0 = sum(cpu_seconds(w.pid) for w in _workers if w.pid)
        machine0, own0 = machine_busy_seconds(), own_cpu_seconds()
        wall0 = time.monotonic()
        sent, publish_max_ms = publish_ticks(setup.stream, run_id, events, args.rate)
        first_publish, last_publish = sent[0], sent[-1]
        publish_seconds = last_publish - first_publish
        # CPU use over the publishing window only: the drain after it is mostly waiting, and would
        # dilute the figure by as much as the slowest viewer took.
        elapsed, window_end = time.monotonic() - wall0, time.time()
        server_used = cpu_seconds(server.pid) - server_cpu0
        clients_used = sum(cpu_seconds(w.pid) for w in _workers if w.pid) - clients_cpu0
        foreign_used = machine_busy_seconds() - machine0 - server_used - clients_used - (own_cpu_seconds() - own0)
        server_cpu, clients_cpu = server_used / elapsed * 100, clients_used / elapsed * 100
        # Redis works for the benchmark too and counts as foreign here (20 publishes/s: little).
        foreign_cpu = max(0.0, foreign_used / elapsed * 100)
        deadline = last_publish + args.drain
        for pipe in pipes:
            pipe.send(("deadline", deadline))

        totals = ClientResult()
        missing: Counter[str] = Counter()
        latencies, indices = array("d"), array("H")
        first_receive, last_receive = float("inf"), 0.0
        for pipe in pipes:
            _kind, data, raw, raw_indices = receive(pipe, args.drain + RESULT_TIMEOUT, "result")
            part = ClientResult(**data)
            totals.delivered += part.delivered
            totals.duplicates += part.duplicates
            totals.closed_early += part.closed_early
            totals.incomplete += part.incomplete
            missing.update(part.missing_histogram)
            if part.delivered:
                first_receive = min(first_receive, part.first_receive)
                last_receive = max(last_receive, part.last_receive)
            latencies.frombytes(raw)
            indices.frombytes(raw_indices)
        server_errors = count_errors(LOGS / f"{label}.log")
        # Now every viewer leaves at once (the end of a show, a network blip): what that costs the
        # server is counted apart.
        for pipe in pipes:
            pipe.send(("exit",))
        for started in list(_workers):
            stop_worker(started)
        time.sleep(2.0)
        after = Counter(count_errors(LOGS / f"{label}.log"))
        after.subtract(server_errors)
        leave_errors = {name: count for name, count in after.items() if count > 0}
        if profiler is not None:
            # py-spy writes its file when its --duration ends, which is about now.
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(timeout=30)
            stop_process(profiler)
    finally:
        for pipe in pipes:
            pipe.close()
        for started in list(_workers):
            stop_worker(started)
        stop_process(server)

    ordered = sorted(latencies)
    # Server CPU per delivery made within the publishing window (when the server falls behind, what
    # it delivers later was paid for later).
    in_window = sum(1 for i, latency in zip(indices, latencies, strict=True) if sent[i] + latency / 1000 <= window_end)
    # Per event: the median viewer's latency and the last viewer's (how long one fan-out took).
    per_event: list[list[float]] = [[] for _ in range(events)]
    for i, latency in zip(indices, latencies, strict=True):
        per_event[i].append(latency)
    event_stats = [
        {"i": i, "p50_ms": round(percentile(sorted(values), 50) or 0, 2), "max_ms": round(max(values), 2)}
        for i, values in enumerate(per_event)
        if values
    ]
    expected = viewers * events
    # Deliveries per second over the time they actually took: from the first publish to the last
    # receive. With nothing lost and nothing late this is viewers x rate.
    span = max(last_receive - first_publish, publish_seconds, 1e-9) if totals.delivered else 0.0
    return RunResult(
        kind=kind,
        viewers=viewers,
        events=events,
        connected=connected,
        connect_failures=dict(failures),
        connect_seconds=round(connect_seconds, 2),
        delivered=totals.delivered,
        expected=expected,
        delivered_fraction=totals.delivered / expected if expected else 0.0,
        duplicates=totals.duplicates,
        closed_early=totals.closed_early,
        incomplete_viewers=totals.incomplete,
        missing_histogram=dict(sorted(missing.items(), key=lambda item: int(item[0]))),
        p50_ms=percentile(ordered, 50),
        p90_ms=percentile(ordered, 90),
        p99_ms=percentile(ordered, 99),
        max_ms=ordered[-1] if ordered else None,
        deliveries_per_s=totals.delivered / span if span else 0.0,
        publish_seconds=round(publish_seconds, 3),
        rss_idle_kib=rss_idle,
        rss_connected_kib=rss_connected,
        memory_per_viewer_kib=(rss_connected - rss_idle) / viewers,
        server_cpu_percent=round(server_cpu, 1),
        clients_cpu_percent=round(clients_cpu, 1),
        foreign_cpu_percent=round(foreign_cpu, 1),
        server_cpu_us_per_delivery=round(server_used * 1e6 / in_window, 1) if in_window else None,
        server_errors=server_errors,
        disconnect_errors=leave_errors,
        client=args.client,
        publish_max_ms=round(publish_max_ms, 2),
        events_detail=event_stats,
    )


# --- set-up of the database, Redis and the viewer's account -----------------------------------------
def prepare(database_url: str, redis_url: str, settings: str) -> Setup:
    for url, what in ((database_url, "DATABASE_URL"), (redis_url, "REDIS_URL")):
        host = urlparse(url).hostname
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"{what} must point at this machine (127.0.0.1), not {host!r}")
    env = server_environment(database_url, redis_url, settings)
    db = urlparse(database_url)
    created = subprocess.run(
        [
            "createdb",
            "-h",
            db.hostname or "127.0.0.1",
            "-p",
            str(db.port or 5432),
            "-U",
            db.username or "postgres",
            db.path.lstrip("/"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise SystemExit(f"createdb failed: {created.stderr.strip()}")
    log(f"migrating {db.path.lstrip('/')} …")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )

    # This process publishes the events, so it needs the very settings the servers run with.
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from shows.models import Show, ShowStatus
    from tokshop.realtime.groups import show_group
    from tokshop.realtime.streams import backend

    # Sequence numbers, logs and channel-layer groups left by an earlier (maybe killed) run.
    client = redis.Redis.from_url(redis_url)
    try:
        stale = list(client.scan_iter(match=f"{KEY_PREFIX}*", count=1000))
        if stale:
            client.delete(*stale)
    finally:
        client.close()

    users = get_user_model().objects
    user, _ = users.get_or_create(email=BENCH_EMAIL, defaults={"display_name": "Bench viewer"})
    seller, _ = users.get_or_create(email=BENCH_HOST_EMAIL, defaults={"display_name": "Bench host", "is_seller": True})
    now = timezone.now()
    show, _ = Show.objects.get_or_create(
        seller=seller,
        title="Bench show",
        defaults={"scheduled_start": now, "status": ShowStatus.LIVE, "started_at": now},
    )
    browser = Client()
    browser.force_login(user)
    stream = show_group(show.pk)
    return Setup(
        env=env,
        path=f"/ws/shows/{show.pk}/",
        stream=stream,
        channel=backend().channel(stream),
        session=browser.cookies["sessionid"].value,
        redis_url=redis_url,
    )


# --- report --------------------------------------------------------------------------------------------
def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def figure(name: str, value: float | None, unit: str, baseline: float | None, digits: int) -> dict[str, Any]:
    ratio = value / baseline if value is not None and baseline else None
    line = f"{name}: {_fmt(value, digits)} {unit} (baseline: {_fmt(baseline, digits)} {unit}, ratio: {_fmt(ratio, 2)})"
    print(line, flush=True)
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio, "line": line}


def median_runs(runs: list[RunResult]) -> dict[tuple[str, int], RunResult]:
    """Per server and N, the run with the median p99 (with --repeat; a run that delivered nothing
    counts as the slowest)."""
    groups: dict[tuple[str, int], list[RunResult]] = {}
    for run in runs:
        groups.setdefault((run.kind, run.viewers), []).append(run)
    return {
        key: sorted(group, key=lambda r: float("inf") if r.p99_ms is None else r.p99_ms)[(len(group) - 1) // 2]
        for key, group in groups.items()
    }


def report(runs: list[RunResult], args: argparse.Namespace) -> dict[str, Any]:
    by = median_runs(runs)
    figures: list[dict[str, Any]] = []
    bars: dict[str, Any] = {}
    for n in args.viewers:
        ours, raw = by.get(("tokshop", n)), by.get(("raw", n))
        if ours is None:
            continue
        base = raw if raw is not None else None
        figures += [
            figure(
                f"fanout_delivered_{n}",
                ours.delivered_fraction * 100,
                "%",
                base.delivered_fraction * 100 if base else None,
                2,
            ),
            figure(f"fanout_p50_{n}", ours.p50_ms, "ms", base.p50_ms if base else None, 1),
            figure(f"fanout_p99_{n}", ours.p99_ms, "ms", base.p99_ms if base else None, 1),
            figure(
                f"fanout_deliveries_per_s_{n}", ours.deliveries_per_s, "/s", base.deliveries_per_s if base else None, 0
            ),
            figure(
                f"fanout_server_cpu_per_delivery_{n}",
                ours.server_cpu_us_per_delivery,
                "us",
                base.server_cpu_us_per_delivery if base else None,
                1,
            ),
            figure(
                f"memory_per_viewer_{n}",
                ours.memory_per_viewer_kib,
                "KiB",
                base.memory_per_viewer_kib if base else None,
                1,
            ),
        ]
    largest = max(args.viewers)
    ours, raw = by.get(("tokshop", largest)), by.get(("raw", largest))
    if ours and raw and ours.p99_ms is not None and raw.p99_ms:
        ratio = ours.p99_ms / raw.p99_ms
        lossless = ours.delivered == ours.expected
        bars["P1"] = {
            "viewers": largest,
            "lost": ours.expected - ours.delivered,
            "p99_ratio": ratio,
            "bar_met": lossless and ratio <= 1.5,
            "goal_met": lossless and ratio <= 1.25,
        }
        log(
            f"P1 at {largest}: lost {ours.expected - ours.delivered}, p99 ratio {ratio:.2f} "
            f"(bar ≤ 1.5 and 0 loss: {'met' if bars['P1']['bar_met'] else 'MISSED'})"
        )
    if ours:
        kib = ours.memory_per_viewer_kib
        bars["P2"] = {"viewers": largest, "kib_per_viewer": kib, "bar_met": kib <= 48, "goal_met": kib <= 40}
        log(f"P2 at {largest}: {kib:.1f} KiB per idle viewer (bar ≤ 48: {'met' if kib <= 48 else 'MISSED'})")
    return {"figures": figures, "bars": bars}


# --- entry point ---------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", default="100,1000,3000", help="comma-separated viewer counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="publishing time per run")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument(
        "--drain", type=float, default=5.0, help="seconds after the last publish before a miss counts as lost"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per server and N; figures use the median p99")
    parser.add_argument("--client-procs", type=int, default=2, help="processes the viewers are split over")
    parser.add_argument(
        "--client", choices=("light", "websockets"), default="light", help="viewer implementation (see _viewers.py)"
    )
    parser.add_argument("--kinds", default="raw,tokshop", help="servers to measure (raw is the baseline)")
    parser.add_argument(
        "--profile", default="", help="servers (raw and/or tokshop) to sample with py-spy during the publishing"
    )
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy", help="the py-spy binary")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--output", type=Path, default=RESULTS / "fanout.json")
    parser.add_argument(
        "--asgi",
        default="tokshop.asgi:application",
        help="the application the server serves (bench._probe_asgi:application adds loop-lag and GC logging)",
    )
    parser.add_argument("--settings", default=SETTINGS, help="DJANGO_SETTINGS_MODULE of the servers and publisher")
    # P1 and P2 are figures for one server process.
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument(
        "--server",
        choices=("uvicorn", "daphne"),
        default="uvicorn",
        help="ASGI server of tokshop (production: uvicorn)",
    )
    # Internal: how the baseline server process is started.
    parser.add_argument("--raw-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.viewers = [int(v) for v in str(args.viewers).split(",") if v.strip()]
    args.kinds = [k.strip() for k in str(args.kinds).split(",") if k.strip()]
    args.profile = [k.strip() for k in str(args.profile).split(",") if k.strip()]
    if not args.viewers or min(args.viewers) < 1 or not set(args.kinds) <= {"raw", "tokshop"}:
        parser.error("--viewers needs positive counts; --kinds is raw and/or tokshop")
    return args


def measure(args: argparse.Namespace, setup: Setup, runs: list[RunResult]) -> None:
    for n in args.viewers:
        # Raw and Tokshop alternate, so a burst of other work on the machine hits both alike.
        for _repeat, kind in itertools.product(range(args.repeat), args.kinds):
            result = run_once(kind, n, args, setup)
            log(
                f"{kind}-{n}: delivered {result.delivered}/{result.expected}, p50 {_fmt(result.p50_ms, 1)} ms, "
                f"p99 {_fmt(result.p99_ms, 1)} ms, max {_fmt(result.max_ms, 1)} ms, "
                f"{result.deliveries_per_s:.0f}/s, {result.memory_per_viewer_kib:.1f} KiB/viewer, "
                f"server CPU {result.server_cpu_percent:.0f} % ({_fmt(result.server_cpu_us_per_delivery, 1)} us "
                f"per delivery), clients CPU {result.clients_cpu_percent:.0f} %, "
                f"other processes {result.foreign_cpu_percent:.0f} %, server errors {result.server_errors or 'none'}"
            )
            runs.append(result)


@contextlib.contextmanager
def cleanup() -> Iterator[None]:
    # SIGINT explicitly too: a shell starting us in the background leaves it ignored otherwise.
    previous = {signum: signal.signal(signum, _terminate) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        stop_everything()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit()
    if args.raw_server is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(raw_server(args.raw_server, os.environ.get("REDIS_URL", args.redis_url), args.channel))
        return 0

    started, started_at = time.monotonic(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    runs: list[RunResult] = []
    try:
        with cleanup():
            setup = prepare(args.database_url, args.redis_url, args.settings)
            measure(args, setup, runs)
    except KeyboardInterrupt:
        log("interrupted; every process started was stopped")
        return 130
    summary = report(runs, args)

    document = {
        "benchmark": "fanout",
        "quality_lines": ["P1", "P2"],
        "parameters": {
            "viewers": args.viewers,
            "seconds": args.seconds,
            "rate": args.rate,
            "drain": args.drain,
            "client_procs": args.client_procs,
            "repeat": args.repeat,
            "client": args.client,
            "asgi": args.asgi,
            "server": args.server,
            "settings": args.settings,
            "cpus": os.cpu_count(),
        },
        "started_at": started_at,
        "duration_s": round(time.monotonic() - started, 1),
        "runs": [asdict(r) for r in runs],
        **summary,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"wrote {args.output} in {document['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
