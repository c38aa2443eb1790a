"""The room's polls, questions, pinned product and flash sales: each message calls its service."""

from typing import Any

from django.utils import timezone

from tokshop.realtime.envelope import frame

from ..services import flash_sales, pins, polls, questions
from .base import RoomPart


class InteractPart(RoomPart):
    handlers = {
        "poll.open": "poll_open",
        "poll.vote": "poll_vote",
        "poll.close": "poll_close",
        "question.ask": "question_ask",
        "question.upvote": "question_upvote",
        "question.answer": "question_answer",
        "question.dismiss": "question_dismiss",
        "product.pin": "product_pin",
        "product.unpin": "product_unpin",
        "product.click": "product_click",
        "flash_sale.start": "flash_sale_start",
        "flash_sale.end": "flash_sale_end",
        "flash_sale.buy": "flash_sale_buy",
    }
    # Items this socket already counted: it answers a repeat without asking anyone; across sockets
    # (a reload, a second tab) the service's window per viewer decides.
    _clicked_items: set[int]

    async def poll_open(self, message: dict[str, Any]) -> None:
        poll = await self.call(
            polls.poll_open,
            actor=self.user,
            show_id=self.show.pk,
            question=message.get("question"),
            options=message.get("options"),
            seconds=message.get("seconds"),
        )
        await self.reply(message, "poll.open_ack", poll_id=poll.pk)

    async def poll_vote(self, message: dict[str, Any]) -> None:
        received_at = timezone.now()
        vote = await self.call(
            polls.poll_vote,
            user=self.user,
            show_id=self.show.pk,
            poll_id=message.get("poll_id"),
            option_id=message.get("option_id"),
            received_at=received_at,
        )
        await self.reply(message, "poll.vote_ack", poll_id=vote.poll_id, option_id=vote.option_id)

    async def poll_close(self, message: dict[str, Any]) -> None:
        poll = await self.call(polls.poll_close, actor=self.user, show_id=self.show.pk, poll_id=message.get("poll_id"))
        await self.reply(message, "poll.close_ack", poll_id=poll.pk)

    async def question_ask(self, message: dict[str, Any]) -> None:
        asked = await self.call(questions.question_ask, user=self.user, show_id=self.show.pk, text=message.get("text"))
        question_id = asked.question.pk if asked.question is not None else None
        await self.reply(message, "question.ask_ack", id=question_id, held=asked.held, notice=asked.message)

    async def question_upvote(self, message: dict[str, Any]) -> None:
        upvotes = await self.call(
            questions.question_upvote, user=self.user, show_id=self.show.pk, question_id=message.get("id")
        )
        await self.reply(message, "question.upvote_ack", id=message.get("id"), upvotes=upvotes)

    async def question_answer(self, message: dict[str, Any]) -> None:
        question = await self.call(
            questions.question_answer, actor=self.user, show_id=self.show.pk, question_id=message.get("id")
        )
        await self.reply(message, "question.answer_ack", id=question.pk, status=question.status)

    async def question_dismiss(self, message: dict[str, Any]) -> None:
        question = await self.call(
            questions.question_dismiss, actor=self.user, show_id=self.show.pk, question_id=message.get("id")
        )
        await self.reply(message, "question.dismiss_ack", id=question.pk, status=question.status)

    async def product_pin(self, message: dict[str, Any]) -> None:
        item = await self.call(pins.product_pin, actor=self.user, show_id=self.show.pk, item_id=message.get("item_id"))
        await self.reply(message, "product.pin_ack", item_id=item.pk)

    async def product_unpin(self, message: dict[str, Any]) -> None:
        await self.call(pins.product_unpin, actor=self.user, show_id=self.show.pk)
        await self.reply(message, "product.unpin_ack")

    async def product_click(self, message: dict[str, Any]) -> None:
        item_id = message.get("item_id")
        if not hasattr(self, "_clicked_items"):
            self._clicked_items = set()
        counted = False
        if not (isinstance(item_id, int) and item_id in self._clicked_items):
            counted = await self.call(
                pins.product_click, show_id=self.show.pk, item_id=item_id, viewer_key=self._viewer_key()
            )
            if isinstance(item_id, int):
                self._clicked_items.add(item_id)
        await self.reply(message, "product.click_ack", item_id=item_id, counted=counted)

    def _viewer_key(self) -> str:
        if self.viewer.user_id is not None:
            return f"user:{self.viewer.user_id}"
        client = self.scope.get("client") or ("", 0)
        return f"address:{client[0]}"

    async def flash_sale_start(self, message: dict[str, Any]) -> None:
        sale = await self.call(
            flash_sales.flash_sale_start,
            actor=self.user,
            show_id=self.show.pk,
            item_id=message.get("item_id"),
            price_cents=message.get("price_cents"),
            seconds=message.get("seconds"),
            total_limit=message.get("total_limit"),
            per_buyer_limit=message.get("per_buyer_limit"),
        )
        await self.reply(message, "flash_sale.start_ack", sale_id=sale.pk)

    async def flash_sale_end(self, message: dict[str, Any]) -> None:
        sale = await self.call(
            flash_sales.flash_sale_end, actor=self.user, show_id=self.show.pk, sale_id=message.get("sale_id")
        )
        await self.reply(message, "flash_sale.end_ack", sale_id=sale.pk)

    async def flash_sale_buy(self, message: dict[str, Any]) -> None:
        received_at = timezone.now()
        shipping = message.get("shipping")
        try:
            bought = await self.call(
                flash_sales.flash_sale_buy,
                buyer=self.user,
                show_id=self.show.pk,
                sale_id=message.get("sale_id"),
                quantity=message.get("quantity", 1),
                received_at=received_at,
                shipping=shipping if isinstance(shipping, dict) else None,
            )
        except (flash_sales.LimitReached, flash_sales.SoldOut) as refusal:
            # These refusals carry a figure the buyer acts on (how many more they may buy, how many are left).
            await self.send(
                text_data=frame(
                    "error", ref=message.get("ref"), code=refusal.code, message=refusal.message, **refusal.extra
                )
            )
            return
        await self.reply(
            message,
            "flash_sale.buy_ack",
            sale_id=bought.sale.pk,
            order_id=bought.order.pk,
            pay_url=bought.order.get_absolute_url(),
            total_cents=bought.order.total_cents,
        )
