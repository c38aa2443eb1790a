import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.notifications.models import Notification
from tokshop.users.models import ApiToken, SellerProfile, User
from tokshop.users.services import (
    EMAIL_VERIFICATION_SALT,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_tokens_purge,
    email_verification_token_make,
    seller_profile_save,
    user_profile_update,
    user_signup,
    user_verify_email,
    ws_ticket_issue,
    ws_ticket_redeem,
)

from .factories import SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_an_unverified_account_and_mails_the_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_signup(email="Ada@Example.COM", password="a-long-passphrase", display_name=" Ada ")

    assert user.email == "Ada@example.com"
    assert user.display_name == "Ada"
    assert user.is_email_verified is False
    assert user.roles == ["buyer"]
    assert user.password.startswith("md5$")  # the test settings' fast hasher; production uses Argon2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Ada@example.com"]
    assert "/accounts/verify/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("email", "password", "display_name", "field"),
    [
        ("taken@example.com", "a-long-passphrase", "Ada", "email"),
        ("TAKEN@example.com", "a-long-passphrase", "Ada", "email"),
        ("new@example.com", "short", "Ada", "password"),
        ("new@example.com", "password123", "Ada", "password"),
        ("new@example.com", "a-long-passphrase", "   ", "display_name"),
    ],
)
def test_signup_refuses_bad_input_and_creates_nothing(email, password, display_name, field):
    UserFactory(email="taken@example.com")

    with pytest.raises(ApplicationError) as caught:
        user_signup(email=email, password=password, display_name=display_name)

    assert field in caught.value.fields
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_verifying_the_email_welcomes_the_user_once(django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    token = email_verification_token_make(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        user_verify_email(token=token)
        user_verify_email(token=token)

    user.refresh_from_db()
    assert user.is_email_verified
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == ["Welcome to Tokshop"]


def test_a_tampered_or_expired_link_is_refused():
    user = UserFactory(email_verified_at=None)
    token = email_verification_token_make(user=user)

    with pytest.raises(ApplicationError) as tampered:
        user_verify_email(token=token[:-2] + "xx")
    with (
        override_settings(EMAIL_VERIFICATION_MAX_AGE=timedelta(seconds=-1)),
        pytest.raises(ApplicationError) as expired,
    ):
        user_verify_email(token=token)

    assert tampered.value.code == "verification_invalid"
    assert expired.value.code == "verification_expired"
    user.refresh_from_db()
    assert not user.is_email_verified


def test_a_link_for_an_old_address_is_refused():
    user = UserFactory(email_verified_at=None)
    token = signing.dumps({"u": user.pk, "e": "old@example.com"}, salt=EMAIL_VERIFICATION_SALT, compress=True)

    with pytest.raises(ApplicationError):
        user_verify_email(token=token)


def test_opening_a_shop_makes_the_user_a_seller():
    user = UserFactory()

    profile = seller_profile_save(user=user, shop_name="Vintage Vault", slug="vintage-vault", bio="Old cameras")

    user.refresh_from_db()
    assert user.roles == ["buyer", "seller"]
    assert profile.verification_status == "unverified"


def test_a_shop_address_is_unique_and_well_formed():
    SellerProfileFactory(slug="taken")
    user = UserFactory()

    with pytest.raises(ApplicationError) as taken:
        seller_profile_save(user=user, shop_name="Mine", slug="taken")
    with pytest.raises(ApplicationError) as malformed:
        seller_profile_save(user=user, shop_name="Mine", slug="Not a slug!")

    assert "slug" in taken.value.fields
    assert "slug" in malformed.value.fields
    assert not SellerProfile.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.is_seller


def test_an_avatar_must_be_a_real_picture(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()
    fake = SimpleUploadedFile("me.png", b"<?php echo 'not a picture'; ?>", content_type="image/png")

    with pytest.raises(ApplicationError) as caught:
        user_profile_update(user=user, avatar=fake)

    assert "avatar" in caught.value.fields
    user.refresh_from_db()
    assert not user.avatar


def test_an_avatar_upload_is_stored(tmp_path, settings):
    from io import BytesIO

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "magenta").save(buffer, format="PNG")
    user = UserFactory()

    user_profile_update(user=user, display_name="New Name", avatar=SimpleUploadedFile("a.png", buffer.getvalue()))

    user.refresh_from_db()
    assert user.display_name == "New Name"
    assert user.avatar.name.startswith(f"avatars/{user.pk}/")


def test_tokens_authenticate_until_revoked():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="Pixel 9")

    assert api_token_authenticate(raw=raw) == token
    assert ApiToken.objects.get(pk=token.pk).digest != raw

    api_token_revoke(user=user, token_id=token.pk)
    api_token_revoke(user=user, token_id=token.pk)

    assert api_token_authenticate(raw=raw) is None


def test_a_user_cannot_revoke_someone_elses_token():
    token, raw = api_token_create(user=UserFactory(), name="Phone")

    with pytest.raises(NotFound):
        api_token_revoke(user=UserFactory(), token_id=token.pk)

    assert api_token_authenticate(raw=raw) == token


def test_expired_tokens_stop_working_and_are_purged():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="Old phone")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=8))
    fresh, _ = api_token_create(user=user, name="New phone")

    assert api_token_authenticate(raw=raw) is None
    assert api_tokens_purge() == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_socket_ticket_works_once():
    user = UserFactory()
    ticket, _expires = ws_ticket_issue(user=user)

    assert ws_ticket_redeem(ticket=ticket) == user.pk
    assert ws_ticket_redeem(ticket=ticket) is None
    assert ws_ticket_redeem(ticket="made-up") is None


def test_a_socket_ticket_expires(settings):
    settings.REALTIME = {**settings.REALTIME, "TICKET_TTL_SECONDS": 1}
    ticket, _expires = ws_ticket_issue(user=UserFactory())

    time.sleep(1.2)

    assert ws_ticket_redeem(ticket=ticket) is None


def test_a_decompression_bomb_is_refused_as_a_bad_picture(tmp_path, settings):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()

    with pytest.raises(ApplicationError) as caught:
        user_profile_update(user=user, display_name="Changed", avatar=SimpleUploadedFile("bomb.png", bomb))

    assert "avatar" in caught.value.fields
    user.refresh_from_db()
    assert user.display_name != "Changed"
