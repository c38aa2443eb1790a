"""Moderation's services: the message check (`check`), sanctions, the chat rules, the audit log and who
moderates where."""
