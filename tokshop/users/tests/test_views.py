"""The account pages, as a browser uses them (forms, redirects, messages)."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tokshop.notifications.models import Notification
from tokshop.users.models import ApiToken, User
from tokshop.users.services import api_token_authenticate, api_token_create, email_verification_token_make

from .factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("users:login")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_signup_page_creates_the_account_and_says_where_the_link_went(client, django_capture_on_commit_callbacks):
    form = {
        "email": "kim@example.com",
        "display_name": "Kim",
        "password": "a-long-passphrase",
        "password_confirm": "a-long-passphrase",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("users:signup"), form, follow=True)

    assert response.redirect_chain[-1][0] == reverse("users:signup_done")
    assert b"kim@example.com" in response.content
    assert User.objects.filter(email="kim@example.com").exists()
    assert len(mail.outbox) == 1


def test_signup_page_shows_field_errors(client):
    UserFactory(email="taken@example.com")
    mismatch = {"email": "new@example.com", "display_name": "Kim", "password": "a-long-one", "password_confirm": "x"}
    taken_and_weak = {
        "email": "taken@example.com",
        "display_name": "Kim",
        "password": "short",
        "password_confirm": "short",
    }

    first = client.post(reverse("users:signup"), mismatch)
    second = client.post(reverse("users:signup"), taken_and_weak)

    assert first.status_code == second.status_code == 200
    assert set(first.context["form"].errors) == {"password_confirm"}
    assert set(second.context["form"].errors) == {"email", "password"}
    assert User.objects.count() == 1


def test_the_verification_link_confirms_the_address(client):
    user = UserFactory(email_verified_at=None)

    ok = client.get(reverse("users:verify_email", args=[email_verification_token_make(user=user)]))
    bad = client.get(reverse("users:verify_email", args=["forged"]))

    assert ok.status_code == 200
    assert bad.status_code == 400
    user.refresh_from_db()
    assert user.is_email_verified


def test_an_unverified_user_cannot_sign_in_and_is_offered_a_new_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)

    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Confirm your e-mail address first" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("users:verify_resend"), {"email": user.email})
        client.post(reverse("users:verify_resend"), {"email": "nobody@example.com"})
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_resending_links_to_one_address_is_capped(client):
    user = UserFactory(email_verified_at=None)

    for _ in range(5):
        client.post(reverse("users:verify_resend"), {"email": user.email})

    assert len(mail.outbox) == 3


def test_sign_in_page_locks_out_after_repeated_failures(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(LOGIN, {"username": user.email, "password": "wrong"}).status_code == 200

    locked = client.post(LOGIN, {"username": user.email, "password": "wrong"})
    during = client.post(LOGIN, {"username": user.email, "password": PASSWORD})

    assert locked.status_code == 429
    assert b"sign-in is paused for 15 minutes" in locked.content
    assert during.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_page_form_flood_is_refused(client):
    for i in range(10):
        client.post(reverse("users:signup"), {"email": f"x{i}@example.com"})

    response = client.post(reverse("users:signup"), {"email": "late@example.com"})

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert b"Please wait 60 minutes" in response.content


def test_the_sign_in_page_is_rate_limited_per_client(client, user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/minute"}
    for _ in range(3):
        client.post(LOGIN, {"username": user.email, "password": "wrong"})

    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "_auth_user_id" not in client.session


def test_a_password_reset_signs_out_devices_and_lifts_the_lockout(client, user, settings):
    _token, raw = api_token_create(user=user, name="Phone")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": user.email, "password": "wrong"})
    url = reverse(
        "users:password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )

    form_page = client.get(url, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )

    assert done.status_code == 302
    assert api_token_authenticate(raw=raw) is None
    assert Notification.objects.filter(user=user, kind="security").count() == 1
    signed_in = client.post(LOGIN, {"username": user.email, "password": "a-brand-new-passphrase"})
    assert signed_in.status_code == 302


def test_password_change_page(signed_in, user):
    response = signed_in.post(
        reverse("users:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-passphrase", "new_password2": "another-passphrase"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-passphrase")
    # The session that changed the password stays signed in.
    assert signed_in.get(reverse("users:profile")).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["profile", "shop", "devices", "notification_settings", "password_change"],
)
def test_account_pages_need_a_signed_in_user(client, name):
    response = client.get(reverse(f"users:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("users:profile"),
        reverse("users:shop"),
        reverse("users:devices"),
        reverse("users:notification_settings"),
        reverse("users:password_change"),
        reverse("notifications:list"),
    ],
)
def test_every_page_of_a_signed_in_user_renders(signed_in, url):
    response = signed_in.get(url)

    assert response.status_code == 200
    assert b"Tokshop" in response.content


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("users:signup"),
        LOGIN,
        reverse("users:password_reset"),
    ],
)
def test_every_public_page_renders_with_a_strict_csp(client, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert b"<script>" not in response.content
    assert b" style=" not in response.content


def test_opening_a_shop_from_the_page(signed_in, user):
    response = signed_in.post(
        reverse("users:shop"), {"shop_name": "Kim's Kicks", "slug": "kims-kicks", "bio": "Sneakers"}, follow=True
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_seller
    assert user.seller_profile.slug == "kims-kicks"


def test_a_taken_shop_address_is_shown_as_a_field_error(signed_in):
    SellerProfileFactory(slug="kims-kicks")

    response = signed_in.post(reverse("users:shop"), {"shop_name": "Kim", "slug": "kims-kicks"})

    assert response.status_code == 200
    assert "slug" in response.context["form"].errors


def test_revoking_a_device_from_the_page(signed_in, user, other_user):
    mine, _ = api_token_create(user=user, name="Phone")
    theirs, _ = api_token_create(user=other_user, name="Theirs")

    assert signed_in.post(reverse("users:device_revoke", args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("users:device_revoke", args=[mine.pk])).status_code == 302
    assert list(ApiToken.objects.active().values_list("pk", flat=True)) == [theirs.pk]


def test_expired_tokens_are_not_listed(signed_in, user):
    token, _ = api_token_create(user=user, name="Old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at - timedelta(days=1))

    response = signed_in.get(reverse("users:devices"))

    assert list(response.context["tokens"]) == []


def test_the_favicon_points_at_the_app_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/icon-192.png")


def test_an_admin_password_change_or_deactivation_signs_the_user_out_everywhere(client, user, other_user):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    _token, first = api_token_create(user=user, name="Phone")
    _token, second = api_token_create(user=other_user, name="Phone")

    changed = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    form = {
        "email": other_user.email,
        "display_name": other_user.display_name,
        "is_buyer": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
        "seller_profile-TOTAL_FORMS": "0",
        "seller_profile-INITIAL_FORMS": "0",
    }
    deactivated = client.post(reverse("admin:users_user_change", args=[other_user.pk]), form)

    assert changed.status_code == 302
    assert deactivated.status_code == 302, deactivated.context["adminform"].form.errors
    other_user.refresh_from_db()
    assert not other_user.is_active
    assert api_token_authenticate(raw=first) is None
    assert api_token_authenticate(raw=second) is None
    assert Notification.objects.filter(user=user, kind="security").exists()
