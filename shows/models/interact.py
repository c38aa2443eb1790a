"""What the host and the audience do together in a show: polls, questions, and flash sales of a
lineup item (the pinned product itself is a column of the show)."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

POLL_OPTIONS_MIN, POLL_OPTIONS_MAX = 2, 6
POLL_SECONDS_MIN, POLL_SECONDS_MAX = 10, 600
POLL_QUESTION_MAX, POLL_OPTION_MAX = 200, 80
QUESTION_MAX = 500  # as long as the message check lets a message be (moderation.filters)
FLASH_SALE_SECONDS_MIN, FLASH_SALE_SECONDS_MAX = 10, 3600


class PollStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Poll(models.Model):
    """A question the host puts to the room, open for a set time; one vote per person."""

    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=POLL_QUESTION_MAX)
    status = models.CharField(max_length=8, choices=PollStatus.choices, default=PollStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # The room shows one poll at a time: a second open poll is refused by the database too.
            models.UniqueConstraint(fields=["show"], condition=models.Q(status="open"), name="poll_one_open_per_show"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opened_at")), name="poll_closes_after_open"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="poll_closed_has_close",
            ),
        ]
        indexes = [
            models.Index(fields=["show", "-opened_at"], name="poll_show_recent_idx"),
            # The sweep reads open polls by their end.
            models.Index(fields=["closes_at"], condition=models.Q(status="open"), name="poll_open_closes_idx"),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_open(self) -> bool:
        return self.status == PollStatus.OPEN

    def is_due(self, now: datetime | None = None) -> bool:
        return self.is_open and self.closes_at <= (now or timezone.now())


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=POLL_OPTION_MAX)
    # Written once, when the poll closes; while it is open the votes are counted from their rows.
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="polloption_position_once")]

    def __str__(self) -> str:
        return self.text


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="pollvote_once_per_user")]
        indexes = [models.Index(fields=["poll", "option"], name="pollvote_tally_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option_id}"


class QuestionStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    ANSWERED = "answered", "Answered"
    DISMISSED = "dismissed", "Dismissed"


class Question(models.Model):
    """A viewer's question to the host; the room upvotes the ones it wants answered."""

    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="show_questions")
    text = models.CharField(max_length=QUESTION_MAX)
    status = models.CharField(max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN)
    # Only ever changed by a conditional UPDATE next to the upvote row that it counts.
    upvotes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-upvotes", "created_at", "id"]
        indexes = [models.Index(fields=["show", "status", "-upvotes"], name="question_show_top_idx")]

    def __str__(self) -> str:
        return self.text


class QuestionUpvote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="upvote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="questionupvote_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ↑ {self.question_id}"


class FlashSaleStatus(models.TextChoices):
    ACTIVE = "active", "On sale"
    ENDED = "ended", "Ended"


class FlashSale(models.Model):
    """A lineup item sold below its price for a few minutes, with a cap on units and per buyer."""

    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="flash_sales")
    item = models.ForeignKey("shows.LineupItem", on_delete=models.PROTECT, related_name="flash_sales")
    # The item's product, copied so a stock change finds its sales without a join.
    product = models.ForeignKey("commerce.Product", on_delete=models.PROTECT, related_name="+")
    price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    total_limit = models.PositiveIntegerField()
    per_buyer_limit = models.PositiveIntegerField()
    # Units ordered at the sale price; only a conditional UPDATE (sold + n <= total_limit) moves it.
    sold = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=FlashSaleStatus.choices, default=FlashSaleStatus.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["show"], condition=models.Q(status="active"), name="flashsale_one_active_per_show"
            ),
            models.CheckConstraint(condition=models.Q(price_cents__gt=0), name="flashsale_price_positive"),
            models.CheckConstraint(
                condition=models.Q(sold__lte=models.F("total_limit")), name="flashsale_sold_within_total"
            ),
            models.CheckConstraint(
                condition=models.Q(per_buyer_limit__gte=1, per_buyer_limit__lte=models.F("total_limit")),
                name="flashsale_per_buyer_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("started_at")), name="flashsale_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", ended_at__isnull=True)
                | models.Q(status="ended", ended_at__isnull=False),
                name="flashsale_ended_has_end",
            ),
        ]
        indexes = [
            models.Index(fields=["ends_at"], condition=models.Q(status="active"), name="flashsale_active_ends_idx"),
            models.Index(fields=["product"], condition=models.Q(status="active"), name="flashsale_active_product_idx"),
        ]

    def __str__(self) -> str:
        return f"Flash sale {self.pk} of item {self.item_id}"

    @property
    def remaining(self) -> int:
        return self.total_limit - self.sold

    @property
    def is_active(self) -> bool:
        return self.status == FlashSaleStatus.ACTIVE

    def is_due(self, now: datetime | None = None) -> bool:
        return self.is_active and self.ends_at <= (now or timezone.now())


class FlashSaleBuyer(models.Model):
    """How many units one buyer took in one sale; their limit is copied so the database holds it."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="buyers")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=0)
    limit = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "buyer"], name="flashsalebuyer_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__lte=models.F("limit")), name="flashsalebuyer_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id}: {self.quantity}/{self.limit} in sale {self.sale_id}"


class FlashSalePurchase(models.Model):
    """One order placed in a flash sale, with the show it came from (for the show's sales figures)."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="purchases")
    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="flash_sale_purchases")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField("commerce.Order", on_delete=models.PROTECT, related_name="flash_sale_purchase")
    quantity = models.PositiveIntegerField()
    amount_cents = models.PositiveIntegerField(help_text="The order's subtotal at the sale price.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="flashsalepurchase_quantity_positive")
        ]
        indexes = [models.Index(fields=["show", "-created_at"], name="flashsalepurchase_show_idx")]

    def __str__(self) -> str:
        return f"Order {self.order_id} in sale {self.sale_id}"
