"""Fixtures of the shows tests."""

from pathlib import Path
from typing import Any

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

# The parts of the room and the console that the other parts of the live room render. Where one is
# not in this tree, the page tests render it empty, so the page shell is tested on its own.
ROOM_PARTS = [
    "shows/room/_video.html",
    "shows/room/_chat.html",
    "shows/room/_viewers.html",
    "shows/room/_poll.html",
    "shows/room/_questions.html",
    "shows/room/_pinned.html",
    "shows/console/_video.html",
    "shows/console/_polls.html",
    "shows/console/_questions.html",
    "shows/console/_pin.html",
    "shows/console/_moderation.html",
    "shows/console/_stats.html",
]


def missing_room_parts() -> list[str]:
    missing = []
    for name in ROOM_PARTS:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            missing.append(name)
    return missing


def room_parts_stand_ins(folder: Path) -> list[str]:
    """Write an empty template for each missing part under `folder`; returns their names."""
    missing = missing_room_parts()
    for name in missing:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'<div data-stand-in="{name}"></div>\n')
    return missing


@pytest.fixture
def room_parts(tmp_path: Path, settings: Any) -> list[str]:
    folder = tmp_path / "room-parts"
    missing = room_parts_stand_ins(folder)
    templates = [dict(engine) for engine in settings.TEMPLATES]
    # After the project's own folders, so a real part always wins.
    templates[0]["DIRS"] = [*templates[0]["DIRS"], str(folder)]
    settings.TEMPLATES = templates
    return missing
