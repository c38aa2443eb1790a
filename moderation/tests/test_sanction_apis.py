"""The sanctions and appeals API: a person reads their own standing and appeals; moderators list,
impose, lift and decide only where they moderate (403 elsewhere)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.models import Appeal, AppealStatus, ModerationAction, Sanction, SanctionKind
from moderation.services.appeals import appeal_create
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.services.sanctions import sanction_impose
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

MY_SANCTIONS = reverse("api:my-sanctions")
APPEALS = reverse("api:appeals")
SANCTIONS = reverse("api:moderation-sanctions")
MODERATION_APPEALS = reverse("api:moderation-appeals")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def seller():
    return SellerFactory(display_name="Lamp Barn")


@pytest.fixture
def helper(seller):
    helper = UserFactory(display_name="Secret Helper")
    seller_moderator_appoint(seller=seller, moderator=helper)
    return helper


@pytest.fixture
def viewer():
    return TrustedUserFactory()


def test_a_person_reads_their_sanctions_naming_the_seller_but_never_the_moderator(seller, helper, viewer):
    mute = sanction_impose(actor=helper, user=viewer, kind="mute", reason="Spam", scope="seller", seller=seller)
    sanction_impose(
        actor=helper, user=TrustedUserFactory(), kind="ban", reason="Not yours", scope="seller", seller=seller
    )

    response = client_for(viewer).get(MY_SANCTIONS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == mute.pk
    assert (row["kind"], row["where"], row["seller"], row["reason"], row["in_force"]) == (
        "mute",
        "in Lamp Barn's shows",
        {"id": seller.pk, "display_name": "Lamp Barn"},
        "Spam",
        True,
    )
    assert (row["imposed_by"], row["expires_at"], row["appeal"]) == ("a moderator", None, None)
    assert "Secret Helper" not in response.content.decode()
    assert str(helper.pk) not in {str(value) for value in row.values()}


def test_appealing_twice_returns_the_same_appeal_and_someone_elses_sanction_is_404(seller, viewer):
    mute = sanction_impose(actor=seller, user=viewer, kind="mute", reason="Spam", scope="seller", seller=seller)
    theirs = sanction_impose(
        actor=seller, user=TrustedUserFactory(), kind="mute", reason="x", scope="seller", seller=seller
    )
    client = client_for(viewer)

    first = client.post(APPEALS, {"sanction_id": mute.pk, "text": "Not spam"}, format="json")
    again = client.post(APPEALS, {"sanction_id": mute.pk, "text": "Really"}, format="json")
    foreign = client.post(APPEALS, {"sanction_id": theirs.pk, "text": "Mine"}, format="json")
    listed = client.get(APPEALS).json()["results"]

    assert (first.status_code, again.status_code, foreign.status_code) == (201, 200, 404)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["text"] == "Not spam"
    assert [row["id"] for row in listed] == [first.json()["id"]]
    assert listed[0]["sanction"]["where"] == "in Lamp Barn's shows"
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sanction_id": 1}, "text"),
        ({"text": "why"}, "sanction_id"),
        ({"sanction_id": 1, "text": "x" * 1001}, "text"),
        ({"sanction_id": 1, "text": "why", "status": "granted"}, "status"),
    ],
)
def test_bad_appeals_are_400_with_the_field(viewer, body, field):
    response = client_for(viewer).post(APPEALS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Appeal.objects.exists()


def test_a_sellers_moderator_imposes_lists_and_lifts_in_that_sellers_shows_only(seller, helper, viewer):
    other = SellerFactory()
    client = client_for(helper)

    created = client.post(
        SANCTIONS,
        {
            "user_id": viewer.pk,
            "kind": "mute",
            "reason": "Flooding",
            "scope": "show",
            "seller_id": seller.pk,
            "show_id": 12,
            "duration_minutes": 30,
        },
        format="json",
    )
    outside = client.post(
        SANCTIONS,
        {"user_id": viewer.pk, "kind": "ban", "reason": "x", "scope": "seller", "seller_id": other.pk},
        format="json",
    )
    everywhere = client.post(
        SANCTIONS, {"user_id": viewer.pk, "kind": "ban", "reason": "x", "scope": "global"}, format="json"
    )
    theirs = sanction_impose(actor=other, user=viewer, kind="mute", reason="Other shop", scope="seller", seller=other)

    assert created.status_code == 201, created.content
    assert (created.json()["show_id"], created.json()["user"]["id"], created.json()["in_force"]) == (
        12,
        viewer.pk,
        True,
    )
    assert (outside.status_code, outside.json()["code"]) == (403, "not_moderator")
    assert (everywhere.status_code, everywhere.json()["code"]) == (403, "not_moderator")
    assert [row["id"] for row in client.get(SANCTIONS).json()["results"]] == [created.json()["id"]]
    assert client.get(SANCTIONS, {"seller": other.pk}).json()["results"] == []

    lift_outside = client.post(reverse("api:moderation-sanction-lift", args=[theirs.pk]), {}, format="json")
    lifted = client.post(
        reverse("api:moderation-sanction-lift", args=[created.json()["id"]]), {"reason": "Calm"}, format="json"
    )

    assert lift_outside.status_code == 403
    assert Sanction.objects.get(pk=theirs.pk).revoked_at is None
    assert lifted.status_code == 200
    assert lifted.json()["in_force"] is False


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "mute", "reason": "x", "scope": "seller"}, 400, "seller_id"),
        ({"kind": "warning", "reason": "x", "scope": "seller", "duration_minutes": 5}, 400, "duration"),
        ({"kind": "mute", "reason": "", "scope": "seller"}, 400, "reason"),
        ({"kind": "exile", "reason": "x", "scope": "seller"}, 400, "kind"),
        ({"kind": "mute", "reason": "x", "scope": "seller", "duration_minutes": 0}, 400, "duration_minutes"),
        ({"kind": "mute", "reason": "x", "scope": "show"}, 400, "show_id"),
    ],
)
def test_bad_sanctions_are_refused_with_the_field_and_nothing_is_stored(seller, viewer, body, status, field):
    body = {"user_id": viewer.pk, **body}
    if "seller_id" not in body and field != "seller_id":
        body["seller_id"] = seller.pk

    response = client_for(seller).post(SANCTIONS, body, format="json")

    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    assert not Sanction.objects.exists()
    assert not ModerationAction.objects.exists()


def test_an_unknown_person_or_seller_is_404(seller, viewer):
    client = client_for(staff_moderator_appoint(user=UserFactory()))

    nobody = client.post(SANCTIONS, {"user_id": 10**12, "kind": "ban", "reason": "x", "scope": "global"}, format="json")
    no_shop = client.post(
        SANCTIONS,
        {"user_id": viewer.pk, "kind": "ban", "reason": "x", "scope": "seller", "seller_id": viewer.pk},
        format="json",
    )

    assert (nobody.status_code, no_shop.status_code) == (404, 404)
    assert not Sanction.objects.exists()


def test_moderators_list_and_decide_the_appeals_in_their_shows_and_get_403_elsewhere(seller, helper, viewer):
    other = SellerFactory()
    mine = sanction_impose(actor=helper, user=viewer, kind="mute", reason="Spam", scope="seller", seller=seller)
    theirs = sanction_impose(actor=other, user=viewer, kind="ban", reason="Rude", scope="seller", seller=other)
    my_appeal, _ = appeal_create(user=viewer, sanction_id=mine.pk, text="Please")
    their_appeal, _ = appeal_create(user=viewer, sanction_id=theirs.pk, text="Please too")
    client = client_for(helper)

    listed = client.get(MODERATION_APPEALS).json()["results"]
    outside = client.post(
        reverse("api:moderation-appeal-decide", args=[their_appeal.pk]), {"decision": "grant"}, format="json"
    )
    granted = client.post(
        reverse("api:moderation-appeal-decide", args=[my_appeal.pk]),
        {"decision": "grant", "note": "Fair enough"},
        format="json",
    )
    twice = client.post(
        reverse("api:moderation-appeal-decide", args=[my_appeal.pk]), {"decision": "deny"}, format="json"
    )
    missing = client.post(reverse("api:moderation-appeal-decide", args=[10**12]), {"decision": "deny"}, format="json")

    assert [row["id"] for row in listed] == [my_appeal.pk]
    assert (listed[0]["user"]["id"], listed[0]["sanction"]["id"]) == (viewer.pk, mine.pk)
    assert (outside.status_code, outside.json()["code"]) == (403, "not_moderator")
    assert Appeal.objects.get(pk=their_appeal.pk).status == AppealStatus.PENDING
    assert granted.status_code == 200
    assert (granted.json()["status"], granted.json()["decision_note"]) == ("granted", "Fair enough")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_decided")
    assert missing.status_code == 404
    assert Sanction.objects.get(pk=mine.pk).revoked_at is not None
    assert Sanction.objects.get(pk=theirs.pk).kind == SanctionKind.BAN


def test_every_route_asks_who_you_are():
    client = APIClient()
    for url in [MY_SANCTIONS, APPEALS, SANCTIONS, MODERATION_APPEALS]:
        assert client.get(url).status_code == 401
    assert client.post(reverse("api:moderation-appeal-decide", args=[1]), {"decision": "deny"}).status_code == 401
