"""A seller's moderators over the API, and where the caller moderates."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.models import AuditAction, ModerationAction, SellerModerator
from moderation.services.moderators import UNKNOWN_EMAIL, seller_moderator_appoint, staff_moderator_appoint
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import SellerFactory

pytestmark = pytest.mark.django_db

MODERATORS = reverse("api:seller-moderators")
MODERATING = reverse("api:me-moderating")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_seller_appoints_a_moderator_by_email_and_sees_them_listed():
    seller, helper = SellerFactory(), UserFactory(email="Helper@Example.com", display_name="Hana Helper")
    client = api(seller)

    created = client.post(MODERATORS, {"email": "  helper@example.COM "}, format="json")
    listed = client.get(MODERATORS)

    assert created.status_code == 201
    assert created.json()["user_id"] == helper.pk
    assert created.json()["display_name"] == "Hana Helper"
    assert listed.json() == [created.json()]
    assert SellerModerator.objects.get().moderator == helper
    assert Notification.objects.filter(user=helper, kind=NotificationKind.MODERATION).count() == 1


def test_appointing_the_same_person_twice_returns_the_same_entry_and_tells_them_once():
    seller, helper = SellerFactory(), UserFactory()
    client = api(seller)

    first = client.post(MODERATORS, {"email": helper.email}, format="json")
    second = client.post(MODERATORS, {"email": helper.email}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert SellerModerator.objects.count() == 1
    assert ModerationAction.objects.filter(action=AuditAction.MODERATOR_APPOINT).count() == 1


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive"])
def test_an_address_no_active_account_uses_is_404_with_the_reason(email):
    if email == "inactive":
        email = UserFactory(is_active=False).email
    seller = SellerFactory()

    response = api(seller).post(MODERATORS, {"email": email}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == UNKNOWN_EMAIL
    assert response.json()["fields"] == {"email": [UNKNOWN_EMAIL]}
    assert not SellerModerator.objects.exists()


def test_a_seller_cannot_appoint_themselves():
    seller = SellerFactory()

    response = api(seller).post(MODERATORS, {"email": seller.email}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "self_appointment"
    assert not SellerModerator.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not an address"}, {"email": ""}, {"email": "a@example.com", "seller": 1}],
    ids=["missing", "malformed", "blank", "unknown-field"],
)
def test_bad_input_is_400_and_appoints_nobody(body):
    response = api(SellerFactory()).post(MODERATORS, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]
    assert not SellerModerator.objects.exists()


def test_removing_a_moderator_is_204_then_404():
    seller, helper = SellerFactory(), UserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper)
    url = reverse("api:seller-moderator", args=[helper.pk])
    client = api(seller)

    removed = client.delete(url)
    again = client.delete(url)

    assert removed.status_code == 204
    assert again.status_code == 404
    assert not SellerModerator.objects.exists()
    assert Notification.objects.filter(user=helper, title__startswith="You no longer moderate").exists()


def test_another_sellers_moderators_are_invisible_and_stay():
    seller, other, helper = SellerFactory(), SellerFactory(), UserFactory()
    seller_moderator_appoint(seller=other, moderator=helper)
    client = api(seller)

    listed = client.get(MODERATORS)
    removed = client.delete(reverse("api:seller-moderator", args=[helper.pk]))

    assert listed.json() == []
    assert removed.status_code == 404
    assert SellerModerator.objects.filter(seller=other, moderator=helper).exists()


def test_someone_without_a_shop_cannot_appoint_or_list_moderators():
    buyer, helper = UserFactory(), UserFactory()
    client = api(buyer)

    responses = [client.get(MODERATORS), client.post(MODERATORS, {"email": helper.email}, format="json")]

    assert [r.status_code for r in responses] == [403, 403]
    assert not SellerModerator.objects.exists()
    assert APIClient().get(MODERATORS).status_code == 401


def test_where_i_moderate_lists_my_shop_first_then_the_sellers_who_appointed_me():
    me = SellerProfileFactory(shop_name="My Attic").user
    zed = SellerProfileFactory(shop_name="Zed's", user__display_name="Zed").user
    amy = SellerProfileFactory(shop_name="Amy's", user__display_name="Amy").user
    stranger = SellerFactory()
    for seller in (zed, amy):
        seller_moderator_appoint(seller=seller, moderator=me)
    seller_moderator_appoint(seller=stranger, moderator=UserFactory())

    body = api(me).get(MODERATING).json()

    assert body["everywhere"] is False
    assert [(s["id"], s["shop_name"], s["is_own"]) for s in body["sellers"]] == [
        (me.pk, "My Attic", True),
        (amy.pk, "Amy's", False),
        (zed.pk, "Zed's", False),
    ]
    assert body["sellers"][1]["shop_slug"] == amy.seller_profile.slug


def test_where_i_moderate_is_empty_for_a_buyer_and_everywhere_for_staff_moderators():
    staff = staff_moderator_appoint(user=UserFactory())

    assert api(UserFactory()).get(MODERATING).json() == {"everywhere": False, "sellers": []}
    assert api(staff).get(MODERATING).json() == {"everywhere": True, "sellers": []}
    assert APIClient().get(MODERATING).status_code == 401
