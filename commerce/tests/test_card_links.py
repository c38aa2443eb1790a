"""Saved cards link accounts: Stripe's card fingerprint is recorded when a card is saved (decision 0024)."""

import pytest
from django.core.cache import cache

from commerce.services.payments import card_list
from tokshop.users.models import AccountSignal, AccountSignalKind
from tokshop.users.selectors_links import accounts_linked
from tokshop.users.services_links import signal_value
from tokshop.users.tests.factories import UserFactory

from .test_stripe import CARD_OK, browser_saves_card

pytestmark = pytest.mark.django_db

CARD_OTHER = "5555555555554444"


def test_two_accounts_saving_one_card_are_linked(fake_stripe):
    seller, second = UserFactory(), UserFactory()

    browser_saves_card(fake_stripe, seller, CARD_OK)
    browser_saves_card(fake_stripe, second, CARD_OK)

    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)
    [stored] = AccountSignal.objects.filter(user=second, kind=AccountSignalKind.CARD)
    [card] = card_list(user=second)
    assert card.card.fingerprint
    assert stored.value == signal_value(AccountSignalKind.CARD, card.card.fingerprint)


def test_accounts_saving_different_cards_are_not_linked(fake_stripe):
    seller, stranger = UserFactory(), UserFactory()

    browser_saves_card(fake_stripe, seller, CARD_OK)
    browser_saves_card(fake_stripe, stranger, CARD_OTHER)

    assert not accounts_linked(user_id=stranger.pk, other_user_id=seller.pk)
    assert AccountSignal.objects.filter(kind=AccountSignalKind.CARD).count() == 2


def test_a_card_saved_before_fingerprints_were_kept_is_recorded_when_the_buyer_lists_cards(fake_stripe):
    buyer = UserFactory()
    browser_saves_card(fake_stripe, buyer, CARD_OK)
    AccountSignal.objects.all().delete()
    cache.clear()

    [row] = card_list(user=buyer)

    assert AccountSignal.objects.get(user=buyer, kind=AccountSignalKind.CARD).value == signal_value(
        AccountSignalKind.CARD, row.card.fingerprint
    )
