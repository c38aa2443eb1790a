"""seed_demo's moderation part: a moderator, and a buyer with a record and an appeal to decide."""

from io import StringIO

import pytest
from django.core.management import call_command

from moderation.demo_data import DEMO_SANCTIONED
from moderation.models import Appeal, AppealStatus, Sanction
from moderation.selectors import appeal_list_for_moderator
from tokshop.core.demo import DEMO_MODERATOR
from tokshop.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_moderator_one_appeal_to_decide_once(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())

    viewer = User.objects.get(email=DEMO_SANCTIONED)
    assert sorted(Sanction.objects.filter(user=viewer).values_list("kind", flat=True)) == ["mute", "warning", "warning"]
    [appeal] = appeal_list_for_moderator(actor=User.objects.get(email=DEMO_MODERATOR))
    assert (appeal.user, appeal.status) == (viewer, AppealStatus.PENDING)
    assert Appeal.objects.count() == 1
