from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from tokshop.users.models import ApiToken, User
from tokshop.users.services import email_verification_token_make

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("api:signup")
TOKENS = reverse("api:tokens")
ME = reverse("api:me")


def test_signup_then_verify_then_sign_in(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            SIGNUP, {"email": "bo@example.com", "password": "a-long-passphrase", "display_name": "Bo"}
        )
    assert response.status_code == 201, response.json()
    assert response.json()["email_verified"] is False
    assert len(mail.outbox) == 1

    refused = api_client.post(TOKENS, {"email": "bo@example.com", "password": "a-long-passphrase"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "email_unverified"

    token = email_verification_token_make(user=User.objects.get(email="bo@example.com"))
    verified = api_client.post(reverse("api:verify-email"), {"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True

    obtained = api_client.post(TOKENS, {"email": "bo@example.com", "password": "a-long-passphrase", "name": "Pixel"})
    assert obtained.status_code == 201
    assert set(obtained.json()) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "token"}

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {obtained.json()['token']}")
    me = api_client.get(ME)
    assert me.status_code == 200
    assert me.json()["roles"] == ["buyer"]
    assert me.json()["display_name"] == "Bo"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "taken@example.com", "password": "a-long-passphrase", "display_name": "X"}, "email"),
        ({"email": "not-an-address", "password": "a-long-passphrase", "display_name": "X"}, "email"),
        ({"email": "new@example.com", "password": "123", "display_name": "X"}, "password"),
        ({"email": "new@example.com", "password": "a-long-passphrase"}, "display_name"),
    ],
)
def test_signup_refusals_name_the_field(api_client, payload, field):
    UserFactory(email="taken@example.com")

    response = api_client.post(SIGNUP, payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["fields"]
    assert User.objects.count() == 1


def test_a_non_json_body_gets_the_error_shape(api_client):
    response = api_client.post(SIGNUP, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}


def test_wrong_password_is_refused_without_saying_which_part(api_client, user):
    response = api_client.post(TOKENS, {"email": user.email, "password": "wrong-password"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_repeated_failures_lock_the_account_until_the_cool_off_ends(api_client, user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_client.post(TOKENS, {"email": user.email, "password": "nope"}).status_code == 400

    locked = api_client.post(TOKENS, {"email": user.email, "password": "nope"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert locked.json()["retry_after"] == int(locked["Retry-After"]) == 2
    assert "paused" in locked.json()["message"]

    # During the cool-off even the right password does not sign in.
    during = api_client.post(TOKENS, {"email": user.email, "password": PASSWORD})
    assert during.status_code == 429
    assert not ApiToken.objects.exists()

    import time

    time.sleep(2.1)
    after = api_client.post(TOKENS, {"email": user.email, "password": PASSWORD})
    assert after.status_code == 201


def test_tokens_are_listed_and_revoked_by_their_owner_only(api_client, user, other_user):
    mine = api_client.post(TOKENS, {"email": user.email, "password": PASSWORD, "name": "Phone"}).json()
    theirs = api_client.post(TOKENS, {"email": other_user.email, "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['token']}")

    listed = api_client.get(TOKENS).json()
    assert [t["id"] for t in listed] == [mine["id"]]
    assert "token" not in listed[0]

    assert api_client.delete(reverse("api:token-revoke", args=[theirs["id"]])).status_code == 404
    assert api_client.delete(reverse("api:token-revoke", args=[mine["id"]])).status_code == 204
    after = api_client.get(ME)
    assert after.status_code == 401
    assert after.json()["code"] == "authentication_failed"

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {theirs['token']}")
    assert api_client.get(ME).status_code == 200


def test_me_requires_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_cannot_change_roles_or_email(user_client, user):
    response = user_client.patch(
        ME, {"display_name": "Renamed", "email": "x@example.com", "roles": ["staff"], "is_staff": True}
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.display_name == "Renamed"
    assert user.email != "x@example.com"
    assert not user.is_staff
    assert user.roles == ["buyer"]


def test_a_ws_ticket_needs_a_signed_in_user(api_client, user_client):
    assert api_client.post(reverse("api:ws-ticket")).status_code == 401

    response = user_client.post(reverse("api:ws-ticket"))

    assert response.status_code == 201
    assert set(response.json()) == {"ticket", "expires_at"}


def test_signup_is_rate_limited_per_client_with_the_wait_in_body_and_header(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}

    responses = [
        api_client.post(SIGNUP, {"email": f"u{i}@example.com", "password": "a-long-passphrase", "display_name": "U"})
        for i in range(3)
    ]

    assert [r.status_code for r in responses[:2]] == [201, 201]
    refused = responses[2]
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert 3500 <= body["retry_after"] <= 3600
    assert refused["Retry-After"] == str(body["retry_after"])
    assert "Try again in 60 minutes" in body["message"]
    assert User.objects.count() == 2


def test_signup_page_and_api_share_one_budget(api_client, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    client.post(reverse("users:signup"), {"email": "page@example.com"})
    api_client.post(SIGNUP, {"email": "api@example.com", "password": "a-long-passphrase", "display_name": "A"})

    assert api_client.post(SIGNUP, {"email": "late@example.com"}).status_code == 429
    assert client.post(reverse("users:signup"), {"email": "late@example.com"}).status_code == 429


def test_sign_in_is_rate_limited_before_the_password_is_checked(api_client, user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "2/minute"}
    api_client.post(TOKENS, {"email": user.email, "password": "wrong"})
    api_client.post(TOKENS, {"email": user.email, "password": "wrong"})

    refused = api_client.post(TOKENS, {"email": user.email, "password": PASSWORD})

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert not ApiToken.objects.exists()


def test_ws_tickets_are_rate_limited_per_account(user_client, api_client, other_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ws_ticket": "2/minute"}
    codes = [user_client.post(reverse("api:ws-ticket")).status_code for _ in range(3)]
    api_client.force_authenticate(other_user)

    assert codes == [201, 201, 429]
    # Another account from the same address has its own budget.
    assert api_client.post(reverse("api:ws-ticket")).status_code == 201


def test_signup_survives_an_email_outage(api_client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tokshop.users.tests.test_apis.BrokenMailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            SIGNUP, {"email": "late@example.com", "password": "a-long-passphrase", "display_name": "Late"}
        )

    assert response.status_code == 201
    assert User.objects.filter(email="late@example.com").exists()


class BrokenMailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")
