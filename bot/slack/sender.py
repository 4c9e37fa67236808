"""Posting outbox messages to Slack: pacing, idempotency metadata and error translation.

Every message carries Slack message metadata ``{"event_type": "newsdigest_message",
"event_payload": {"key": <idempotency key>}}`` so that, after a crash between "posted" and
"marked as sent", :meth:`SlackSender.already_sent` can find it in the channel's history and
the outbox does not post it twice.

The client has NO retry handlers: slack_sdk's default one re-sends a request after a dropped
connection, and a chat.postMessage whose answer was lost has usually been posted already: a
blind retry would double-post. Every failure goes back to the outbox as a
:class:`~bot.senders.DeliveryError`, and the outbox retries (after ``already_sent``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import PlatformRateLimited  # a RetryLater that metrics count as a 429
from bot.senders import (
    ChatUnavailable,
    DeliveryError,
    MessageRejected,
    RetryLater,
    SenderUnavailable,
)

__all__ = [
    "CHAT_GONE_ERRORS",
    "METADATA_EVENT_TYPE",
    "REJECTED_ERRORS",
    "ChannelPacer",
    "SlackSender",
    "delivery_error",
]

METADATA_EVENT_TYPE = "newsdigest_message"

# The bot can no longer post there (or at all, with this token): pause, don't retry.
CHAT_GONE_ERRORS = frozenset({
    "not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied",
    "no_permission",
})
# The token itself is refused: no channel can be reached; keep messages queued, pause nothing.
CREDENTIAL_ERRORS = frozenset({
    "invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed", "missing_scope",
    "team_access_not_granted", "org_login_required",
})
# Slack refused the content: the same message will be refused again.
REJECTED_ERRORS = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
    "too_many_attachments", "invalid_attachments", "invalid_metadata_format", "invalid_metadata_schema",
    "metadata_too_large", "metadata_must_be_sent_from_app",
})
_TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, (list, tuple)) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def delivery_error(error: SlackApiError) -> DeliveryError:
    """The outbox's view of a failed Slack API call."""
    response = error.response
    status = getattr(response, "status_code", 200)
    data = getattr(response, "data", None)
    code = data.get("error", "") if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        return PlatformRateLimited(f"slack: {code or 'rate limited'}", _retry_after(response))
    if code in CREDENTIAL_ERRORS:
        return SenderUnavailable(code)
    if code in CHAT_GONE_ERRORS:
        return ChatUnavailable(code)
    if code in REJECTED_ERRORS:
        return MessageRejected(code)
    # 5xx, Slack's own hiccups, and errors we don't know: let the outbox retry with back-off
    # (it gives up after delivery.max_attempts and dead-letters the row).
    return RetryLater(f"slack: {code or f'HTTP {status}'}", _retry_after(response))


class ChannelPacer:
    """At most ``per_second`` messages a second to each channel; channels don't wait for each
    other. Callers reserve slots in arrival order, so a channel's messages keep their order."""

    def __init__(
        self,
        per_second: float = 1.0,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._now = now
        self._sleep = sleep
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        now = self._now()
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said "retry after": nobody posts to this channel before then."""
        until = self._now() + seconds
        self._next[channel] = max(self._next.get(channel, until), until)


class SlackSender:
    """:class:`bot.senders.Sender` for Slack: ``chat_id`` is a channel id, the message id is
    the message's ``ts``; ``payload`` is ``{"text": ..., "blocks": [...]}`` (a rendered
    :class:`~bot.slack.render.SlackMessage`)."""

    platform = "slack"

    def __init__(
        self,
        token: str | None = None,
        *,
        api_base_url: str = "https://slack.com/api/",
        messages_per_second_per_channel: float = 1.0,
        client: AsyncWebClient | None = None,
        history_limit: int = 100,
        timeout: int = 30,
    ) -> None:
        if client is None:
            client = AsyncWebClient(token=token, base_url=api_base_url, timeout=timeout, retry_handlers=[])
        self.client = client
        self.pacer = ChannelPacer(messages_per_second_per_channel)
        self.history_limit = history_limit

    @classmethod
    def from_config(cls, slack_config: Any, secrets: Any) -> SlackSender:
        """From ``config.slack`` (:class:`bot.config.SlackConfig`) and ``config.secrets``."""
        return cls(
            secrets.slack_bot_token,
            api_base_url=slack_config.api_base_url,
            messages_per_second_per_channel=slack_config.messages_per_second_per_channel,
        )

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        await self.pacer.wait(chat_id)
        try:
            response = await self.client.chat_postMessage(
                channel=chat_id,
                text=payload.get("text") or "",
                blocks=payload.get("blocks") or None,
                metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": idempotency_key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, RetryLater) and error.seconds:
                self.pacer.hold(chat_id, error.seconds)
            raise error from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # The message may or may not have been posted: the outbox asks already_sent first.
            raise RetryLater(f"slack: network error: {exc!r}") from exc
        return str(response["ts"])

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        """The ``ts`` of a recent message in ``chat_id`` carrying this key, if any. None also
        when the history can't be read (no channels:history scope, not a member): the outbox
        then sends, as it would without this check."""
        try:
            response = await self.client.conversations_history(
                channel=chat_id, limit=self.history_limit, include_all_metadata=True
            )
        except SlackApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, RetryLater):
                raise error from exc
            return None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise RetryLater(f"slack: network error: {exc!r}") from exc
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT_TYPE and (metadata.get("event_payload") or {}).get(
                "key"
            ) == idempotency_key:
                return str(message.get("ts"))
        return None
