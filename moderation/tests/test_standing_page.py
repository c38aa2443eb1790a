"""/account/moderation/: what holds, where, why and until when, the notices and the appeals."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import Appeal, Sanction
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.moderators import seller_moderator_appoint
from moderation.services.sanctions import sanction_impose
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

STANDING = reverse("moderation:standing")


@pytest.fixture
def seller():
    return SellerFactory(display_name="Lamp Barn")


@pytest.fixture
def viewer(client):
    viewer = TrustedUserFactory()
    client.force_login(viewer)
    return viewer


def test_the_page_shows_what_holds_and_what_ended_naming_the_seller_not_the_moderator(client, seller, viewer):
    helper = UserFactory(display_name="Secret Helper")
    seller_moderator_appoint(seller=seller, moderator=helper)
    sanction_impose(
        actor=helper,
        user=viewer,
        kind="mute",
        reason="Flooding the chat",
        scope="seller",
        seller=seller,
        duration=timedelta(hours=1),
    )
    ended = sanction_impose(actor=seller, user=viewer, kind="ban", reason="Old ban", scope="seller", seller=seller)
    Sanction.objects.filter(pk=ended.pk).update(revoked_at=timezone.now())

    page = client.get(STANDING).content.decode()

    assert "In Lamp Barn&#x27;s shows" in page
    assert "Flooding the chat" in page
    assert "<dt>Until</dt>" in page
    assert "A moderator" in page
    assert "Secret Helper" not in page
    assert "Old ban" in page
    assert "Lifted" in page
    assert "You were muted in Lamp Barn&#x27;s shows" in page
    assert 'href="/account/moderation/"' in page


def test_appealing_from_the_page_once_and_reading_the_decision(client, seller, viewer):
    mute = sanction_impose(actor=seller, user=viewer, kind="mute", reason="Spam", scope="seller", seller=seller)

    sent = client.post(STANDING, {"sanction_id": mute.pk, "text": "I only asked about the lamp"})
    again = client.post(STANDING, {"sanction_id": mute.pk, "text": "Hello?"}, follow=True)
    appeal_decide(actor=seller, appeal_id=Appeal.objects.get().pk, grant=False, note="Five links in a row")
    page = client.get(STANDING).content.decode()

    assert sent.status_code == 302
    assert "You already appealed this" in again.content.decode()
    assert Appeal.objects.get().text == "I only asked about the lamp"
    assert "Appeal denied" in page
    assert "Five links in a row" in page


def test_an_empty_appeal_is_shown_back_with_why_and_someone_elses_sanction_is_404(client, seller, viewer):
    mine = sanction_impose(actor=seller, user=viewer, kind="mute", reason="Spam", scope="seller", seller=seller)
    theirs = sanction_impose(actor=seller, user=UserFactory(), kind="mute", reason="x", scope="seller", seller=seller)
    appeal_create(user=viewer, sanction_id=mine.pk, text="First")
    warning = sanction_impose(actor=seller, user=viewer, kind="warning", reason="Caps", scope="seller", seller=seller)

    empty = client.post(STANDING, {"sanction_id": warning.pk, "text": "  "})
    foreign = client.post(STANDING, {"sanction_id": theirs.pk, "text": "Mine now"})

    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    assert foreign.status_code == 404
    assert Appeal.objects.count() == 1


def test_someone_in_good_standing_is_told_so(client, viewer):
    page = client.get(STANDING).content.decode()

    assert "You're in good standing" in page


def test_the_page_is_for_signed_in_people(client):
    assert client.get(STANDING).status_code == 302
