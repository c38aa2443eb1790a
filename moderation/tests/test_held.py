"""Held messages: what the check held waits for a moderator of the seller's shows, and nobody else."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.models import AuditAction, HeldMessage, HeldStatus, MessageKind, ModerationAction
from moderation.services.check import check_message
from moderation.services.held import held_message_release, held_message_remove, message_hold
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.signals import held_message_released
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

HELD = reverse("api:held-messages")


def _held(seller, text="Call me on 555 123 4567 for a better price", show_id=7):
    sender = TrustedUserFactory()
    verdict = check_message(sender=sender, text=text, seller_id=seller.pk, show_id=show_id)
    return message_hold(sender=sender, seller_id=seller.pk, show_id=show_id, verdict=verdict)


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def seller():
    return SellerFactory()


def test_a_held_verdict_is_kept_with_its_reason(seller):
    held = _held(seller)

    assert (held.status, held.kind, held.verdict_code) == (HeldStatus.PENDING, MessageKind.CHAT, "phone_number")
    assert held.text == "Call me on 555 123 4567 for a better price"
    assert "moderator will look" in held.verdict_message


def test_only_a_held_verdict_is_kept(seller):
    verdict = check_message(sender=TrustedUserFactory(), text="Lovely camera", seller_id=seller.pk)

    with pytest.raises(ApplicationError, match="held"):
        message_hold(sender=UserFactory(), seller_id=seller.pk, verdict=verdict)

    assert not HeldMessage.objects.exists()


def test_the_queue_lists_the_shows_each_caller_moderates(seller):
    other_seller = SellerFactory()
    mine = _held(seller)
    theirs = _held(other_seller, text="pay me on venmo @cheapdeals")
    appointed = UserFactory()
    seller_moderator_appoint(seller=seller, moderator=appointed)
    staff = staff_moderator_appoint(user=UserFactory())

    def ids(user):
        return [row["id"] for row in _client(user).get(HELD).json()["results"]]

    assert ids(seller) == [mine.pk]
    assert ids(appointed) == [mine.pk]
    assert ids(staff) == [theirs.pk, mine.pk]
    assert ids(UserFactory()) == []
    assert _client(seller).get(HELD).json()["results"][0]["sender"]["display_name"] == mine.sender.display_name


def test_the_seller_releases_a_message_and_the_live_room_hears_on_commit(seller, django_capture_on_commit_callbacks):
    held = _held(seller)
    heard = []
    held_message_released.connect(
        lambda **kwargs: heard.append(kwargs["held_message"].pk), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _client(seller).post(reverse("api:held-message-release", args=[held.pk]))
    finally:
        held_message_released.disconnect(dispatch_uid="t")

    assert response.status_code == 200
    assert response.json()["status"] == "released"
    assert heard == [held.pk]
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.actor, entry.target_user, entry.seller_id, entry.show_id) == (
        AuditAction.MESSAGE_RELEASE,
        seller,
        held.sender,
        seller.pk,
        7,
    )
    assert Notification.objects.get(user=held.sender).title == "Your message was approved"


def test_a_removed_message_tells_the_sender_why(seller):
    held = _held(seller)
    moderator = UserFactory()
    seller_moderator_appoint(seller=seller, moderator=moderator)

    response = _client(moderator).post(
        reverse("api:held-message-remove", args=[held.pk]), {"reason": "No phone numbers here"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, "removed")
    assert Notification.objects.get(user=held.sender).body == "Reason: No phone numbers here"
    assert ModerationAction.objects.get(action=AuditAction.MESSAGE_REMOVE).reason == "No phone numbers here"


@pytest.mark.parametrize("route", ["api:held-message-release", "api:held-message-remove"])
def test_outside_their_sellers_shows_a_moderator_is_refused_and_nothing_changes(seller, route):
    held = _held(seller)
    other_seller = SellerFactory()
    their_moderator = UserFactory()
    seller_moderator_appoint(seller=other_seller, moderator=their_moderator)

    for outsider in [other_seller, their_moderator, UserFactory()]:
        response = _client(outsider).post(reverse(route, args=[held.pk]), {}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "not_moderator")

    held.refresh_from_db()
    assert held.status == HeldStatus.PENDING
    assert not ModerationAction.objects.filter(action__startswith="message_").exists()
    assert not Notification.objects.filter(user=held.sender).exists()


def test_a_message_is_decided_once(seller):
    held = _held(seller)
    held_message_remove(actor=seller, held_id=held.pk, reason="")

    with pytest.raises(Conflict):
        held_message_release(actor=seller, held_id=held.pk)
    response = _client(seller).post(reverse("api:held-message-release", args=[held.pk]))

    assert (response.status_code, response.json()["code"]) == (409, "already_decided")
    assert HeldMessage.objects.get().status == HeldStatus.REMOVED
    # Without a reason the sender is told the check's own.
    assert ModerationAction.objects.get().reason == held.verdict_message


def test_a_missing_held_message_is_404(seller):
    with pytest.raises(NotFound):
        held_message_release(actor=seller, held_id=999_999)
    with pytest.raises(PermissionDenied):
        held_message_release(actor=UserFactory(), held_id=_held(seller).pk)
    assert _client(seller).post(reverse("api:held-message-remove", args=[999_999])).status_code == 404
