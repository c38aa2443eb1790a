"""The shows app's reportable kinds: chat messages and shows (see moderation/reportables.py)."""

from typing import Any

from moderation.reportables import Reportable

from .models import ChatMessage, Show
from .selectors_chat import chat_message_find_for_reporter, show_find_for_reporter


def _message_name(message: ChatMessage) -> str:
    return f"{message.sender.display_name}'s message" if message.sender is not None else "A message in a show"


def _show_describe(show: Show) -> dict[str, Any]:
    return {
        "Title": show.title,
        "Host": show.seller.display_name,
        "Status": show.get_status_display(),
        "Description": show.description or "—",
    }


def reportables() -> list[Reportable]:
    return [
        Reportable(
            kind="message",
            model=ChatMessage,
            label="chat message",
            find=chat_message_find_for_reporter,
            author=lambda message: message.sender,
            seller_id=lambda message: message.show.seller_id,
            name=_message_name,
            url=lambda message: message.show.get_absolute_url(),
            describe=lambda message: {"Text": message.text, "Show": message.show.title},
        ),
        Reportable(
            kind="show",
            model=Show,
            label="show",
            find=show_find_for_reporter,
            author=lambda show: show.seller,
            seller_id=lambda show: show.seller_id,
            name=lambda show: show.title,
            url=lambda show: show.get_absolute_url(),
            describe=_show_describe,
        ),
    ]
