"""Sanctions, word lists, patterns, link domains and slow mode: what the message check reads.

Shows do not exist yet, so a show is referred to by its id alone (`show_id`, no foreign key);
the shows app will turn these columns into foreign keys with one migration of its own.
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.text import Truncator

from tokshop.users.models import User


def decided_exactly_when_closed(*, open_status: str, decided_at: str, name: str) -> models.CheckConstraint:
    """A queue row (report, held message, appeal, verification) has a decision time exactly when
    it has left its open status."""
    return models.CheckConstraint(
        condition=Q(status=open_status, **{f"{decided_at}__isnull": True})
        | (~Q(status=open_status) & Q(**{f"{decided_at}__isnull": False})),
        name=name,
    )


class SanctionKind(models.TextChoices):
    WARNING = "warning", "Warning"
    MUTE = "mute", "Mute"
    BAN = "ban", "Ban"


class SanctionScope(models.TextChoices):
    GLOBAL = "global", "Everywhere"
    SELLER = "seller", "A seller's shows"
    SHOW = "show", "One show"


def sanction_in_force(now: datetime) -> Q:
    """Not lifted and not expired at `now`: as a condition, so it can also qualify a subquery."""
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def in_force(self, now: datetime) -> "SanctionQuerySet":
        return self.filter(sanction_in_force(now))


class Sanction(models.Model):
    """A warning, mute or ban of one user, everywhere, in one seller's shows or in one show."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(max_length=10, choices=SanctionKind.choices)
    scope = models.CharField(max_length=10, choices=SanctionScope.choices, default=SanctionScope.GLOBAL)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The seller whose shows this covers (seller and show scopes).",
    )
    show_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The one show this covers (show scope).")
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until lifted.")
    # Lifted (a mute or ban), withdrawn (a warning, on appeal), or ended early by a granted appeal.
    revoked_at = models.DateTimeField(null=True, blank=True)
    is_automatic = models.BooleanField(
        default=False, help_text="Imposed by Tokshop itself: a mute after repeated warnings, a warning for abuse."
    )
    # Set by the expiry sweep once the person was told their mute or ban ended, so they are told once.
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="sanction_user_recent"),
            # What the expiry sweep reads every minute: mutes and bans that end and were not yet told.
            models.Index(
                fields=["expires_at"],
                condition=Q(expires_at__isnull=False, revoked_at__isnull=True, expiry_notified_at__isnull=True),
                name="sanction_expiry_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=SanctionScope.GLOBAL, seller__isnull=True, show_id__isnull=True)
                    | Q(scope=SanctionScope.SELLER, seller__isnull=False, show_id__isnull=True)
                    | Q(scope=SanctionScope.SHOW, seller__isnull=False, show_id__isnull=False)
                ),
                name="sanction_scope_matches_target",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="sanction_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user_id} ({self.get_scope_display()})"

    def is_in_force(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WordKind(models.TextChoices):
    BLOCKED = "blocked", "Blocked"
    ALLOWED = "allowed", "Allowed"


class ModerationWord(models.Model):
    """A word added to the shipped lists: blocked everywhere (no seller), muted in one seller's
    shows (a seller's "mute words"), or allowed everywhere despite looking like a blocked one."""

    word = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=WordKind.choices, default=WordKind.BLOCKED)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="mute_words"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        constraints = [
            # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite (the embedded default) lacks.
            models.UniqueConstraint(
                fields=["kind", "word"], condition=Q(seller__isnull=True), name="moderation_word_unique_global"
            ),
            models.UniqueConstraint(
                fields=["seller", "kind", "word"],
                condition=Q(seller__isnull=False),
                name="moderation_word_unique_seller",
            ),
            # Sellers mute words in their own shows; allowing a word overrides the global list, staff only.
            models.CheckConstraint(
                condition=Q(seller__isnull=True) | Q(kind=WordKind.BLOCKED), name="moderation_word_seller_blocks_only"
            ),
            models.CheckConstraint(condition=~Q(word=""), name="moderation_word_not_empty"),
        ]

    def __str__(self) -> str:
        return self.word


class PatternAction(models.TextChoices):
    HOLD = "hold", "Hold for review"
    REJECT = "reject", "Reject"


class ModerationPattern(models.Model):
    """A regular expression (RE2 syntax, so matching time grows linearly with the message) set by
    staff for everyone (no seller) or by a seller for their own shows."""

    pattern = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=PatternAction.choices, default=PatternAction.HOLD)
    description = models.CharField(max_length=200, blank=True)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="mute_patterns"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pattern"], condition=Q(seller__isnull=True), name="moderation_pattern_unique_global"
            ),
            models.UniqueConstraint(
                fields=["seller", "pattern"], condition=Q(seller__isnull=False), name="moderation_pattern_unique_seller"
            ),
        ]

    def __str__(self) -> str:
        return self.pattern


class LinkDomain(models.Model):
    """A domain people may link to in chat (its subdomains too); links elsewhere are removed or held."""

    domain = models.CharField(max_length=253, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class SlowMode(models.Model):
    """Seconds a sender waits between messages: a seller's default (no show) or one show's own."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slow_modes")
    show_id = models.PositiveBigIntegerField(null=True, blank=True)
    seconds = models.PositiveIntegerField(help_text="0 turns slow mode off.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller"], condition=Q(show_id__isnull=True), name="slow_mode_unique_default"
            ),
            models.UniqueConstraint(
                fields=["seller", "show_id"], condition=Q(show_id__isnull=False), name="slow_mode_unique_show"
            ),
            models.CheckConstraint(condition=Q(seconds__lte=3600), name="slow_mode_at_most_an_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.seconds} s"


class AuditAction(models.TextChoices):
    WARN = "warn", "Warned"
    MUTE = "mute", "Muted"
    BAN = "ban", "Banned"
    UNMUTE = "unmute", "Unmuted"
    UNBAN = "unban", "Unbanned"
    SANCTION_EDIT = "sanction_edit", "Edited a sanction"
    SANCTION_DELETE = "sanction_delete", "Deleted a sanction"
    APPEAL_GRANT = "appeal_grant", "Granted an appeal"
    APPEAL_DENY = "appeal_deny", "Denied an appeal"
    REPORT_DISMISS = "report_dismiss", "Dismissed a report"
    REPORT_UPHOLD = "report_uphold", "Upheld a report"
    CONTENT_DELETE = "content_delete", "Deleted content"
    MESSAGE_RELEASE = "message_release", "Released a held message"
    MESSAGE_REMOVE = "message_remove", "Removed a held message"
    VERIFICATION_APPROVE = "verification_approve", "Approved a verification"
    VERIFICATION_REJECT = "verification_reject", "Rejected a verification"
    MODERATOR_APPOINT = "moderator_appoint", "Appointed a moderator"
    MODERATOR_REMOVE = "moderator_remove", "Removed a moderator"
    RULES_CHANGE = "rules_change", "Changed the chat rules"


class ModerationAction(models.Model):
    """The audit log: one row per moderator action — who did what, to whom, where, why and when.

    Rows are only ever added. `actor` is empty when Tokshop acted by itself (an automatic mute after
    repeated warnings)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions_received",
        help_text="The person the action touched.",
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose shows the action was taken in; empty for Tokshop-wide actions.",
    )
    show_id = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # What was acted on, by kind and id ({"sanction": 4}, {"report": 9}), and anything else worth keeping.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["target_user", "-created_at"], name="audit_target_recent")]
        permissions = [("moderate_everywhere", "Can moderate every show on Tokshop")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class SellerModerator(models.Model):
    """Someone a seller trusts to moderate that seller's shows, and only those: all of them, or the one
    show `show_id` names."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointed_moderators")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderates_for")
    show_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The one show they moderate; empty for all of the seller's shows."
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seller_id", "appointed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "moderator"], condition=Q(show_id__isnull=True), name="seller_moderator_unique"
            ),
            models.UniqueConstraint(
                fields=["seller", "moderator", "show_id"],
                condition=Q(show_id__isnull=False),
                name="seller_moderator_show_unique",
            ),
            models.CheckConstraint(condition=~Q(seller=models.F("moderator")), name="seller_moderator_not_self"),
        ]

    def __str__(self) -> str:
        where = f" in show {self.show_id}" if self.show_id is not None else ""
        return f"{self.moderator_id} moderates for {self.seller_id}{where}"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment or hate"
    SCAM = "scam", "Scam or payment off Tokshop"
    PROHIBITED = "prohibited", "Prohibited or counterfeit item"
    SEXUAL = "sexual", "Sexual content"
    # Bidding up a seller's lots for them; Tokshop flags it itself (auctions' shill check) too.
    SHILL_BIDDING = "shill_bidding", "Shill bidding"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """One person's report of a user, a product, a message or a show (the `kind`, see reportables.py),
    or a flag Tokshop raised itself (no reporter), such as suspected shill bidding.

    A person reports one thing once: reporting it again returns the same row."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports_made",
        help_text="Empty when Tokshop raised the flag itself.",
    )
    kind = models.CharField(max_length=20, help_text="What was reported: user, product, message, show.")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # The person behind the reported thing (the user reported, the product's seller, the message's
    # sender): who a sanction from the queue falls on, and whose record moderators read.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports_received"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose shop or show the reported thing belongs to.",
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="report_queue"),
            models.Index(fields=["content_type", "object_id"], name="report_target"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "content_type", "object_id"], name="report_once_per_reporter"),
            # Tokshop's own flags: one open at a time per person, reason and seller, however often
            # the check that raises it runs.
            models.UniqueConstraint(
                fields=["target_user", "reason", "seller"],
                condition=Q(reporter__isnull=True, status="open"),
                name="report_one_open_flag",
            ),
            decided_exactly_when_closed(
                open_status=ReportStatus.OPEN, decided_at="decided_at", name="report_decided_when_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"Report of {self.kind} {self.object_id} ({self.get_reason_display()})"


class MessageKind(models.TextChoices):
    CHAT = "chat", "Chat message"
    QUESTION = "question", "Question"


class HeldStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RELEASED = "released", "Released"
    REMOVED = "removed", "Removed"


class HeldMessage(models.Model):
    """A chat message or question the message check held: nobody sees it until a moderator of the
    seller's shows releases it."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_messages")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_messages_in_shows"
    )
    show_id = models.PositiveBigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.CHAT)
    text = models.CharField(max_length=500)
    verdict_code = models.CharField(max_length=40, help_text="Why the check held it.")
    verdict_message = models.CharField(max_length=300, help_text="What the sender was told.")
    status = models.CharField(max_length=10, choices=HeldStatus.choices, default=HeldStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["seller", "status", "-created_at"], name="held_seller_queue"),
            models.Index(fields=["sender", "-created_at"], name="held_sender_recent"),
        ]
        constraints = [
            decided_exactly_when_closed(
                open_status=HeldStatus.PENDING, decided_at="decided_at", name="held_decided_when_closed"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="held_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} held: {Truncator(self.text).chars(60)}"


class EntityType(models.TextChoices):
    INDIVIDUAL = "individual", "An individual"
    COMPANY = "company", "A company"


class VerificationStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


def _private_storage() -> Storage:
    # Identity documents never live under MEDIA_ROOT, whose files the web server hands to anyone
    # with the URL; staff read them through the admin only.
    return storages["private"]


DOCUMENT_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def verification_document_upload_to(instance: "VerificationRequest", filename: str) -> str:
    # Named from the checked type, not the client's file name, which is neither trusted nor kept.
    extension = DOCUMENT_EXTENSIONS[instance.document_content_type]
    return f"verification/{instance.seller_id}/{secrets.token_hex(16)}.{extension}"


class VerificationRequest(models.Model):
    """A seller asking to be verified, with what a moderator needs to check who they are.

    A seller has at most one request pending; each decision keeps who made it, when, and why a
    rejection was made."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_requests")
    entity_type = models.CharField(max_length=12, choices=EntityType.choices)
    legal_name = models.CharField(max_length=200, help_text="The person's or company's name as on the document.")
    business_name = models.CharField(max_length=200, help_text="The shop or trading name.")
    country = models.CharField(max_length=2, help_text="ISO 3166 two-letter code.")
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    phone = models.CharField(max_length=20)
    date_of_birth = models.DateField(null=True, blank=True, help_text="Individuals.")
    company_number = models.CharField(max_length=40, blank=True, help_text="Companies: the registry's number.")
    tax_id = models.CharField(max_length=40, blank=True)
    document = models.FileField(storage=_private_storage, upload_to=verification_document_upload_to)
    document_content_type = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="verification_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["seller"],
                condition=Q(status=VerificationStatus.PENDING),
                name="verification_one_pending_per_seller",
            ),
            models.CheckConstraint(
                condition=Q(entity_type=EntityType.INDIVIDUAL, date_of_birth__isnull=False)
                | (Q(entity_type=EntityType.COMPANY) & ~Q(company_number="")),
                name="verification_identity_matches_entity",
            ),
            decided_exactly_when_closed(
                open_status=VerificationStatus.PENDING,
                decided_at="reviewed_at",
                name="verification_reviewed_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status=VerificationStatus.REJECTED) | ~Q(rejection_reason=""),
                name="verification_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Verification of {self.business_name} ({self.get_status_display()})"


class MemberStanding(User):
    """Every member as moderators see them: trust score, level and its factors, and sanctions."""

    class Meta:
        proxy = True
        verbose_name = "member standing"
        verbose_name_plural = "member standing"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"


class Appeal(models.Model):
    """A person asks a moderator to review one of their sanctions; one appeal per sanction."""

    sanction = models.OneToOneField(Sanction, on_delete=models.CASCADE, related_name="appeal")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals")
    text = models.CharField(max_length=1000, help_text="Why the person thinks the sanction is wrong.")
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_status_oldest")]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="appeal_text_not_empty"),
            decided_exactly_when_closed(
                open_status=AppealStatus.PENDING, decided_at="decided_at", name="appeal_decided_when_not_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal of sanction {self.sanction_id} ({self.get_status_display()})"
