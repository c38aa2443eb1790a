"""Run every benchmark in bench/ (`make bench`): each module not starting with "_" is one.

Each runs as its own process (`python -m bench.<name>`), one after the other so they don't compete
for the CPU, and prints its figures as `name: value unit (baseline: value, ratio: x)`; results go to
bench/results/<name>.json. Exits non-zero if any benchmark failed.

    .venv/bin/python -m bench.run_all [--only fanout] [--timeout 900]
"""

from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def benchmarks() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(BENCH)])
        if not module.name.startswith("_") and module.name != "run_all"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="run just this benchmark (repeatable)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one benchmark may take")
    args = parser.parse_args(argv)

    names = benchmarks()
    unknown = set(args.only or ()) - set(names)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {names}")
    failed: list[str] = []
    for name in args.only or names:
        print(f"## {name}", flush=True)
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", f"bench.{name}"], cwd=ROOT)
        try:
            code = process.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            # SIGTERM lets the benchmark stop the servers and clients it started.
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            code = -1
            print(f"## {name}: timed out after {args.timeout:.0f} s", flush=True)
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=30)
            raise
        print(
            f"## {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - started:.0f} s", flush=True
        )
        if code != 0:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
