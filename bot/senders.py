"""The seam between the outbox and a chat platform.

A sender posts one rendered message (an outbox row's ``payload``) to one chat and returns the
platform's message id. It translates the platform's failures into the exceptions below, so
the delivery loop decides retries without knowing any platform.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = [
    "DeliveryError",
    "RetryLater",
    "MessageRejected",
    "ChatUnavailable",
    "ChatMigrated",
    "SenderUnavailable",
    "Sender",
]


class DeliveryError(Exception):
    """A message could not be delivered now. Subclasses say what to do about it."""


class RetryLater(DeliveryError):
    """Rate limited (429) or a transient failure: retry this chat after ``seconds``."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.seconds = seconds


class MessageRejected(DeliveryError):
    """The platform refused this message's content (bad HTML, too long, invalid blocks):
    retrying cannot help. The row goes to the dead letters and an admin is told."""


class ChatUnavailable(DeliveryError):
    """The bot cannot post in this chat any more (removed, not in channel, channel not found,
    bad token): pause the subscription instead of retrying forever."""


class SenderUnavailable(DeliveryError):
    """The platform refused the bot's own credentials (revoked or wrong token): no chat can be
    reached until an operator fixes it. Messages stay queued and subscriptions stay active."""


class ChatMigrated(DeliveryError):
    """A Telegram group became a supergroup with a new id: follow it and resend there."""

    def __init__(self, reason: str, new_chat_id: str) -> None:
        super().__init__(reason)
        self.new_chat_id = new_chat_id


class Sender(Protocol):
    platform: str

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        """Post ``payload`` to ``chat_id``; return the platform message id."""
        ...

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        """After a crash between send and mark: the message id if this key was already
        posted, where the platform lets us look (Slack message metadata); else None."""
        ...
