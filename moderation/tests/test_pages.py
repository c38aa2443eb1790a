"""The seller's moderation page and the moderators' page: forms that work without JavaScript, refusals
shown where they happen, and nobody acting outside the shows they moderate."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import (
    AppealStatus,
    AuditAction,
    HeldStatus,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Sanction,
    SanctionKind,
    SanctionScope,
    SellerModerator,
    SlowMode,
)
from moderation.services.appeals import appeal_create
from moderation.services.check import check_message
from moderation.services.held import message_hold
from moderation.services.moderators import UNKNOWN_EMAIL, seller_moderator_appoint
from moderation.services.rules import mute_word_add, pattern_add
from moderation.services.sanctions import sanction_impose, sanction_lift
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import SellerFactory

pytestmark = pytest.mark.django_db

SELLER_PAGE = reverse("moderation:seller")
MODERATING = reverse("moderation:moderating")


@pytest.fixture
def seller():
    return SellerProfileFactory(shop_name="Vinyl Vault", user__display_name="Vera").user


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller)
    return client


def mute(seller, user, *, actor=None, kind=SanctionKind.MUTE, minutes=60):
    return sanction_impose(
        actor=actor or seller,
        user=user,
        kind=kind,
        reason="Spam links",
        scope=SanctionScope.SELLER,
        seller=seller,
        duration=timedelta(minutes=minutes) if minutes else None,
    )


def page_text(response) -> str:
    return response.content.decode()


# --- The seller's page ---------------------------------------------------------------------------
def test_the_seller_page_shows_moderators_words_patterns_slow_mode_and_sanctions(seller, seller_client):
    helper = UserFactory(display_name="Hana Helper")
    seller_moderator_appoint(seller=seller, moderator=helper)
    mute_word_add(seller=seller, word="bargainbin")
    pattern_add(seller=seller, pattern=r"order\s*#\d+", description="Order numbers")
    troll, old = UserFactory(display_name="Troll Tom"), UserFactory(display_name="Old Olga")
    mute(seller, troll)
    sanction_lift(actor=seller, sanction_id=mute(seller, old).pk)
    elsewhere = SellerFactory()
    mute(elsewhere, UserFactory(display_name="Somebody Elsewhere"))

    response = seller_client.get(SELLER_PAGE)
    text = page_text(response)

    assert response.status_code == 200
    for shown in ["Hana Helper", helper.email, "bargainbin", r"order\s*#\d+", "Order numbers", "Troll Tom"]:
        assert shown in text
    assert "Off: viewers may post" in text
    assert [s.user for s in response.context["sanctions"].active] == [troll]
    assert [s.user for s in response.context["sanctions"].recent] == [old]
    assert "Lifted" in text
    assert "Somebody Elsewhere" not in text
    assert 'href="/seller/moderation/"' in text


def test_someone_without_a_shop_is_sent_to_open_one_and_changes_nothing(client):
    buyer = UserFactory()
    client.force_login(buyer)

    shown = client.get(SELLER_PAGE)
    posted = client.post(SELLER_PAGE, {"form": "word", "word-word": "spam"})

    assert shown.status_code == posted.status_code == 302
    assert shown.url == posted.url == reverse("users:shop")
    assert not ModerationWord.objects.exists()
    assert client.logout() is None
    assert client.get(SELLER_PAGE).url.startswith(reverse("users:login"))


def test_a_seller_appoints_a_moderator_by_email_then_removes_them(seller, seller_client):
    helper = UserFactory(display_name="Hana Helper")

    appointed = seller_client.post(SELLER_PAGE, {"form": "moderator", "moderator-email": helper.email.upper()})
    page = seller_client.get(SELLER_PAGE)
    removed = seller_client.post(reverse("moderation:seller_moderator_remove", args=[helper.pk]), follow=True)

    assert appointed.status_code == 302
    assert appointed.url == SELLER_PAGE + "#moderator"
    assert "Hana Helper moderates your shows now" in page_text(page)
    assert "The moderator is removed" in page_text(removed)
    assert not SellerModerator.objects.exists()
    assert list(ModerationAction.objects.values_list("action", flat=True).order_by("id")) == [
        AuditAction.MODERATOR_APPOINT,
        AuditAction.MODERATOR_REMOVE,
    ]


@pytest.mark.parametrize(
    ("email", "reason"),
    [("nobody@example.com", UNKNOWN_EMAIL), ("self", "You already moderate your own shows."), ("x@", "valid")],
)
def test_a_moderator_who_cannot_be_appointed_is_refused_on_the_page_keeping_the_address(
    seller, seller_client, email, reason
):
    email = seller.email if email == "self" else email

    response = seller_client.post(SELLER_PAGE, {"form": "moderator", "moderator-email": email})

    assert response.status_code == 400
    form = response.context["moderator_form"]
    assert reason in " ".join(form.errors.get("email", []) + form.non_field_errors())
    assert reason.replace("'", "&#x27;") in page_text(response)
    assert f'value="{email}"' in page_text(response)
    assert not SellerModerator.objects.exists()


def test_a_seller_mutes_and_unmutes_a_word(seller, seller_client):
    added = seller_client.post(SELLER_PAGE, {"form": "word", "word-word": "  Cheap  Knockoff "}, follow=True)
    word = ModerationWord.objects.get(seller=seller)

    removed = seller_client.post(reverse("moderation:seller_word_remove", args=[word.pk]), follow=True)

    assert word.word == "cheap knockoff"
    assert "“cheap knockoff” is muted in your shows." in page_text(added)
    assert "The word is unmuted." in page_text(removed)
    assert not ModerationWord.objects.exists()


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "no back-references"),
        (r"(unclosed", "missing )"),
        (r"x*", "matches an empty message"),
        (r"(?:a{1000}){1000}", "invalid repetition size"),
    ],
)
def test_a_bad_pattern_is_refused_with_the_reason_beside_it_and_kept_in_the_field(
    seller, seller_client, pattern, reason
):
    response = seller_client.post(
        SELLER_PAGE, {"form": "pattern", "pattern-pattern": pattern, "pattern-action": "hold"}
    )

    assert response.status_code == 400
    [error] = response.context["pattern_form"].errors["pattern"]
    assert reason in error
    text = page_text(response)
    assert "field-error" in text
    assert "Please correct the highlighted fields." in text
    assert not ModerationPattern.objects.exists()


def test_a_seller_adds_and_removes_a_pattern(seller, seller_client):
    added = seller_client.post(
        SELLER_PAGE,
        {"form": "pattern", "pattern-pattern": r"dm\s+me", "pattern-action": "reject", "pattern-description": "DMs"},
    )
    pattern = ModerationPattern.objects.get(seller=seller)

    removed = seller_client.post(reverse("moderation:seller_pattern_remove", args=[pattern.pk]))

    assert added.status_code == removed.status_code == 302
    assert (pattern.pattern, pattern.action, pattern.description) == (r"dm\s+me", "reject", "DMs")
    assert not ModerationPattern.objects.exists()


def test_a_seller_sets_and_turns_off_slow_mode(seller, seller_client):
    seller_client.post(SELLER_PAGE, {"form": "slow_mode", "slow_mode-seconds": "30"})
    on = seller_client.get(SELLER_PAGE)
    refused = seller_client.post(SELLER_PAGE, {"form": "slow_mode", "slow_mode-seconds": "7200"})
    seller_client.post(SELLER_PAGE, {"form": "slow_mode", "slow_mode-seconds": "0"})

    assert "On: 30 seconds between messages" in page_text(on)
    assert on.context["slow_mode_form"]["seconds"].value() == 30
    assert refused.status_code == 400
    assert "slow_mode-seconds" in page_text(refused)
    assert SlowMode.objects.get(seller=seller, show_id=None).seconds == 0


def test_a_seller_mutes_someone_in_their_shows_by_email_and_lifts_it(seller, seller_client):
    troll = UserFactory(display_name="Troll Tom")
    before = timezone.now()

    muted = seller_client.post(
        SELLER_PAGE,
        {
            "form": "sanction",
            "sanction-email": troll.email,
            "sanction-kind": "mute",
            "sanction-duration": "1440",
            "sanction-reason": "Spam links",
        },
        follow=True,
    )
    sanction = Sanction.objects.get()
    lifted = seller_client.post(
        reverse("moderation:sanction_lift", args=[sanction.pk]), {"next": SELLER_PAGE + "#sanction"}
    )

    assert "Troll Tom is muted in these shows until" in page_text(muted)
    assert (sanction.user, sanction.kind, sanction.scope, sanction.seller, sanction.created_by) == (
        troll,
        SanctionKind.MUTE,
        SanctionScope.SELLER,
        seller,
        seller,
    )
    assert before + timedelta(hours=24) <= sanction.expires_at <= timezone.now() + timedelta(hours=24)
    assert lifted.status_code == 302
    assert lifted.url == SELLER_PAGE + "#sanction"
    sanction.refresh_from_db()
    assert sanction.revoked_at is not None
    assert Notification.objects.filter(user=troll).count() == 2


def test_a_ban_until_lifted_has_no_end(seller, seller_client):
    troll = UserFactory()

    seller_client.post(
        SELLER_PAGE,
        {
            "form": "sanction",
            "sanction-email": troll.email,
            "sanction-kind": "ban",
            "sanction-duration": "0",
            "sanction-reason": "Threats",
        },
    )

    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.expires_at) == (SanctionKind.BAN, None)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"sanction-email": "nobody@example.com"}, "email", UNKNOWN_EMAIL),
        ({"sanction-email": "self"}, None, "You can't sanction yourself."),
        ({"sanction-reason": ""}, "reason", "This field is required."),
        ({"sanction-kind": "warning"}, "kind", "Select a valid choice."),
        ({"sanction-duration": "7"}, "duration", "Select a valid choice."),
        ({"sanction-duration": ""}, "duration", "This field is required."),
    ],
)
def test_a_sanction_that_cannot_be_imposed_is_refused_on_the_page(seller, seller_client, fields, field, reason):
    data = {
        "form": "sanction",
        "sanction-email": UserFactory().email,
        "sanction-kind": "mute",
        "sanction-duration": "60",
        "sanction-reason": "Spam",
        **fields,
    }
    if data["sanction-email"] == "self":
        data["sanction-email"] = seller.email

    response = seller_client.post(SELLER_PAGE, data)

    assert response.status_code == 400
    errors = response.context["sanction_form"].errors
    assert reason in " ".join(errors[field] if field else errors["__all__"])
    assert not Sanction.objects.exists()


def test_another_sellers_words_patterns_and_moderators_cannot_be_removed(seller_client):
    other, helper = SellerFactory(), UserFactory()
    word, pattern = mute_word_add(seller=other, word="theirs"), pattern_add(seller=other, pattern="theirs+")
    seller_moderator_appoint(seller=other, moderator=helper)

    responses = [
        seller_client.post(reverse("moderation:seller_word_remove", args=[word.pk])),
        seller_client.post(reverse("moderation:seller_pattern_remove", args=[pattern.pk])),
        seller_client.post(reverse("moderation:seller_moderator_remove", args=[helper.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert ModerationWord.objects.filter(pk=word.pk).exists()
    assert ModerationPattern.objects.filter(pk=pattern.pk).exists()
    assert SellerModerator.objects.filter(seller=other).exists()


# --- The moderators' page -----------------------------------------------------------------------
@pytest.fixture
def helper(seller):
    helper = UserFactory(display_name="Hana Helper")
    seller_moderator_appoint(seller=seller, moderator=helper)
    return helper


def test_an_appointed_moderator_sees_the_sellers_they_moderate_for_and_their_sanctions(client, seller, helper):
    troll = UserFactory(display_name="Troll Tom")
    mute(seller, troll)
    other = SellerProfileFactory(shop_name="Not Hers").user
    mute(other, UserFactory(display_name="Somebody Elsewhere"))
    client.force_login(helper)

    response = client.get(MODERATING)
    text = page_text(response)

    assert response.status_code == 200
    assert [section["seller"] for section in response.context["sections"]] == [seller]
    assert "Vinyl Vault" in text
    assert "Appointed by Vera" in text
    assert "Troll Tom" in text
    assert "Not Hers" not in text
    assert "Somebody Elsewhere" not in text
    assert 'data-testid="moderating-link"' in text


def test_the_menu_links_the_moderators_page_only_for_appointed_moderators(client, seller, helper):
    client.force_login(UserFactory())
    assert 'data-testid="moderating-link"' not in page_text(client.get(reverse("home")))
    client.force_login(seller)
    assert 'data-testid="moderating-link"' not in page_text(client.get(reverse("home")))
    client.force_login(helper)
    assert 'data-testid="moderating-link"' in page_text(client.get(reverse("home")))


def test_a_seller_reaches_the_moderators_page_for_their_own_shop(client, seller):
    client.force_login(seller)

    response = client.get(MODERATING)

    assert response.status_code == 200
    assert [section["seller"] for section in response.context["sections"]] == [seller]
    assert "Your shop's rules" in page_text(response)


def test_someone_who_moderates_nowhere_sees_an_empty_page(client):
    client.force_login(UserFactory())

    response = client.get(MODERATING)

    assert response.status_code == 200
    assert "You don't moderate any shows" in page_text(response)


def test_a_moderator_mutes_and_lifts_in_the_shows_they_moderate(client, seller, helper):
    troll = UserFactory(display_name="Troll Tom")
    client.force_login(helper)
    prefix = f"seller-{seller.pk}"

    muted = client.post(
        reverse("moderation:sanction_impose", args=[seller.pk]),
        {
            f"{prefix}-email": troll.email,
            f"{prefix}-kind": "mute",
            f"{prefix}-duration": "15",
            f"{prefix}-reason": "Spam",
        },
    )
    sanction = Sanction.objects.get()
    lifted = client.post(reverse("moderation:sanction_lift", args=[sanction.pk]), {"next": MODERATING}, follow=True)

    assert muted.status_code == 302
    assert muted.url == MODERATING + f"#{prefix}"
    assert (sanction.seller, sanction.created_by, sanction.user) == (seller, helper, troll)
    assert "Troll Tom is unmuted; they are told." in page_text(lifted)
    sanction.refresh_from_db()
    assert sanction.revoked_at is not None
    assert ModerationAction.objects.filter(actor=helper, action=AuditAction.UNMUTE, target_user=troll).exists()


def test_a_refused_sanction_shows_its_errors_in_that_sellers_section(client, seller, helper):
    client.force_login(helper)
    prefix = f"seller-{seller.pk}"

    response = client.post(
        reverse("moderation:sanction_impose", args=[seller.pk]),
        {
            f"{prefix}-email": "nobody@example.com",
            f"{prefix}-kind": "ban",
            f"{prefix}-duration": "0",
            f"{prefix}-reason": "Threats",
        },
    )

    assert response.status_code == 400
    [section] = response.context["sections"]
    assert section["form"].errors["email"] == [UNKNOWN_EMAIL]
    assert 'value="nobody@example.com"' in page_text(response)
    assert not Sanction.objects.exists()


def test_a_moderator_acting_for_a_seller_they_do_not_moderate_is_403_and_nothing_changes(client, helper):
    other, troll = SellerFactory(), UserFactory()
    theirs = mute(other, troll)
    client.force_login(helper)
    prefix = f"seller-{other.pk}"

    imposed = client.post(
        reverse("moderation:sanction_impose", args=[other.pk]),
        {f"{prefix}-email": troll.email, f"{prefix}-kind": "ban", f"{prefix}-reason": "Mine now"},
    )
    lifted = client.post(reverse("moderation:sanction_lift", args=[theirs.pk]))
    unknown = client.post(reverse("moderation:sanction_impose", args=[10**9]))

    assert (imposed.status_code, lifted.status_code, unknown.status_code) == (403, 403, 403)
    assert list(Sanction.objects.values_list("pk", "revoked_at")) == [(theirs.pk, None)]
    assert not ModerationAction.objects.filter(actor=helper).exists()


def test_a_removed_moderator_loses_the_page_and_the_powers(client, seller, helper):
    sanction = mute(seller, UserFactory())
    seller.appointed_moderators.all().delete()
    client.force_login(helper)

    assert client.get(MODERATING).context["sections"] == []
    assert client.post(reverse("moderation:sanction_lift", args=[sanction.pk])).status_code == 403
    sanction.refresh_from_db()
    assert sanction.revoked_at is None


def test_lifting_a_sanction_that_does_not_exist_is_404_and_a_warning_has_nothing_to_lift(client, seller):
    warning = sanction_impose(
        actor=seller,
        user=UserFactory(),
        kind=SanctionKind.WARNING,
        reason="Caps",
        scope=SanctionScope.SELLER,
        seller=seller,
    )
    client.force_login(seller)

    missing = client.post(reverse("moderation:sanction_lift", args=[10**9]))
    refused = client.post(reverse("moderation:sanction_lift", args=[warning.pk]), follow=True)

    assert missing.status_code == 404
    assert "A warning stays on the record" in page_text(refused)


def test_lifting_never_sends_the_moderator_off_site(client, seller):
    sanction = mute(seller, UserFactory())
    client.force_login(seller)

    response = client.post(reverse("moderation:sanction_lift", args=[sanction.pk]), {"next": "https://evil.example/"})

    assert response.url == MODERATING


def test_get_is_not_allowed_on_the_action_routes(client, seller):
    sanction = mute(seller, UserFactory())
    client.force_login(seller)

    assert client.get(reverse("moderation:sanction_lift", args=[sanction.pk])).status_code == 405
    assert client.get(reverse("moderation:sanction_impose", args=[seller.pk])).status_code == 405
    sanction.refresh_from_db()
    assert sanction.revoked_at is None


# --- Held messages and appeals on the moderators' page ----------------------------------------------


def _held(seller, text="Text me on 555 123 4567"):
    sender = UserFactory(display_name="Phil Phone")
    verdict = check_message(sender=sender, text=text, seller_id=seller.pk, show_id=7)
    return message_hold(sender=sender, seller_id=seller.pk, show_id=7, verdict=verdict)


def test_a_moderator_sees_held_messages_and_appeals_of_the_shows_they_moderate(client, seller, helper):
    held = _held(seller)
    troll = UserFactory(display_name="Troll Tom")
    appeal, _ = appeal_create(user=troll, sanction_id=mute(seller, troll).pk, text="It was a joke, honest")
    elsewhere = _held(SellerFactory(), text="Call 555 987 6543")
    client.force_login(helper)

    page = unescape(page_text(client.get(MODERATING)))

    assert held.text in page
    assert held.verdict_message in page
    assert appeal.text in page
    assert elsewhere.text not in page


def test_a_moderator_shows_one_held_message_and_keeps_another_hidden(client, seller, helper):
    shown, hidden = _held(seller), _held(seller, text="pay me on venmo @phil")
    client.force_login(helper)

    released = client.post(reverse("moderation:held_release", args=[shown.pk]), {"next": MODERATING}, follow=True)
    removed = client.post(reverse("moderation:held_remove", args=[hidden.pk]), {"next": MODERATING}, follow=True)

    assert "Phil Phone's message is shown in the chat; they are told." in unescape(page_text(released))
    assert "Phil Phone's message stays hidden; they are told why." in unescape(page_text(removed))
    shown.refresh_from_db()
    hidden.refresh_from_db()
    assert (shown.status, shown.decided_by) == (HeldStatus.RELEASED, helper)
    assert (hidden.status, hidden.decided_by) == (HeldStatus.REMOVED, helper)
    again = client.post(reverse("moderation:held_release", args=[hidden.pk]), {"next": MODERATING}, follow=True)
    assert again.status_code == 200
    hidden.refresh_from_db()
    assert hidden.status == HeldStatus.REMOVED


@pytest.mark.parametrize(
    ("decision", "status", "lifted"), [("grant", AppealStatus.GRANTED, True), ("deny", AppealStatus.DENIED, False)]
)
def test_a_moderator_decides_an_appeal_with_a_note(client, seller, helper, decision, status, lifted):
    troll = UserFactory(display_name="Troll Tom")
    sanction = mute(seller, troll)
    appeal, _ = appeal_create(user=troll, sanction_id=sanction.pk, text="It was a joke, honest")
    client.force_login(helper)

    response = client.post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {"decision": decision, "note": "Be kind", "next": MODERATING},
        follow=True,
    )

    appeal.refresh_from_db()
    sanction.refresh_from_db()
    assert "Troll Tom's appeal is" in unescape(page_text(response))
    assert (appeal.status, appeal.decided_by, appeal.decision_note) == (status, helper, "Be kind")
    assert (sanction.revoked_at is not None) is lifted


def test_an_appeal_without_a_decision_is_refused_and_stays_pending(client, seller, helper):
    troll = UserFactory()
    appeal, _ = appeal_create(user=troll, sanction_id=mute(seller, troll).pk, text="Please")
    client.force_login(helper)

    response = client.post(reverse("moderation:appeal_decide", args=[appeal.pk]), {"decision": "maybe"}, follow=True)

    appeal.refresh_from_db()
    assert "Grant or deny the appeal" in unescape(page_text(response))
    assert appeal.status == AppealStatus.PENDING


def test_held_messages_and_appeals_elsewhere_are_403_and_unknown_ones_404(client, seller, helper):
    other = SellerFactory()
    held = _held(other)
    troll = UserFactory()
    appeal, _ = appeal_create(user=troll, sanction_id=mute(other, troll).pk, text="Please")
    client.force_login(helper)

    assert client.post(reverse("moderation:held_release", args=[held.pk])).status_code == 403
    assert client.post(reverse("moderation:held_remove", args=[held.pk])).status_code == 403
    assert client.post(reverse("moderation:appeal_decide", args=[appeal.pk]), {"decision": "grant"}).status_code == 403
    assert client.post(reverse("moderation:held_release", args=[10**9])).status_code == 404
    assert client.post(reverse("moderation:appeal_decide", args=[10**9]), {"decision": "grant"}).status_code == 404
    held.refresh_from_db()
    appeal.refresh_from_db()
    assert (held.status, appeal.status) == (HeldStatus.PENDING, AppealStatus.PENDING)
