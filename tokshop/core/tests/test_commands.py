from io import StringIO

import pytest
from django.core.management import call_command

from tokshop.core.demo import DEMO_PASSWORD, DEMO_USERS
from tokshop.core.management.commands.seed_demo import app_demo_steps
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.models import SellerProfile, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_how_to_sign_in(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=first)
        call_command("seed_demo", stdout=StringIO())

    assert User.objects.count() == len(DEMO_USERS)
    assert SellerProfile.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.ANNOUNCEMENT).count() == len(DEMO_USERS)
    roles = {u.email: u.roles for u in User.objects.all()}
    assert roles["seller@tokshop.demo"] == ["buyer", "seller"]
    assert "moderator" in roles["moderator@tokshop.demo"]
    assert "staff" in roles["admin@tokshop.demo"]
    assert all(u.check_password(DEMO_PASSWORD) and u.is_email_verified for u in User.objects.all())
    output = first.getvalue()
    # The accounts, the demo shop, then each app's steps.
    total = len(DEMO_USERS) + 1 + len(app_demo_steps())
    assert f"{total}/{total}" in output
    for demo in DEMO_USERS:
        assert demo.email in output


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
