"""R2: random reserve / release / expire / checkout / pay / cancel / adjust / sweep sequences against
the real PostgreSQL, checked after every step against a small model of the stock.

After every step, for every product: the count on hand is the model's, the count reserved is the sum
of its active reservations (in the database and in the model), available = on hand - reserved >= 0,
the CHECK constraints hold, and the stock history adds up to the counts. After the final sweep no
reservation is left active and nothing is reserved.

R2_EXAMPLES raises the number of sequences (default 20 of up to 25 steps, a quick run).
"""

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from commerce.models import (
    CartItem,
    InventoryChange,
    InventoryReason,
    Order,
    OrderStatus,
    Product,
    ReservationStatus,
    StockReservation,
)
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.cart import cart_add
from commerce.services.inventory import (
    reservations_expire,
    stock_adjust,
    stock_commit,
    stock_release,
    stock_reserve,
)
from commerce.services.orders import checkout, order_cancel, order_pay
from tokshop.core.errors import ApplicationError, Conflict
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ProductFactory

EXAMPLES = int(os.environ.get("R2_EXAMPLES", "20"))
ADDRESS = {
    "shipping_name": "Model Buyer",
    "shipping_line1": "1 Main Street",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "US",
}
ADJUST_REASONS = [InventoryReason.RESTOCK, InventoryReason.CORRECTION, InventoryReason.DAMAGED]


@dataclass
class Hold:
    product_id: int
    quantity: int
    expires_at: datetime
    active: bool = True


@dataclass
class ModelOrder:
    hold_ids: list[int]
    lines: dict[int, int]
    status: str = OrderStatus.PENDING_PAYMENT


@dataclass
class Model:
    on_hand: dict[int, int] = field(default_factory=dict)
    initial: dict[int, int] = field(default_factory=dict)
    holds: dict[int, Hold] = field(default_factory=dict)

    def reserved(self, product_id: int) -> int:
        return sum(h.quantity for h in self.holds.values() if h.active and h.product_id == product_id)

    def available(self, product_id: int) -> int:
        return self.on_hand[product_id] - self.reserved(product_id)


class ReservationMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        # Each sequence runs in a transaction rolled back at its end, so sequences never see each other.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.model = Model()
        self.orders_by_id = {}
        self.sellers = [SellerProfileFactory().user for _ in range(2)]
        self.buyers = [UserFactory() for _ in range(2)]
        for index, on_hand in enumerate([3, 1, 5]):
            product = ProductFactory(seller=self.sellers[index % 2], quantity_on_hand=on_hand)
            self.model.on_hand[product.pk] = on_hand
            self.model.initial[product.pk] = on_hand
        self.product_ids = sorted(self.model.on_hand)

    def teardown(self):
        try:
            # After a failed step the model is behind the database; the step's own error is the report.
            if sys.exc_info()[0] is None:
                self.final_sweep_leaves_nothing_held()
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def final_sweep_leaves_nothing_held(self):
        # The sweep a day later ends every hold still open: none may be left behind.
        swept = reservations_expire(now=timezone.now() + timedelta(days=1))
        assert swept == sum(1 for h in self.model.holds.values() if h.active)
        for hold in self.model.holds.values():
            hold.active = False
        assert not StockReservation.objects.active().filter(product_id__in=self.product_ids).exists()
        assert list(
            Product.objects.filter(pk__in=self.product_ids).order_by("pk").values_list("quantity_reserved", flat=True)
        ) == [0] * len(self.product_ids)
        self.stock_matches_the_model()

    # --- Steps ----------------------------------------------------------------------------------

    def _record(self, created: list[StockReservation]) -> list[int]:
        for reservation in created:
            self.model.holds[reservation.pk] = Hold(
                reservation.product_id, reservation.quantity, reservation.expires_at
            )
        return [r.pk for r in created]

    @rule(
        target=reservations,
        buyer=st.integers(0, 1),
        lines=st.dictionaries(st.integers(0, 2), st.integers(1, 4), min_size=1, max_size=3),
    )
    def reserve(self, buyer: int, lines: dict[int, int]):
        wanted = {self.product_ids[i]: q for i, q in lines.items()}
        fits = all(self.model.available(pid) >= q for pid, q in wanted.items())
        try:
            created = stock_reserve(buyer=self.buyers[buyer], lines=wanted)
        except Conflict:
            assert not fits
            return []
        assert fits
        return self._record(created)

    @rule(held=consumes(reservations))
    def release(self, held: list[int]):
        active = [pk for pk in held if self.model.holds[pk].active]
        assert stock_release(reservation_ids=held) == len(active)
        for pk in active:
            self.model.holds[pk].active = False

    @rule(held=reservations)
    def commit(self, held: list[int]):
        active = [pk for pk in held if self.model.holds[pk].active]
        assert stock_commit(reservation_ids=held) == len(active)
        for pk in active:
            hold = self.model.holds[pk]
            hold.active = False
            self.model.on_hand[hold.product_id] -= hold.quantity

    @rule(held=reservations, seconds_ago=st.integers(0, 60))
    def time_runs_out(self, held: list[int], seconds_ago: int):
        # The hold's own clock runs out; the sweep has not come by yet.
        past = timezone.now() - timedelta(seconds=seconds_ago)
        StockReservation.objects.filter(pk__in=held).update(expires_at=past)
        for pk in held:
            self.model.holds[pk].expires_at = past

    # Holds last 15 minutes: the sweep's steps fall either side of that.
    @rule(minutes_ahead=st.sampled_from([0, 5, 14, 16, 60]))
    def sweep(self, minutes_ahead: int):
        now = timezone.now() + timedelta(minutes=minutes_ahead)
        due = [h for h in self.model.holds.values() if h.active and h.expires_at <= now]
        assert reservations_expire(now=now) == len(due)
        for hold in due:
            hold.active = False

    @rule(target=orders, buyer=st.integers(0, 1), product=st.integers(0, 2), quantity=st.integers(1, 4))
    def check_out(self, buyer: int, product: int, quantity: int):
        product_id = self.product_ids[product]
        fits = self.model.available(product_id) >= quantity
        try:
            cart_add(buyer=self.buyers[buyer], product_id=product_id, quantity=quantity)
            [order] = checkout(buyer=self.buyers[buyer], shipping=ADDRESS)
        except Conflict:
            assert not fits
            CartItem.objects.filter(cart__buyer=self.buyers[buyer]).delete()
            return None
        assert fits
        holds = self._record(list(order.reservations.all()))
        self.orders_by_id[order.pk] = ModelOrder(hold_ids=holds, lines={product_id: quantity})
        return order.pk

    @rule(order_id=orders)
    def pay(self, order_id: int | None):
        if order_id is None:
            return
        modelled = self.orders_by_id[order_id]
        order = Order.objects.get(pk=order_id)
        still_held = [pk for pk in modelled.hold_ids if self.model.holds[pk].active]
        if modelled.status != OrderStatus.PENDING_PAYMENT:
            expected = "order_state"
        elif len(still_held) == len(modelled.lines):
            expected = "paid"
        else:
            # An expired hold is taken again, after what is left of the old ones goes back.
            freed = dict.fromkeys(modelled.lines, 0)
            for pk in still_held:
                freed[self.model.holds[pk].product_id] += self.model.holds[pk].quantity
            fits = all(self.model.available(pid) + freed[pid] >= q for pid, q in modelled.lines.items())
            expected = "paid" if fits else "sold_out"
        if expected != "paid":
            with pytest.raises(Conflict) as refused:
                order_pay(buyer=order.buyer, order_id=order_id, card_number=TEST_CARD_SUCCESS)
            assert refused.value.code == expected
            return
        order_pay(buyer=order.buyer, order_id=order_id, card_number=TEST_CARD_SUCCESS)
        for pk in still_held:
            self.model.holds[pk].active = False
        fresh = order.reservations.exclude(pk__in=modelled.hold_ids)
        self._record(list(fresh))
        for pk in [r.pk for r in fresh]:
            self.model.holds[pk].active = False
        for product_id, quantity in modelled.lines.items():
            self.model.on_hand[product_id] -= quantity
        modelled.status = OrderStatus.PAID
        assert not order.reservations.active().exists()
        assert order.reservations.filter(status=ReservationStatus.COMMITTED).count() == len(modelled.lines)

    @rule(order_id=orders)
    def cancel(self, order_id: int | None):
        if order_id is None:
            return
        modelled = self.orders_by_id[order_id]
        order = Order.objects.get(pk=order_id)
        try:
            order_cancel(buyer=order.buyer, order_id=order_id)
        except Conflict:
            assert modelled.status != OrderStatus.PENDING_PAYMENT
            return
        assert modelled.status == OrderStatus.PENDING_PAYMENT
        modelled.status = OrderStatus.CANCELLED
        for pk in order.reservations.values_list("pk", flat=True):
            self.model.holds[pk].active = False

    @rule(product=st.integers(0, 2), delta=st.integers(-4, 4), reason=st.sampled_from(ADJUST_REASONS))
    def seller_adjusts(self, product: int, delta: int, reason: str):
        product_id = self.product_ids[product]
        seller = Product.objects.get(pk=product_id).seller
        allowed = delta != 0 and self.model.on_hand[product_id] + delta >= self.model.reserved(product_id)
        try:
            stock_adjust(seller=seller, product_id=product_id, delta=delta, reason=reason)
        except ApplicationError:
            assert not allowed
            return
        assert allowed
        self.model.on_hand[product_id] += delta

    # --- After every step -----------------------------------------------------------------------

    @invariant()
    def stock_matches_the_model(self):
        for product in Product.objects.filter(pk__in=self.product_ids):
            active = StockReservation.objects.active().filter(product=product).aggregate(n=Sum("quantity"))["n"] or 0
            assert product.quantity_on_hand == self.model.on_hand[product.pk]
            assert product.quantity_reserved == active == self.model.reserved(product.pk)
            assert product.quantity_available == self.model.available(product.pk) >= 0
            # Django checks the model's CHECK constraints against the row as it stands.
            product.validate_constraints()
            history = InventoryChange.objects.filter(product=product).aggregate(
                on_hand=Sum("delta_on_hand"), reserved=Sum("delta_reserved")
            )
            assert (history["on_hand"] or 0) == product.quantity_on_hand - self.model.initial[product.pk]
            assert (history["reserved"] or 0) == product.quantity_reserved


@pytest.mark.django_db
# A failure shrinks for minutes before it is reported; a pass takes well under one.
@pytest.mark.timeout(900)
def test_reservations_never_leak_nor_oversell_whatever_the_sequence():
    run_state_machine_as_test(
        ReservationMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
