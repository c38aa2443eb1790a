"""The payloads of the room's chat, reactions and presence; docs/protocol.md lists each with its fields."""

from typing import Any

from moderation.models import HeldMessage

from .events import iso
from .models import ChatMessage


def chat_message_payload(message: ChatMessage) -> dict[str, Any]:
    """One chat line as every viewer sees it (`sender` null for system and product lines)."""
    sender = message.sender
    product = None
    if message.lineup_item is not None:
        item = message.lineup_item
        product = {
            "item_id": item.pk,
            "product_id": item.product_id,
            "title": item.product.title,
            "price_cents": item.product.price_cents,
            "currency": item.product.currency,
        }
    return {
        "id": message.pk,
        "kind": message.kind,
        "text": message.text,
        "sender": {"id": sender.pk, "name": sender.display_name} if sender is not None else None,
        "is_host": message.is_host,
        "product": product,
        "created_at": iso(message.created_at),
    }


def held_message_payload(held: HeldMessage) -> dict[str, Any]:
    """A held chat message as the room's staff see it in their queue."""
    return {
        "id": held.pk,
        "text": held.text,
        "sender": {"id": held.sender_id, "name": held.sender.display_name},
        "code": held.verdict_code,
        "reason": held.verdict_message,
        "created_at": iso(held.created_at),
    }
