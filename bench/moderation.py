"""P7 and S10 of QUALITY.md: moderation check throughput, corpus accuracy, pattern running time.

Figures:

* ``moderation_filter_per_core``: messages per CPU second through the content filters alone (word
  lists with normalisation, capitals, links, payment, two custom patterns) in one process;
* ``moderation_check_full``: messages/s through ``check_message`` in ``--procs`` processes (one
  per core) side by side, each with its Redis round trip (rules version, cached sanctions and the
  slow-mode/rate/repeat script) on the local Redis, ``--senders`` senders split between them, a
  seller with a mute word, a pattern and slow mode; abusive messages queue their automatic warning
  (one RPUSH) as in production, where a worker records it; ``moderation_check_full_per_cpu_second`` is
  messages per CPU second of the checking processes;
* ``moderation_corpus_caught`` and ``moderation_corpus_false_positives``: % of the labelled corpus
  (``moderation/tests/corpus/``) caught, and % of its clean messages not allowed unchanged;
* ``moderation_pattern_slowest``: the slowest single search, in ms, of patterns that backtrack
  catastrophically on other engines, over the longest hostile messages (the bar is 50 ms).

There is no baseline (n/a). The database ``tokshop_bench_moderation`` and Redis db 7 are the
benchmark's own; it creates and migrates the database itself.

    .venv/bin/python -m bench.moderation [--seconds 5] [--senders 6000] [--procs 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.fanout import RESULTS, SETTINGS, figure, prepare

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tokshop_bench_moderation"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
CORPUS = Path(__file__).resolve().parent.parent / "moderation" / "tests" / "corpus"
HOSTILE_PATTERNS = [r"(a+)+$", r"(a|aa)+$", r"(.*a){20}", r"^(\w+\s?)+$", r"(x+x+)+y", r"(\d+\s?)+#"]


def log(message: str) -> None:
    print(f"[moderation] {message}", file=sys.stderr, flush=True)


def corpus(name: str) -> list[str]:
    lines = (CORPUS / name).read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def rate(work: Callable[[str], object], messages: list[str], seconds: float) -> tuple[float, float, int]:
    """Messages per wall-clock second and per CPU second of this process, running `work` over
    `messages` in rotation for about `seconds`. The CPU figure is the per-core rate even when other
    processes compete for the cores; the wall-clock one includes waiting for Redis."""
    done = 0
    cycle = itertools.cycle(messages)
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds
    while True:
        for _ in range(200):
            work(next(cycle))
        done += 200
        if time.perf_counter() >= deadline:
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            return done / wall, done / cpu, done


def full_check_worker(
    seller_id: int, sender_ids: list[int], messages: list[str], seconds: float, barrier: Any, results: Any
) -> None:
    """One checking process: its own senders, warmed up, then `check_message` for `seconds`."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from moderation.services.check import check_message

    senders = list(get_user_model().objects.filter(pk__in=sender_ids))
    sender_cycle = itertools.cycle(senders)
    show_ids = itertools.cycle(range(1, 101))
    verdicts: Counter[str] = Counter()

    def full(text: str) -> None:
        verdict = check_message(sender=next(sender_cycle), text=text, seller_id=seller_id, show_id=next(show_ids))
        verdicts[verdict.code] += 1

    # The first message of each sender loads its sanctions from PostgreSQL into the cache.
    warming = time.perf_counter()
    for _ in senders:
        full("hello")
    log(f"{len(senders)} senders warmed in {time.perf_counter() - warming:.0f} s (cached sanctions live 60 s)")
    verdicts.clear()
    barrier.wait()
    started = time.process_time()
    wall_rate, _, count = rate(full, messages, seconds)
    results.put({"rate": wall_rate, "count": count, "cpu": time.process_time() - started, "verdicts": verdicts})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run")
    # Few enough to warm quickly, enough that few senders pass the rate limit (5 in 10 s) in a run.
    parser.add_argument("--senders", type=int, default=6000, help="senders in rotation for the full check")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="processes running the full check")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--settings", default=SETTINGS)
    parser.add_argument("--output", type=Path, default=RESULTS / "moderation.json")
    args = parser.parse_args(argv)

    # As in production, a worker records the automatic warnings that abusive messages earn: the
    # check only queues them (the test settings would record them inline). Nobody works the queue
    # here; it and the task that would record it are dropped after the run.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    prepare(args.database_url, args.redis_url, args.settings)
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from moderation.abuse_queue import abuse_queue_clear
    from moderation.filters import compile_pattern, probe_pattern
    from moderation.models import ModerationPattern, PatternAction
    from moderation.rules import rules_for, rules_forget, seller_rules
    from moderation.services.check import Action, check_content
    from moderation.services.rules import mute_word_add, pattern_add, slow_mode_set
    from tokshop.celery import app as celery_app

    users = get_user_model()
    run = uuid.uuid4().hex[:8]
    # Staff patterns apply to every seller: drop earlier runs' so each run checks against the same rules.
    ModerationPattern.objects.filter(seller=None, pattern__startswith=r"\bbench-").delete()
    seller = users.objects.create_user(email=f"bench-mod-seller-{run}@example.com", display_name="Bench seller")
    mute_word_add(seller=seller, word="knockoff")
    pattern_add(seller=seller, pattern=r"\bswap\s+only\b", action=PatternAction.REJECT)
    pattern_add(seller=None, pattern=rf"\bbench-{run}\b", action=PatternAction.HOLD)
    # Slow mode in one show of the hundred the messages rotate through: the lookup runs for every
    # message, the window applies to some, and refusals do not swamp the figure.
    slow_mode_set(seller=seller, show_id=1, seconds=1)
    joined = timezone.now() - timedelta(days=30)
    senders = users.objects.bulk_create(
        users(email=f"bench-mod-{run}-{n}@example.com", display_name=f"Sender {n}", date_joined=joined)
        for n in range(args.senders)
    )
    rules_forget()
    abuse_queue_clear()
    rules = rules_for(None)
    own = seller_rules(rules, seller.pk)
    clean, abusive = corpus("clean.txt"), corpus("abusive.txt")
    messages = clean + abusive

    caught = sum(
        check_content(text=t, rules=rules, seller=None, low_trust=False).action in (Action.HOLD, Action.REJECT)
        for t in abusive
    )
    flagged = sum(
        check_content(text=t, rules=rules, seller=None, low_trust=False).action != Action.ALLOW for t in clean
    )

    log(f"filters alone for {args.seconds:.0f} s …")
    _, filter_rate, _ = rate(
        lambda text: check_content(text=text, rules=rules, seller=own, low_trust=False), messages, args.seconds
    )

    log(f"full check in {args.procs} processes for {args.seconds:.0f} s …")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(args.procs)
    results = context.Queue()
    ids = [sender.pk for sender in senders]
    workers = [
        context.Process(
            target=full_check_worker,
            args=(seller.pk, ids[n :: args.procs], messages, args.seconds, barrier, results),
        )
        for n in range(args.procs)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join()
    # The processes run side by side for the same seconds: their rates add up.
    full_rate = sum(outcome["rate"] for outcome in outcomes)
    full_count = sum(outcome["count"] for outcome in outcomes)
    full_cpu_rate = full_count / sum(outcome["cpu"] for outcome in outcomes)
    verdicts: Counter[str] = sum((Counter(outcome["verdicts"]) for outcome in outcomes), Counter())

    abuse_queue_clear()
    celery_app.control.purge()
    # Every run counts here (repeats=1): the figure is the worst case, pauses of this process included.
    slowest = max(probe_pattern(compile_pattern(p), repeats=1) for p in HOSTILE_PATTERNS for _ in range(20))

    figures = [
        figure("moderation_filter_per_core", filter_rate, "messages/s", None, 0),
        figure("moderation_check_full", full_rate, "messages/s", None, 0),
        figure("moderation_check_full_per_cpu_second", full_cpu_rate, "messages/s", None, 0),
        figure("moderation_corpus_caught", 100 * caught / len(abusive), "%", None, 1),
        figure("moderation_corpus_false_positives", 100 * flagged / len(clean), "%", None, 2),
        figure("moderation_pattern_slowest", slowest * 1000, "ms", None, 3),
    ]
    log(f"full-check verdicts over {full_count} messages: {dict(verdicts.most_common())}")
    document: dict[str, Any] = {
        "benchmark": "moderation",
        "quality_lines": ["P7", "S10"],
        "parameters": {
            "seconds": args.seconds,
            "senders": args.senders,
            "procs": args.procs,
            "cpus": os.cpu_count(),
        },
        "load_average": os.getloadavg(),
        "corpus": {"abusive": len(abusive), "caught": caught, "clean": len(clean), "flagged": flagged},
        "full_check_verdicts": dict(verdicts),
        "figures": figures,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
