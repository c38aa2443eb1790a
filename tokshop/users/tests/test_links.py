"""Linked accounts: what accounts are seen with (device cookie, address, card) and which accounts that
links (decision 0024)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tokshop.celery import app
from tokshop.users.models import AccountSignal, AccountSignalKind
from tokshop.users.selectors_links import (
    IP_LINK_MAX_ACCOUNTS,
    IP_LINK_WINDOW,
    accounts_linked,
    linked_account_list,
    user_linked_to_seller,
)
from tokshop.users.services_links import (
    DEVICE_COOKIE,
    account_signals_record,
    device_id_new,
    ip_for_links,
    signal_value,
)
from tokshop.users.tasks import account_signals_purge_task

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME_IP = "81.2.69.160"
OTHER_IP = "81.2.69.161"


def seen(user, **kwargs):
    """Record a sighting now, whatever was recorded in the last few minutes."""
    cache.clear()
    return account_signals_record(user_id=user.pk, **kwargs)


# --- Recording ---------------------------------------------------------------------------------------


def test_a_sighting_is_stored_as_keyed_hashes_never_the_raw_values():
    user = UserFactory()
    device = device_id_new()

    written = seen(user, device_id=device, ip=HOME_IP, card_fingerprint="Xt5EWLLDS7FJjR1c")

    assert written == 3
    rows = {row.kind: row.value for row in AccountSignal.objects.filter(user=user)}
    assert rows == {
        AccountSignalKind.DEVICE: signal_value(AccountSignalKind.DEVICE, device),
        AccountSignalKind.IP: signal_value(AccountSignalKind.IP, HOME_IP),
        AccountSignalKind.CARD: signal_value(AccountSignalKind.CARD, "Xt5EWLLDS7FJjR1c"),
    }
    assert all(HOME_IP not in value and device not in value for value in rows.values())


def test_a_busy_account_writes_each_value_once_per_throttle_window():
    user = UserFactory()
    device = device_id_new()
    assert seen(user, device_id=device, ip=HOME_IP) == 2
    first = AccountSignal.objects.get(user=user, kind=AccountSignalKind.IP)

    # Within the window: nothing is written, whatever the number of requests.
    assert account_signals_record(user_id=user.pk, device_id=device, ip=HOME_IP) == 0
    assert account_signals_record(user_id=user.pk, device_id=device, ip=HOME_IP) == 0
    # A new address is new evidence: recorded at once.
    assert account_signals_record(user_id=user.pk, device_id=device, ip=OTHER_IP) == 1

    # After the window: the same row, its last sighting moved on.
    assert seen(user, device_id=device, ip=HOME_IP) == 2
    again = AccountSignal.objects.get(user=user, kind=AccountSignalKind.IP, value=first.value)
    assert again.first_seen_at == first.first_seen_at
    assert again.last_seen_at > first.last_seen_at
    assert AccountSignal.objects.filter(user=user).count() == 3


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.4", "100.64.0.9", "169.254.1.1", "::1", "fd00::1", "unknown", "", "1.2.3"],
)
def test_addresses_shared_by_whole_networks_or_malformed_are_not_recorded(address):
    user = UserFactory()

    assert seen(user, ip=address) == 0
    assert not AccountSignal.objects.filter(user=user).exists()


def test_an_ipv6_client_is_known_by_its_64_and_a_mapped_ipv4_by_the_ipv4():
    assert (
        ip_for_links("2a00:1450:4001:81a::200e")
        == ip_for_links("2a00:1450:4001:81a:1234::1")
        == ("2a00:1450:4001:81a::/64")
    )
    assert ip_for_links("::ffff:81.2.69.160") == HOME_IP


def test_a_device_cookie_we_did_not_issue_is_not_recorded():
    user = UserFactory()

    assert seen(user, device_id="seller's-device") == 0
    assert seen(user, device_id="x" * 31) == 0
    assert not AccountSignal.objects.exists()


# --- Links ------------------------------------------------------------------------------------------


def test_accounts_seen_on_one_device_are_linked_both_ways():
    seller, second = UserFactory(), UserFactory()
    device = device_id_new()
    seen(seller, device_id=device)
    seen(second, device_id=device)

    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)
    assert accounts_linked(user_id=seller.pk, other_user_id=second.pk)


def test_accounts_that_saved_one_card_are_linked():
    seller, second = UserFactory(), UserFactory()
    seen(seller, card_fingerprint="Xt5EWLLDS7FJjR1c")
    seen(second, card_fingerprint="Xt5EWLLDS7FJjR1c")

    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_accounts_seen_on_one_address_are_linked():
    seller, second = UserFactory(), UserFactory()
    seen(seller, ip=HOME_IP)
    seen(second, ip=HOME_IP)

    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_accounts_sharing_nothing_are_not_linked():
    seller, stranger = UserFactory(), UserFactory()
    seen(seller, device_id=device_id_new(), ip=HOME_IP, card_fingerprint="Xt5EWLLDS7FJjR1c")
    seen(stranger, device_id=device_id_new(), ip=OTHER_IP, card_fingerprint="Yk2ZqPLDS7FJjR9a")

    assert not accounts_linked(user_id=stranger.pk, other_user_id=seller.pk)
    assert not accounts_linked(user_id=seller.pk, other_user_id=stranger.pk)
    # Different kinds never match each other, even with equal raw text.
    assert not AccountSignal.objects.filter(value=signal_value(AccountSignalKind.IP, "Xt5EWLLDS7FJjR1c")).exists()


def test_an_account_is_not_linked_to_itself():
    seller = UserFactory()
    seen(seller, device_id=device_id_new(), ip=HOME_IP)

    assert not accounts_linked(user_id=seller.pk, other_user_id=seller.pk)


def test_an_address_shared_longer_ago_than_the_window_links_nobody():
    seller, second = UserFactory(), UserFactory()
    seen(seller, ip=HOME_IP)
    seen(second, ip=HOME_IP)
    AccountSignal.objects.filter(user=seller).update(last_seen_at=timezone.now() - IP_LINK_WINDOW - timedelta(hours=1))

    assert not accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_a_device_links_however_long_ago_it_was_seen():
    seller, second = UserFactory(), UserFactory()
    device = device_id_new()
    seen(seller, device_id=device)
    seen(second, device_id=device)
    AccountSignal.objects.filter(user=seller).update(last_seen_at=timezone.now() - timedelta(days=365))

    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_the_daily_purge_deletes_addresses_past_the_window_and_keeps_devices_and_cards():
    old, recent = UserFactory(), UserFactory()
    seen(old, ip=HOME_IP, device_id=device_id_new(), card_fingerprint="fp_old")
    seen(recent, ip=OTHER_IP)
    long_ago = timezone.now() - IP_LINK_WINDOW - timedelta(hours=1)
    AccountSignal.objects.filter(user=old).update(last_seen_at=long_ago)
    AccountSignal.objects.filter(user=recent).update(last_seen_at=long_ago + timedelta(hours=2))

    assert account_signals_purge_task.delay().get() == 1

    assert sorted(AccountSignal.objects.filter(user=old).values_list("kind", flat=True)) == ["card", "device"]
    assert AccountSignal.objects.filter(user=recent, kind=AccountSignalKind.IP).exists()
    assert "users.account_signals_purge" in {entry["task"] for entry in app.conf.beat_schedule.values()}


def test_an_address_shared_by_many_accounts_is_a_network_and_links_nobody():
    seller, second = UserFactory(), UserFactory()
    seen(seller, ip=HOME_IP)
    seen(second, ip=HOME_IP)
    for _ in range(IP_LINK_MAX_ACCOUNTS - 2):
        seen(UserFactory(), ip=HOME_IP)
    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)

    seen(UserFactory(), ip=HOME_IP)

    assert not accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_the_hot_path_costs_one_query_then_none(django_assert_num_queries):
    seller, second, stranger = UserFactory(), UserFactory(), UserFactory()
    device = device_id_new()
    seen(seller, device_id=device, ip=HOME_IP)
    seen(second, device_id=device)
    seen(stranger, ip=OTHER_IP)
    cache.clear()

    with django_assert_num_queries(1):
        assert user_linked_to_seller(user_id=second.pk, seller_id=seller.pk)
    with django_assert_num_queries(1):
        assert not user_linked_to_seller(user_id=stranger.pk, seller_id=seller.pk)
    with django_assert_num_queries(0):
        assert user_linked_to_seller(user_id=second.pk, seller_id=seller.pk)
        assert not user_linked_to_seller(user_id=stranger.pk, seller_id=seller.pk)


def test_a_cached_answer_stands_until_it_expires():
    seller, later = UserFactory(), UserFactory()
    device = device_id_new()
    seen(seller, device_id=device)
    assert not user_linked_to_seller(user_id=later.pk, seller_id=seller.pk)

    # Recorded without clearing the cache: the answer already given stands (no invalidation).
    account_signals_record(user_id=later.pk, device_id=device)

    assert not user_linked_to_seller(user_id=later.pk, seller_id=seller.pk)
    assert accounts_linked(user_id=later.pk, other_user_id=seller.pk)
    cache.delete(f"users:linked:{seller.pk}:{later.pk}")
    assert user_linked_to_seller(user_id=later.pk, seller_id=seller.pk)


def test_the_linked_account_list_says_what_each_account_shares():
    seller, second, third, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    device = device_id_new()
    seen(seller, device_id=device, ip=HOME_IP, card_fingerprint="Xt5EWLLDS7FJjR1c")
    seen(second, device_id=device, ip=HOME_IP)
    seen(third, card_fingerprint="Xt5EWLLDS7FJjR1c")
    seen(stranger, ip=OTHER_IP)

    linked = {link.user.pk: link.kinds for link in linked_account_list(user_id=seller.pk)}

    assert linked == {second.pk: ["Device", "IP address"], third.pk: ["Card"]}


# --- Where sightings come from ----------------------------------------------------------------------


def test_the_middleware_gives_a_signed_in_browser_its_device_cookie_once():
    user = UserFactory()
    client = Client(REMOTE_ADDR=HOME_IP)
    client.force_login(user)

    first = client.get(reverse("users:profile"))
    second = client.get(reverse("users:profile"))

    cookie = first.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # Secure follows SESSION_COOKIE_SECURE: on in production only.
    assert int(cookie["max-age"]) > 365 * 24 * 3600
    assert DEVICE_COOKIE not in second.cookies
    kinds = dict(AccountSignal.objects.filter(user=user).values_list("kind", "value"))
    assert kinds == {
        AccountSignalKind.DEVICE: signal_value(AccountSignalKind.DEVICE, cookie.value),
        AccountSignalKind.IP: signal_value(AccountSignalKind.IP, HOME_IP),
    }


def test_the_device_cookie_is_secure_where_the_session_cookie_is(settings):
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    client.force_login(UserFactory())

    response = client.get(reverse("users:profile"))

    assert response.cookies[DEVICE_COOKIE]["secure"] is True


def test_visitors_get_no_device_cookie_and_nothing_is_recorded():
    response = Client(REMOTE_ADDR=HOME_IP).get(reverse("home"))

    assert DEVICE_COOKIE not in response.cookies
    assert not AccountSignal.objects.exists()


def test_one_browser_signing_in_to_two_accounts_links_them():
    seller, second = UserFactory(), UserFactory()
    browser = Client()

    response = browser.post(reverse("users:login"), {"username": seller.email, "password": PASSWORD})
    assert response.status_code == 302
    device = response.cookies[DEVICE_COOKIE].value
    browser.post(reverse("users:logout"))
    browser.post(reverse("users:login"), {"username": second.email, "password": PASSWORD})

    # The cookie outlived the sign-out: both accounts were recorded with the same browser.
    assert browser.cookies[DEVICE_COOKIE].value == device
    assert accounts_linked(user_id=second.pk, other_user_id=seller.pk)


def test_a_forged_device_cookie_is_replaced_not_recorded():
    user = UserFactory()
    client = Client()
    client.cookies[DEVICE_COOKIE] = "someone-elses"
    client.force_login(user)

    response = client.get(reverse("users:profile"))

    issued = response.cookies[DEVICE_COOKIE].value
    assert issued != "someone-elses"
    assert list(AccountSignal.objects.filter(user=user).values_list("value", flat=True)) == [
        signal_value(AccountSignalKind.DEVICE, issued)
    ]


def test_the_app_signing_in_and_using_its_token_records_the_address_and_browser():
    user = UserFactory()
    device = device_id_new()
    client = APIClient(REMOTE_ADDR=HOME_IP)
    client.cookies[DEVICE_COOKIE] = device

    response = client.post(
        "/api/v1/auth/tokens/", {"email": user.email, "password": PASSWORD, "name": "Phone"}, format="json"
    )

    assert response.status_code == 201
    recorded = set(AccountSignal.objects.filter(user=user).values_list("kind", "value"))
    assert recorded == {
        (AccountSignalKind.DEVICE, signal_value(AccountSignalKind.DEVICE, device)),
        (AccountSignalKind.IP, signal_value(AccountSignalKind.IP, HOME_IP)),
    }

    app = APIClient(REMOTE_ADDR=OTHER_IP)
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert app.get("/api/v1/me/").status_code == 200
    assert AccountSignal.objects.filter(
        user=user, kind=AccountSignalKind.IP, value=signal_value(AccountSignalKind.IP, OTHER_IP)
    ).exists()


def test_a_refused_sign_in_records_nothing():
    user = UserFactory()
    client = APIClient(REMOTE_ADDR=HOME_IP)

    response = client.post(
        "/api/v1/auth/tokens/", {"email": user.email, "password": "wrong-password", "name": "Phone"}, format="json"
    )

    assert response.status_code == 400
    assert not AccountSignal.objects.exists()


def test_the_user_admin_lists_linked_accounts(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    seller, second = UserFactory(display_name="Vintage Vera"), UserFactory(display_name="Second Sam")
    device = device_id_new()
    seen(seller, device_id=device)
    seen(second, device_id=device)
    client.force_login(admin_user)

    page = client.get(reverse("admin:users_user_change", args=[seller.pk])).content.decode()

    assert "Accounts sharing a device, card or address" in page
    assert f'<a href="{reverse("admin:users_user_change", args=[second.pk])}">Second Sam' in page
    assert "Device: 1, last " in page
