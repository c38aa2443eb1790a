"""The demo accounts: one for every role, ready to sign in with; apps add their own demo data.

`manage.py seed_demo` creates these accounts, then runs the steps of every installed app that has
a `demo_data` module with `demo_steps()`: the foundation never imports the apps built on it.
"""

from dataclasses import dataclass

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


DEMO_BUYER = "buyer@tokshop.demo"
DEMO_SELLER = "seller@tokshop.demo"
DEMO_MODERATOR = "moderator@tokshop.demo"
DEMO_USERS = [
    DemoUser(DEMO_BUYER, "Bea Buyer", "buyer", {}),
    DemoUser(DEMO_SELLER, "Sam Seller", "seller", {"is_seller": True}),
    DemoUser(DEMO_MODERATOR, "Mo Moderator", "moderator", {"is_moderator": True}),
    DemoUser("admin@tokshop.demo", "Ada Admin", "staff", {"is_staff": True, "is_superuser": True}),
    # Buyers whose delivered orders and reviews give the product and shop pages their ratings.
    DemoUser("cleo@tokshop.demo", "Cleo Collector", "buyer", {}),
    DemoUser("dev@tokshop.demo", "Dev Digger", "buyer", {}),
]


def demo_user_ensure(demo: DemoUser) -> User:
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


def demo_shop_ensure(seller: User) -> None:
    if not hasattr(seller, "seller_profile"):
        seller_profile_save(
            user=seller,
            shop_name="Vintage Vault",
            slug="vintage-vault",
            bio="Film cameras, vinyl and mid-century finds, shown live every week.",
        )
