"""seed_demo's moderation part: a moderator, a queue with work in it, and a buyer with a record and an
appeal to decide, the same after a second run."""

from io import StringIO

import pytest
from django.core.management import call_command

from moderation.demo_data import DEMO_HELD_MESSAGES, DEMO_REPORTS, DEMO_SANCTIONED
from moderation.models import Appeal, AppealStatus, HeldMessage, HeldStatus, Report, ReportStatus, Sanction
from moderation.selectors import appeal_list_for_moderator, is_staff_moderator
from tokshop.users.models import User

pytestmark = pytest.mark.django_db


def _queue():
    reports = sorted(Report.objects.values_list("reporter__email", "kind", "reason", "status", "details"))
    held = sorted(HeldMessage.objects.values_list("sender__email", "text", "verdict_code", "status"))
    return reports, held


def test_seed_demo_fills_the_queue_once(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    first = _queue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    assert _queue() == first
    reports, held = first
    assert len(reports) == len(DEMO_REPORTS)
    assert {row[1] for row in reports} == {"product", "user"}
    assert {row[3] for row in reports} == {ReportStatus.OPEN}
    assert len(held) == len(DEMO_HELD_MESSAGES)
    assert {row[2] for row in held} == {"phone_number", "off_platform_payment"}
    assert {row[3] for row in held} == {HeldStatus.PENDING}
    assert is_staff_moderator(User.objects.get(email="moderator@tokshop.demo"))


def test_seed_demo_gives_the_moderator_one_appeal_to_decide_once(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())

    viewer = User.objects.get(email=DEMO_SANCTIONED)
    assert sorted(Sanction.objects.filter(user=viewer).values_list("kind", flat=True)) == ["mute", "warning", "warning"]
    [appeal] = appeal_list_for_moderator(actor=User.objects.get(email="moderator@tokshop.demo"))
    assert (appeal.user, appeal.status) == (viewer, AppealStatus.PENDING)
    assert Appeal.objects.count() == 1
