"""Writes for accounts: sign-up, e-mail verification, profiles, shops, API tokens and socket tickets."""

import secrets
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, NotFound
from tokshop.core.images import image_validate
from tokshop.core.mail import send_templated_mail
from tokshop.core.ratelimit import client_ip, rate_limit_exceeded
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.realtime.control import user_sockets_close

from .models import ApiToken, SellerProfile, User, token_digest
from .services_links import DEVICE_COOKIE, account_signals_record

EMAIL_VERIFICATION_SALT = "tokshop.users.verify-email"
WS_TICKET_CACHE_PREFIX = "ws-ticket:"
AVATAR_CONTENT_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


def user_signup(*, email: str, password: str, display_name: str) -> User:
    """Create an account and send its e-mail verification link; the user signs in once verified."""
    email = User.objects.normalize_email(email).strip()
    display_name = display_name.strip()
    fields: dict[str, list[str]] = {}
    if not display_name:
        fields["display_name"] = ["Tell people what to call you."]
    if User.objects.filter(email__iexact=email).exists():
        fields["email"] = ["An account with this e-mail address already exists."]
    try:
        validate_password(password, user=User(email=email, display_name=display_name))
    except ValidationError as exc:
        fields["password"] = list(exc.messages)
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, display_name=display_name)
    except IntegrityError as exc:
        # Two sign-ups with one address raced past the check above; the unique index decided.
        raise ApplicationError(
            INVALID_FIELDS,
            fields={"email": ["An account with this e-mail address already exists."]},
        ) from exc
    from .tasks import verification_email_send_task

    # From a task: an SMTP outage must not fail the sign-up, whose account already exists.
    transaction.on_commit(lambda: verification_email_send_task.delay(user.pk), robust=True)
    return user


def verification_email_send_pending(*, user_id: int) -> None:
    """Send the verification link to a user still awaiting it; does nothing once they verified."""
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).first()
    if user is not None:
        verification_email_send(user=user)


def email_verification_token_make(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_VERIFICATION_SALT, compress=True)


def verification_email_send(*, user: User) -> None:
    """E-mail the user a link that verifies their address."""
    token = email_verification_token_make(user=user)
    link = settings.SITE_URL.rstrip("/") + reverse("users:verify_email", kwargs={"token": token})
    send_templated_mail(
        to=user.email,
        subject="Confirm your e-mail address for Tokshop",
        template="users/email/verify_email",
        context={"user": user, "link": link, "days": settings.EMAIL_VERIFICATION_MAX_AGE.days},
    )


def verification_email_resend(*, email: str) -> None:
    """Send a new link if this address belongs to an account awaiting confirmation.

    Says nothing either way, so it cannot reveal who has an account; at most three links an hour
    go to one address, so it cannot be used to flood an inbox.
    """
    pending = User.objects.filter(email__iexact=email.strip(), is_active=True, email_verified_at__isnull=True).first()
    if pending is None:
        return
    if rate_limit_exceeded(scope="verify_link", key=pending.email.lower()) is not None:
        return
    from .tasks import verification_email_send_task

    verification_email_send_task.delay(pending.pk)


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address in a verification link as verified; a second use of the link changes nothing."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ApplicationError("This link has expired. Sign in to get a new one.", code="verification_expired") from exc
    except signing.BadSignature as exc:
        raise ApplicationError("This link is not valid.", code="verification_invalid") from exc
    user = User.objects.select_for_update().filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise ApplicationError("This link is not valid.", code="verification_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        notification_create(
            user=user,
            kind=NotificationKind.ACCOUNT,
            title="Welcome to Tokshop",
            body="Your e-mail address is confirmed. Follow sellers to hear when they go live.",
            url=reverse("home"),
        )
    return user


def user_profile_update(
    *, user: User, display_name: str | None = None, avatar: UploadedFile | None = None, avatar_clear: bool = False
) -> User:
    """Change the name and picture other people see."""
    # The picture is checked first, so a refused one leaves the user untouched.
    if avatar is not None:
        avatar_validate(avatar)
    update_fields = []
    if display_name is not None:
        display_name = display_name.strip()
        if not display_name:
            raise ApplicationError(
                "Tell people what to call you.", fields={"display_name": ["This field is required."]}
            )
        user.display_name = display_name
        update_fields.append("display_name")
    if avatar is not None:
        user.avatar.save(avatar.name or "avatar.png", avatar, save=False)
        update_fields.append("avatar")
    elif avatar_clear and user.avatar:
        user.avatar.delete(save=False)
        update_fields.append("avatar")
    if update_fields:
        user.save(update_fields=update_fields)
    return user


def avatar_validate(avatar: UploadedFile) -> None:
    image_validate(avatar, field="avatar", max_bytes=settings.AVATAR_MAX_BYTES, content_types=AVATAR_CONTENT_TYPES)


@transaction.atomic
def seller_profile_save(*, user: User, shop_name: str, slug: str, bio: str = "") -> SellerProfile:
    """Open a shop, or edit it; opening one gives the user the seller role."""
    shop_name, slug = shop_name.strip(), slug.strip().lower()
    profile = SellerProfile.objects.select_for_update().filter(user=user).first() or SellerProfile(user=user)
    profile.shop_name, profile.slug, profile.bio = shop_name, slug, bio.strip()
    try:
        profile.full_clean()
    except ValidationError as exc:
        raise ApplicationError(INVALID_FIELDS, fields=exc.message_dict) from exc
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:
        raise ApplicationError(INVALID_FIELDS, fields={"slug": ["This shop address is taken."]}) from exc
    if not user.is_seller:
        user.is_seller = True
        user.save(update_fields=["is_seller"])
    return profile


def seller_verification_status_set(*, seller: User, status: str) -> SellerProfile:
    """Record where the seller's verification stands (moderation decides; the shop shows the badge)."""
    profile = SellerProfile.objects.select_for_update().filter(user=seller).first()
    if profile is None:
        raise NotFound("This seller has no shop.")
    profile.verification_status = status
    profile.save(update_fields=["verification_status", "updated_at"])
    return profile


def user_sign_out_everywhere(*, user: User, reason: str) -> None:
    """Revoke every device token of the user and close their open sockets on every server."""
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    # Robust: the tokens are revoked either way; a Redis hiccup must not turn this into an error.
    transaction.on_commit(lambda: user_sockets_close(user_id=user.pk, reason=reason), robust=True)


def user_password_changed(*, user: User) -> None:
    """After a password change or reset, from any path (pages, admin): sign out every device and
    socket that used the old credentials, lift any sign-in lockout, and tell the user."""
    user_sign_out_everywhere(user=user, reason="password_changed")
    # The guesses that caused a lockout were against the old password.
    axes_reset(username=user.email)
    notification_create(
        user=user,
        kind=NotificationKind.SECURITY,
        title="Your password was changed",
        body="If this was not you, reset your password now and contact support.",
        url=reverse("users:password_reset"),
    )


def api_token_obtain(*, request: HttpRequest, email: str, password: str, name: str) -> tuple[ApiToken, str]:
    """Exchange credentials for a new device token; returns the token row and its secret (shown once).

    Goes through django-axes like the sign-in page, so failures count towards the same lockout.
    """
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise ApplicationError("The e-mail address or password is incorrect.", code="invalid_credentials")
    assert isinstance(user, User)
    user_check_can_sign_in(user=user)
    account_signals_record(user_id=user.pk, device_id=request.COOKIES.get(DEVICE_COOKIE, ""), ip=client_ip(request))
    return api_token_create(user=user, name=name)


def user_check_can_sign_in(*, user: User) -> None:
    if not user.is_email_verified:
        raise ApplicationError(
            "Confirm your e-mail address first: we sent you a link when you signed up.",
            code="email_unverified",
            status=403,
        )


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "Tokshop app",
        prefix=raw[: ApiToken.PREFIX_LENGTH],
        digest=token_digest(raw),
        expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens; revoking it again changes nothing."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated and not ApiToken.objects.filter(pk=token_id, user=user).exists():
        raise NotFound("No such token.")


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token with this secret, its last use recorded at most once a minute."""
    token = ApiToken.objects.active().select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def ws_ticket_issue(*, user: User) -> tuple[str, datetime]:
    """A single-use ticket that opens one WebSocket for this user within a few seconds."""
    ticket = secrets.token_urlsafe(24)
    ttl = settings.REALTIME["TICKET_TTL_SECONDS"]
    cache.set(WS_TICKET_CACHE_PREFIX + token_digest(ticket), user.pk, timeout=ttl)
    return ticket, timezone.now() + timedelta(seconds=ttl)


def ws_ticket_redeem(*, ticket: str) -> int | None:
    """The user id a ticket was issued to, or None; a ticket opens one socket only."""
    key = WS_TICKET_CACHE_PREFIX + token_digest(ticket)
    user_id = cache.get(key)
    # DELETE answers true for one caller only, so two sockets racing on one ticket cannot both win.
    if user_id is None or not cache.delete(key):
        return None
    return int(user_id)


def api_tokens_purge() -> int:
    """Delete tokens that expired or were revoked more than a week ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = ApiToken.objects.filter(models.Q(expires_at__lt=cutoff) | models.Q(revoked_at__lt=cutoff)).delete()
    return deleted
