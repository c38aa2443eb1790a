import socket
from pathlib import Path

import pytest

from tokshop.core.management.commands.serve import web_command, web_workers
from tokshop.core.webserver import listening_socket

BIN = Path("/venv/bin")


def test_the_web_server_runs_the_asgi_application_with_one_process_by_default():
    command = web_command(BIN, "127.0.0.1", 8000)

    assert command[:4] == ["/venv/bin/python", "-m", "tokshop.core.webserver", "tokshop.asgi:application"]
    assert command[command.index("--workers") + 1] == "1"


def test_several_processes_each_bind_the_port():
    command = web_command(BIN, "127.0.0.1", 8000, workers=3)
    assert command[command.index("--workers") + 1] == "3"


def test_processes_of_the_server_share_the_port_and_an_address_in_use_is_refused():
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)
    second.close()
    first.close()
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        with pytest.raises(OSError, match="Address already in use"):
            listening_socket("127.0.0.1", other_program.getsockname()[1])


@pytest.mark.parametrize(("concurrency", "cpus", "expected"), [("4", 2, 4), ("", 2, 2), ("", None, 1), ("0", 8, 1)])
def test_workers_default_to_one_per_cpu(monkeypatch, concurrency, cpus, expected):
    monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    assert web_workers() == expected
