import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class UserManager(DjangoUserManager["User"]):
    def _create_user_object(
        self, username: Any, email: str | None, password: str | None, **extra_fields: Any
    ) -> "User":
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra_fields)
        user.password = ""
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def _create_user(self, username: Any, email: str | None, password: str | None, **extra_fields: Any) -> "User":
        user = self._create_user_object(username, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra_fields: Any) -> "User":  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra_fields: Any) -> "User":  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self._create_user(None, email, password, **extra_fields)


class Role(models.TextChoices):
    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"
    MODERATOR = "moderator", "Moderator"
    STAFF = "staff", "Staff"


def avatar_upload_to(instance: "User", filename: str) -> str:
    return f"avatars/{instance.pk}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1].lower()}"


class User(AbstractBaseUser, PermissionsMixin):
    """A person on Tokshop; signs in with their e-mail and may hold several roles."""

    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(max_length=60)
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    # Roles are plain flags: a user may hold several, and each is one indexed column to filter on.
    is_buyer = models.BooleanField("buyer", default=True)
    is_seller = models.BooleanField("seller", default=False)
    is_moderator = models.BooleanField("moderator", default=False)
    is_staff = models.BooleanField("staff", default=False, help_text="Can sign in to the admin.")
    is_active = models.BooleanField("active", default=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(display_name=""), name="user_display_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def roles(self) -> list[str]:
        flags = {
            Role.BUYER: self.is_buyer,
            Role.SELLER: self.is_seller,
            Role.MODERATOR: self.is_moderator,
            Role.STAFF: self.is_staff,
        }
        return [role.value for role, held in flags.items() if held]


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    PENDING = "pending", "Pending review"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class SellerProfile(models.Model):
    """The shop a seller runs on Tokshop."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="seller_profile")
    shop_name = models.CharField(max_length=80)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and single hyphens.")],
    )
    bio = models.TextField(blank=True, max_length=2000)
    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shop_name"]

    def __str__(self) -> str:
        return self.shop_name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one device of the PWA; only its digest is stored."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="The device or app the token was issued to.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The first characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccountSignalKind(models.TextChoices):
    DEVICE = "device", "Device"
    IP = "ip", "IP address"
    CARD = "card", "Card"


class AccountSignal(models.Model):
    """Something an account was seen with: a browser's device cookie, an IP address, a saved card.

    Two accounts seen with the same one are linked (`selectors_links`), which is how a seller's
    second account is kept from bidding on the seller's lots. `value` is a keyed hash (HMAC with
    SECRET_KEY) of the raw device id, IP address or Stripe card fingerprint: equal values match,
    and a leaked table gives away no address or card.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_signals")
    kind = models.CharField(max_length=8, choices=AccountSignalKind.choices)
    value = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            # Also the index behind "this user's signals" (its leading column is the user).
            models.UniqueConstraint(fields=["user", "kind", "value"], name="account_signal_once"),
        ]
        indexes = [
            # Who else was seen with this value, and how recently: the other half of every link query.
            models.Index(fields=["kind", "value", "last_seen_at"], name="account_signal_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of user {self.user_id}"
