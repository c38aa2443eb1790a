"""Demo data: one account for every role, ready to sign in with. Safe to run again."""

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, OutputWrapper
from django.db import transaction
from django.utils import timezone

from tokshop.notifications.models import Notification, NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.users.models import User
from tokshop.users.services import seller_profile_save

DEMO_PASSWORD = "tokshop-demo"  # noqa: S105  (printed for people to sign in with; demo accounts only)


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    role: str
    flags: dict[str, bool]


DEMO_USERS = [
    DemoUser("buyer@tokshop.demo", "Bea Buyer", "buyer", {}),
    DemoUser("seller@tokshop.demo", "Sam Seller", "seller", {"is_seller": True}),
    DemoUser("moderator@tokshop.demo", "Mo Moderator", "moderator", {"is_moderator": True}),
    DemoUser("admin@tokshop.demo", "Ada Admin", "staff", {"is_staff": True, "is_superuser": True}),
]


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
    help = "Create demo accounts for every role (idempotent) and print how to sign in as each."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Seeding Tokshop demo data…")
        progress = Progress(len(DEMO_USERS) + 1, self.stdout)
        with transaction.atomic():
            users = []
            for demo in DEMO_USERS:
                users.append(self.ensure_user(demo))
                progress.step(f"{demo.role} account")
            self.ensure_shop(users[1])
            progress.step("shop and notifications")

        self.stdout.write(self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):"))
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.role:<10} {demo.email}")
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ — the admin is at /admin/.")

    def ensure_user(self, demo: DemoUser) -> User:
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            user = User.objects.create_user(
                email=demo.email,
                password=DEMO_PASSWORD,
                display_name=demo.display_name,
                email_verified_at=timezone.now(),
                **demo.flags,
            )
        if not Notification.objects.filter(user=user).exists():
            notification_create(
                user=user,
                # An announcement, which is not e-mailed by default: demo data should not fill an inbox.
                kind=NotificationKind.ANNOUNCEMENT,
                title="Welcome to Tokshop",
                body=f"You are signed in as the demo {demo.role}. The bell lights up the moment something happens.",
                url="/",
            )
        return user

    def ensure_shop(self, seller: User) -> None:
        if not hasattr(seller, "seller_profile"):
            seller_profile_save(
                user=seller,
                shop_name="Vintage Vault",
                slug="vintage-vault",
                bio="Film cameras, vinyl and mid-century finds, shown live every week.",
            )
