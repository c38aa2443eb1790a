"""Every path of the message check, against the real PostgreSQL and Redis."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from moderation.models import (
    LinkDomain,
    ModerationWord,
    PatternAction,
    Sanction,
    SanctionKind,
    SanctionScope,
    WordKind,
)
from moderation.rules import rules_forget
from moderation.services.check import RATE_LIMIT, Action, check_message
from moderation.services.rules import mute_word_add, pattern_add, slow_mode_set
from moderation.services.sanctions import sanction_create, sanction_revoke

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rules():
    rules_forget()


@pytest.fixture
def sender():
    return TrustedUserFactory()


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Call a service and run what it scheduled for after its commit, as production would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def window_keys():
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return client.keys(f"{settings.REDIS_KEY_PREFIX}:window:*")
    finally:
        client.close()


def test_a_plain_message_is_allowed_as_written(sender, seller):
    verdict = check_message(sender=sender, text="  Is the blue vase still available?  ", seller_id=seller.pk, show_id=1)

    assert (verdict.action, verdict.code, verdict.text) == (Action.ALLOW, "ok", "Is the blue vase still available?")
    assert verdict.is_published
    assert verdict.message


@pytest.mark.parametrize(("text", "code"), [("   ", "empty"), ("x" * 501, "too_long")])
def test_empty_and_overlong_messages_are_refused_and_not_counted(sender, text, code):
    verdict = check_message(sender=sender, text=text)

    assert (verdict.action, verdict.code) == (Action.REJECT, code)
    assert window_keys() == []


def test_a_global_ban_refuses_everywhere_with_reason(sender, seller, commit):
    commit(lambda: sanction_create(user=sender, kind=SanctionKind.BAN, reason="Harassing buyers", created_by=None))

    verdict = check_message(sender=sender, text="hello", seller_id=seller.pk, show_id=3)

    assert (verdict.action, verdict.code) == (Action.REJECT, "banned")
    assert "Harassing buyers" in verdict.message
    assert "until a moderator lifts it" in verdict.message
    assert not verdict.is_published


def test_a_seller_scoped_mute_covers_that_sellers_shows_only(sender, seller, commit):
    other_seller = SellerFactory()
    until = timezone.now() + timedelta(hours=1)
    commit(
        lambda: sanction_create(
            user=sender,
            kind=SanctionKind.MUTE,
            reason="Spam",
            created_by=seller,
            scope=SanctionScope.SELLER,
            seller=seller,
            expires_at=until,
        )
    )

    muted = check_message(sender=sender, text="hello", seller_id=seller.pk, show_id=1)
    # Another text: the mute makes the sender low-trust, and a low-trust sender may not repeat a message.
    elsewhere = check_message(sender=sender, text="hello all", seller_id=other_seller.pk, show_id=2)

    assert (muted.action, muted.code) == (Action.REJECT, "muted")
    assert "in this seller's shows until" in muted.message
    assert elsewhere.action == Action.ALLOW


def test_a_show_scoped_ban_covers_that_show_only(sender, seller, commit):
    commit(
        lambda: sanction_create(
            user=sender,
            kind=SanctionKind.BAN,
            reason="Rude",
            created_by=None,
            scope=SanctionScope.SHOW,
            seller=seller,
            show_id=7,
        )
    )

    assert check_message(sender=sender, text="hi", seller_id=seller.pk, show_id=7).code == "banned"
    assert check_message(sender=sender, text="hi all", seller_id=seller.pk, show_id=8).action == Action.ALLOW


def test_a_ban_is_reported_before_a_mute(sender, commit):
    commit(lambda: sanction_create(user=sender, kind=SanctionKind.MUTE, reason="Spam", created_by=None))
    commit(lambda: sanction_create(user=sender, kind=SanctionKind.BAN, reason="Fraud", created_by=None))

    assert check_message(sender=sender, text="hi").code == "banned"


def test_a_mute_ends_at_its_expiry_and_when_lifted(sender, commit):
    now = timezone.now()
    mute = commit(
        lambda: sanction_create(
            user=sender, kind=SanctionKind.MUTE, reason="Spam", created_by=None, expires_at=now + timedelta(minutes=5)
        )
    )

    assert check_message(sender=sender, text="one", now=now).code == "muted"
    assert check_message(sender=sender, text="two", now=now + timedelta(minutes=6)).action == Action.ALLOW

    commit(lambda: sanction_revoke(sanction_id=mute.pk))
    assert check_message(sender=sender, text="three", now=now).action == Action.ALLOW


def test_a_warning_does_not_silence_but_makes_the_sender_low_trust(sender, commit):
    commit(lambda: sanction_create(user=sender, kind=SanctionKind.WARNING, reason="Tone", created_by=None))

    verdict = check_message(sender=sender, text="see https://elsewhere.example.com/deal")

    assert (verdict.action, verdict.code) == (Action.HOLD, "link")


def test_slow_mode_spaces_messages_per_show(sender, seller, commit):
    commit(lambda: slow_mode_set(seller=seller, seconds=30))
    commit(lambda: slow_mode_set(seller=seller, show_id=9, seconds=0))
    now = timezone.now()

    first = check_message(sender=sender, text="first", seller_id=seller.pk, show_id=1, now=now)
    second = check_message(
        sender=sender, text="second", seller_id=seller.pk, show_id=1, now=now + timedelta(seconds=10)
    )
    other_show = check_message(sender=sender, text="third", seller_id=seller.pk, show_id=9, now=now)
    later = check_message(sender=sender, text="fourth", seller_id=seller.pk, show_id=1, now=now + timedelta(seconds=31))

    assert first.action == Action.ALLOW
    assert (second.action, second.code, second.retry_after) == (Action.REJECT, "slow_mode", 20)
    assert other_show.action == Action.ALLOW
    assert later.action == Action.ALLOW


def test_more_than_five_messages_in_ten_seconds_is_spam(sender):
    now = timezone.now()
    verdicts = [
        check_message(sender=sender, text=f"message {n}", now=now + timedelta(milliseconds=100 * n))
        for n in range(RATE_LIMIT + 1)
    ]

    assert [v.action for v in verdicts[:RATE_LIMIT]] == [Action.ALLOW] * RATE_LIMIT
    assert (verdicts[-1].action, verdicts[-1].code, verdicts[-1].retry_after) == (Action.REJECT, "rate_limited", 10)
    # The window slides: ten seconds after the first message, one more fits.
    assert check_message(sender=sender, text="again", now=now + timedelta(seconds=10)).action == Action.ALLOW


def test_the_same_message_a_third_time_is_refused(sender):
    now = timezone.now()
    texts = ["Is it signed?", "is it SIGNED!!", "Is it signed?"]
    verdicts = [check_message(sender=sender, text=t, now=now + timedelta(seconds=2 * n)) for n, t in enumerate(texts)]

    assert [v.code for v in verdicts] == ["ok", "ok", "repeated"]
    assert check_message(sender=sender, text="Is it signed?", now=now + timedelta(seconds=61)).code == "ok"


def test_a_new_account_may_not_repeat_itself_at_all():
    newcomer = TrustedUserFactory(date_joined=timezone.now())

    assert check_message(sender=newcomer, text="hello").code == "ok"
    assert check_message(sender=newcomer, text="hello").code == "repeated"


@pytest.mark.parametrize("text", ["you are a f u c k i n g joke", "sh1t quality", "what a b!tch", "a$$hole"])
def test_profanity_is_refused(sender, text):
    verdict = check_message(sender=sender, text=text)

    assert (verdict.action, verdict.code) == (Action.REJECT, "profanity")


@pytest.mark.parametrize("text", ["Hello from Scunthorpe", "classic assessment", "a cocktail shaker"])
def test_scunthorpe_cases_pass(sender, text):
    assert check_message(sender=sender, text=text).action == Action.ALLOW


def test_a_sellers_mute_words_apply_in_their_shows_only(sender, seller, commit):
    commit(lambda: mute_word_add(seller=seller, word="Cheap"))
    commit(lambda: mute_word_add(seller=seller, word="fake item"))
    other = SellerFactory()

    assert check_message(sender=sender, text="so ch3aaap", seller_id=seller.pk).code == "muted_word"
    assert check_message(sender=sender, text="total FAKE item", seller_id=seller.pk).code == "muted_word"
    assert check_message(sender=sender, text="so cheap!", seller_id=other.pk).action == Action.ALLOW


def test_staff_words_extend_and_allow_words_override_the_shipped_lists(sender, commit):
    commit(lambda: ModerationWord.objects.create(word="grifter") and None)
    commit(lambda: ModerationWord.objects.create(word="shithole", kind=WordKind.ALLOWED) and None)
    rules_forget()

    assert check_message(sender=sender, text="total grifter").code == "profanity"
    assert check_message(sender=sender, text="the town shithole pub").action == Action.ALLOW


def test_shouting_is_shown_in_lower_case(sender):
    verdict = check_message(sender=sender, text="THIS IS THE BEST SHOW EVER")

    assert (verdict.action, verdict.code, verdict.text) == (Action.REPLACE, "caps", "This is the best show ever")


def test_links_elsewhere_are_removed_and_allowed_domains_kept(sender):
    LinkDomain.objects.create(domain="vintage-guide.org")
    rules_forget()

    removed = check_message(sender=sender, text="cheaper at https://elsewhere.com/x and www.other.net")
    kept = check_message(sender=sender, text="see docs.vintage-guide.org/marks and http://testserver/p/1")

    assert (removed.action, removed.code) == (Action.REPLACE, "link")
    assert removed.text == "cheaper at [link removed] and [link removed]"
    assert kept.action == Action.ALLOW


def test_a_new_accounts_links_and_shouting_are_held_unchanged():
    newcomer = TrustedUserFactory(date_joined=timezone.now() - timedelta(hours=2))

    link = check_message(sender=newcomer, text="look bit.ly/abc")
    shout = check_message(sender=newcomer, text="THIS IS THE BEST SHOW EVER")

    assert (link.action, link.code, link.text) == (Action.HOLD, "link", "look bit.ly/abc")
    assert (shout.action, shout.code, shout.text) == (Action.HOLD, "caps", "THIS IS THE BEST SHOW EVER")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("text me at 555-123-4567", "phone_number"),
        ("call +44 7700 900123 for a deal", "phone_number"),
        ("pay me on cashapp, cheaper", "off_platform_payment"),
        ("my venmo is @deals", "off_platform_payment"),
        ("cashapp $vintagedeals", "off_platform_payment"),
        ("paypal.me/steals", "off_platform_payment"),
        ("let's deal off the platform", "off_platform_payment"),
    ],
)
def test_off_platform_payment_is_held(sender, text, code):
    verdict = check_message(sender=sender, text=text)

    assert (verdict.action, verdict.code) == (Action.HOLD, code)


@pytest.mark.parametrize("text", ["$25 for the lot?", "Order #88213 please", "sizes 8 9 10 11 12", "bid 455"])
def test_prices_and_numbers_are_not_payment_solicitation(sender, text):
    assert check_message(sender=sender, text=text).action == Action.ALLOW


def test_staff_and_seller_patterns(sender, seller, commit):
    commit(lambda: pattern_add(seller=None, pattern=r"\bdm\s+for\s+price\b", action=PatternAction.REJECT))
    commit(lambda: pattern_add(seller=seller, pattern=r"\bgiveaway\b", action=PatternAction.HOLD))
    other = SellerFactory()

    staff = check_message(sender=sender, text="DM for price", seller_id=other.pk)
    in_show = check_message(sender=sender, text="is there a GIVEAWAY?", seller_id=seller.pk)
    elsewhere = check_message(sender=sender, text="is there a giveaway?", seller_id=other.pk)

    assert (staff.action, staff.code) == (Action.REJECT, "pattern")
    assert (in_show.action, in_show.code) == (Action.HOLD, "pattern")
    assert elsewhere.action == Action.ALLOW


@pytest.mark.parametrize(
    ("scope", "with_seller", "show_id"),
    [(SanctionScope.SELLER, False, None), (SanctionScope.SHOW, True, None), (SanctionScope.GLOBAL, True, None)],
)
def test_a_sanction_must_name_what_its_scope_covers(sender, seller, scope, with_seller, show_id):
    with pytest.raises(ValidationError):
        sanction_create(
            user=sender,
            kind=SanctionKind.MUTE,
            reason="Spam",
            created_by=None,
            scope=scope,
            seller=seller if with_seller else None,
            show_id=show_id,
        )

    assert not Sanction.objects.exists()


def test_a_sanction_needs_a_reason(sender):
    with pytest.raises(ValidationError):
        sanction_create(user=sender, kind=SanctionKind.BAN, reason="   ", created_by=None)
