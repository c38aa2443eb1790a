"""Giveaways in a show: the host (or a moderator of the show) gives a lineup product away for up to
five minutes, people enter once each (from the room, or from the free entry form on the official
rules page), and at the end one winner is drawn from a recorded seed and gets the product in an
order at no charge."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from commerce.services.inventory import stock_release, stock_reserve_within
from commerce.services.line_orders import order_create_free
from moderation.selectors import ban_in_force
from shows.coalesce import coalesce_on_commit
from shows.events import show_event
from shows.models import LineupItem, Show
from shows.selectors import is_following, show_access_check, show_can_moderate
from shows.services.room_checks import id_field, int_field, on_air_check, show_lock
from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, PermissionDenied

from ..events_giveaways import giveaway_count_payload, giveaway_payload
from ..models import EntryMethod, Giveaway, GiveawayEntry, GiveawayEntryKind, GiveawayStatus
from ..models.giveaways import GIVEAWAY_SECONDS_MAX, GIVEAWAY_SECONDS_MIN, winning_position

if TYPE_CHECKING:
    from tokshop.users.models import User

GIVEAWAYS_DRAW_BATCH = 100
# The prize's unit stays held well past the end: a draw that runs late (workers down for a while)
# still finds it. The draw or the cancellation releases it.
PRIZE_HOLD = timedelta(days=1)


@transaction.atomic
def giveaway_start(*, actor: User, show_id: int, item_id: Any, entry: Any, seconds: Any) -> Giveaway:
    """Give a lineup product away for 10 seconds to 5 minutes (the host or the show's moderators).

    The show must be on air, with no other giveaway running; one unit of the product is held for
    the winner from now on (`sold_out` when there is none left).
    """
    from ..tasks import giveaway_draw_due_task

    item_id = id_field("item_id", item_id)
    if entry not in GiveawayEntryKind.values:
        raise ApplicationError(INVALID_FIELDS, fields={"entry": ["Choose room or followers."]})
    seconds = int_field(
        "seconds",
        seconds,
        low=GIVEAWAY_SECONDS_MIN,
        high=GIVEAWAY_SECONDS_MAX,
        message=f"Run a giveaway for {GIVEAWAY_SECONDS_MIN} to {GIVEAWAY_SECONDS_MAX} seconds.",
    )
    show = show_lock(show_id)
    _moderator_check(actor=actor, show=show)
    on_air_check(show)
    item = LineupItem.objects.select_related("product").filter(pk=item_id, show_id=show.pk).first()
    if item is None:
        raise NotFound("That product is not in this show's lineup.", code="not_in_lineup")
    now = timezone.now()
    current = Giveaway.objects.select_for_update().filter(show_id=show.pk, status=GiveawayStatus.RUNNING).first()
    if current is not None and current.is_due(now):
        _giveaway_draw_locked(current, now=now)
    elif current is not None:
        raise Conflict(
            "A giveaway is already running in this show.", code="giveaway_running", extra={"giveaway_id": current.pk}
        )
    [hold] = stock_reserve_within(buyer=show.seller, lines={item.product_id: 1}, ttl=PRIZE_HOLD)
    giveaway = Giveaway.objects.create(
        show=show,
        product=item.product,
        seller=show.seller,
        entry=entry,
        duration_seconds=seconds,
        started_at=now,
        ends_at=now + timedelta(seconds=seconds),
        reservation=hold,
        created_by=actor,
        created_at=now,
    )
    show_event(show.pk, "giveaway.started", {"giveaway": giveaway_payload(giveaway)})
    transaction.on_commit(lambda: giveaway_draw_due_task.apply_async((giveaway.pk,), eta=giveaway.ends_at), robust=True)
    return giveaway


def _moderator_check(*, actor: User, show: Show) -> None:
    if not show_can_moderate(user=actor, show=show):
        raise PermissionDenied("Only the host and the show's moderators run its giveaways.", code="not_moderator")


def _giveaway_share_lock(giveaway_id: int) -> Giveaway:
    # A share lock lets entries go in side by side while keeping the draw (FOR UPDATE) out until
    # the entries that read the giveaway running have committed, so the draw counts every one.
    if connection.vendor == "postgresql":
        sql = f"SELECT * FROM {Giveaway._meta.db_table} WHERE id = %s FOR KEY SHARE"  # noqa: S608
        giveaway = next(iter(Giveaway.objects.raw(sql, [giveaway_id])), None)
    else:
        giveaway = Giveaway.objects.filter(pk=giveaway_id).first()
    if giveaway is None:
        raise NotFound("No such giveaway.")
    return giveaway


def giveaway_entry_check(*, user: User, giveaway: Giveaway, now: datetime) -> None:
    """Raise the refusal `user` would meet entering `giveaway` now, if any."""
    if not giveaway.is_running:
        raise Conflict("This giveaway is over.", code="giveaway_not_running")
    if now >= giveaway.ends_at:
        raise Conflict("This giveaway has ended: entries are closed.", code="giveaway_ended")
    if user.pk == giveaway.seller_id:
        raise PermissionDenied("The seller cannot enter their own giveaway.", code="own_giveaway")
    if ban_in_force(user_id=user.pk, seller_id=giveaway.seller_id, show_id=giveaway.show_id, now=now) is not None:
        raise PermissionDenied("You are banned from this seller's shows.", code="banned")
    if giveaway.entry == GiveawayEntryKind.FOLLOWERS and not is_following(user=user, seller_id=giveaway.seller_id):
        raise PermissionDenied(
            "This giveaway is for the seller's followers: follow them to enter.", code="followers_only"
        )


@transaction.atomic
def giveaway_enter(
    *,
    user: User,
    giveaway_id: Any,
    method: str,
    received_at: datetime,
    show_id: int | None = None,
    key: str | None = None,
) -> GiveawayEntry:
    """Enter a running giveaway once; `received_at` is when the server received the entry (its clock decides).

    `method` is where it came from: the room, or the free entry form (no purchase, no watching).
    From the room (`show_id`, the room's show) the socket's admission to the show stands; from
    anywhere else the show must be one `user` may watch (`key`: a private show's link).
    """
    giveaway = _giveaway_share_lock(id_field("giveaway_id", giveaway_id))
    if show_id is not None and giveaway.show_id != show_id:
        raise NotFound("No such giveaway.")
    if show_id is None:
        show_access_check(user=user, show=giveaway.show, key=key)
    giveaway_entry_check(user=user, giveaway=giveaway, now=received_at)
    try:
        with transaction.atomic():
            entry = GiveawayEntry.objects.create(
                giveaway=giveaway, user=user, method=EntryMethod(method), created_at=received_at
            )
    except IntegrityError as exc:
        raise Conflict("You have already entered this giveaway.", code="already_entered") from exc
    coalesce_on_commit(f"giveaway:{giveaway.pk}", lambda: giveaway_count_publish(giveaway_id=giveaway.pk))
    return entry


def giveaway_count_publish(*, giveaway_id: int) -> None:
    """Broadcast how many have entered a running giveaway (the coalesced `giveaway.entered`)."""
    giveaway = Giveaway.objects.filter(pk=giveaway_id, status=GiveawayStatus.RUNNING).first()
    if giveaway is not None:
        show_event(giveaway.show_id, "giveaway.entered", giveaway_count_payload(giveaway))


def _giveaway_draw_locked(giveaway: Giveaway, *, now: datetime) -> Giveaway:
    # The caller holds the giveaway's row lock (FOR UPDATE): no entry is being written meanwhile,
    # since every entry holds a share lock on the row until it commits.
    entries = list(GiveawayEntry.objects.filter(giveaway=giveaway).select_related("user").order_by("id"))
    hold = [giveaway.reservation_id] if giveaway.reservation_id is not None else []
    # Released in this transaction, the unit is free again only for the winner's order below: the
    # product's row stays locked by this release until the commit.
    stock_release(reservation_ids=hold)
    giveaway.drawn_at = now
    # Drawn early by the host, entries closed now: the record says so.
    giveaway.ends_at = min(giveaway.ends_at, now)
    giveaway.entry_count = len(entries)
    if not entries:
        giveaway.status = GiveawayStatus.CANCELLED
        giveaway.save(update_fields=["status", "drawn_at", "ends_at", "entry_count"])
    else:
        # The seed is drawn only now, once entries are closed, so nobody could have chosen an entry
        # knowing it; it is stored with the winner it gives, for anyone to recompute.
        giveaway.seed = secrets.token_hex(16)
        winner = entries[winning_position(giveaway.seed, len(entries))].user
        giveaway.winner = winner
        giveaway.status = GiveawayStatus.DRAWN
        giveaway.order = order_create_free(
            buyer=winner, product_id=giveaway.product_id, source=f"giveaway-{giveaway.pk}"
        )
        giveaway.save(update_fields=["status", "drawn_at", "ends_at", "entry_count", "seed", "winner", "order"])
    show_event(giveaway.show_id, "giveaway.drawn", {"giveaway": giveaway_payload(giveaway)})
    return giveaway


@transaction.atomic
def giveaway_draw(*, actor: User, giveaway_id: Any, show_id: int | None = None) -> Giveaway:
    """Draw now (the host or the show's moderators): entries close at this moment.

    Drawing a giveaway already drawn changes nothing and returns it as it is: one winner, one order.
    From the room, `show_id` is the room's show and a giveaway of another show is not found.
    """
    giveaway_id = id_field("giveaway_id", giveaway_id)
    found = Giveaway.objects.filter(pk=giveaway_id).values_list("show_id", flat=True).first()
    if found is None or (show_id is not None and found != show_id):
        raise NotFound("No such giveaway.")
    show_id = found
    # The show first, then the giveaway: the order giveaway_start takes them in.
    show = show_lock(show_id)
    _moderator_check(actor=actor, show=show)
    giveaway = Giveaway.objects.select_for_update().get(pk=giveaway_id)
    if not giveaway.is_running:
        return giveaway
    return _giveaway_draw_locked(giveaway, now=timezone.now())


@transaction.atomic
def giveaway_draw_due(*, giveaway_id: int, now: datetime | None = None) -> bool:
    """Draw the giveaway if its time is up (the timer's task); False, with nothing changed, if not."""
    now = now or timezone.now()
    giveaway = Giveaway.objects.select_for_update().filter(pk=giveaway_id).first()
    if giveaway is None or not giveaway.is_due(now):
        return False
    _giveaway_draw_locked(giveaway, now=now)
    return True


def giveaways_draw_due(*, now: datetime | None = None) -> int:
    """Draw every running giveaway whose time is up (the sweep behind lost timer tasks); returns how many."""
    now = now or timezone.now()
    due = Giveaway.objects.running().filter(ends_at__lte=now).values_list("pk", flat=True)
    return sum(giveaway_draw_due(giveaway_id=giveaway_id, now=now) for giveaway_id in list(due[:GIVEAWAYS_DRAW_BATCH]))
