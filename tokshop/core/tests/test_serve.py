from pathlib import Path

import pytest

from tokshop.core.management.commands.serve import web_command, web_workers

BIN = Path("/venv/bin")


def test_one_process_runs_without_a_workers_flag():
    assert "--workers" not in web_command(BIN, "127.0.0.1", 8000)


def test_several_processes_share_one_socket():
    command = web_command(BIN, "127.0.0.1", 8000, workers=3)
    assert command[command.index("--workers") + 1] == "3"


@pytest.mark.parametrize(("concurrency", "cpus", "expected"), [("4", 2, 4), ("", 2, 2), ("", None, 1), ("0", 8, 1)])
def test_workers_default_to_one_per_cpu(monkeypatch, concurrency, cpus, expected):
    monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    assert web_workers() == expected
