"""Demo data: one account for every role, ready to sign in with, and each app's own. Safe to run again."""

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, OutputWrapper
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from tokshop.core.demo import DEMO_PASSWORD, DEMO_SELLER, DEMO_USERS, demo_shop_ensure, demo_user_ensure


def app_demo_steps() -> list[tuple[str, Callable[[], None]]]:
    """The steps of every installed app with a `demo_data` module, in INSTALLED_APPS order."""
    steps: list[tuple[str, Callable[[], None]]] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo_data"):
            steps += import_module(f"{config.name}.demo_data").demo_steps()
    return steps


class Progress:
    """A one-line progress bar on a terminal, plain lines elsewhere."""

    WIDTH = 28

    def __init__(self, total: int, out: OutputWrapper) -> None:
        self.total, self.done, self.out = total, 0, out
        self.tty = out.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        filled = self.WIDTH * self.done // self.total
        line = f"  {'█' * filled}{'░' * (self.WIDTH - filled)} {self.done}/{self.total} {label}"
        if self.tty:
            self.out.write("\r\033[K" + line, ending="\n" if self.done == self.total else "")
        else:
            self.out.write(line)
        self.out.flush()


class Command(BaseCommand):
    help = "Create demo accounts for every role and each app's demo data (idempotent); print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Seeding Tokshop demo data…")
        steps = app_demo_steps()
        progress = Progress(len(DEMO_USERS) + 1 + len(steps), self.stdout)
        with transaction.atomic():
            for demo in DEMO_USERS:
                user = demo_user_ensure(demo)
                progress.step(f"{demo.role} account")
                if demo.email == DEMO_SELLER:
                    demo_shop_ensure(user)
            progress.step("shop and notifications")
            for label, step in steps:
                step()
                progress.step(label)

        self.stdout.write(self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):"))
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.role:<10} {demo.email}")
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ — the admin is at /admin/.")
