"""The Slack app: Bolt (async) listeners that turn slash commands, buttons and App Home visits
into core requests, and answer with rendered Block Kit.

Every listener acks first and works afterwards, in a task of our own: Slack wants the ack
within 3 seconds and a digest may take longer; the answer then goes to ``response_url``.
Two transports share these listeners: Socket Mode (``mode = "socket"``, needs
SLACK_APP_TOKEN) and HTTP (``mode = "http"``, needs SLACK_SIGNING_SECRET; see ``http.py``).

Who is an admin (may subscribe channels and manage sources): the user ids in
``[slack] admins``, plus workspace admins and owners as ``users.info`` reports them (looked up
once per user per ``admin_cache_seconds``; needs the ``users:read`` scope; any failure means
"not an admin").
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Request, Services, handle, parse_command
from bot.config import Secrets, SlackConfig
from bot.slack.home import home_view
from bot.slack.http import ReplayGuard, SlackHTTPServer
from bot.slack.render import BUTTON_ACTION_PREFIX, SlackMessage, render_slack
from bot.slack.render import MAX_BLOCKS as SLACK_MAX_BLOCKS
from bot.slack.requests import MAX_RESPONSE_URL_POSTS, SLASH_COMMANDS, parse_slash_command
from digests.answers import Answer, Digest, Notice, SubscriptionList, WhoCard
from digests.errors import ConfigError

__all__ = ["SlackAdapter", "FAILED", "HOME_SUBSCRIPTIONS_TITLE"]

log = logging.getLogger(__name__)

FAILED = "Sorry, something went wrong while answering /{command}. Please try again in a minute."
HOME_SUBSCRIPTIONS_TITLE = "Your subscriptions"


class SlackAdapter:
    """``await adapter.start()`` connects (Socket Mode) or listens (HTTP); ``stop()`` undoes it
    and waits for answers still being written. ``drain()`` waits for those answers only."""

    def __init__(
        self,
        services: Services,
        config: SlackConfig,
        secrets: Secrets,
        *,
        admin_cache_seconds: float = 600.0,
        stop_timeout: float = 10.0,
        web_base_url: str = "",
    ) -> None:
        if not secrets.slack_bot_token:
            raise ConfigError("Slack needs SLACK_BOT_TOKEN (the xoxb- bot token)")
        if config.mode == "socket" and not secrets.slack_app_token:
            raise ConfigError("Slack Socket Mode needs SLACK_APP_TOKEN (an xapp- app-level token)")
        if config.mode == "http" and not secrets.slack_signing_secret:
            raise ConfigError("Slack HTTP mode needs SLACK_SIGNING_SECRET")
        if config.mode not in ("socket", "http"):
            raise ConfigError(f"slack.mode must be socket or http, not {config.mode!r}")
        self.services = services
        self.config = config
        self.secrets = secrets
        self.web_base_url = web_base_url  # [web] base_url: /who shows the archive's chart image
        # 429s are safe to retry (Slack did nothing); dropped connections are not (a post may
        # have happened), so no connection-error retry handler here.
        self.client = AsyncWebClient(
            token=secrets.slack_bot_token,
            base_url=config.api_base_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secrets.slack_signing_secret or None,
            # Socket Mode requests come over our authenticated WebSocket, unsigned.
            request_verification_enabled=config.mode == "http",
        )
        self._admin_cache_seconds = admin_cache_seconds
        self._admins: dict[str, tuple[bool, float]] = {}
        self._stop_timeout = stop_timeout
        self._tasks: set[asyncio.Task] = set()
        self.http: SlackHTTPServer | None = None
        self.socket: Any = None  # AsyncSocketModeHandler once started
        for name in SLASH_COMMANDS:
            self.app.command(name)(self._on_command)
        self.app.action(re.compile(f"^{re.escape(BUTTON_ACTION_PREFIX)}"))(self._on_button)
        self.app.event("app_home_opened")(self._on_home_opened)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Check the tokens, then listen. A bad token fails here with a ConfigError instead of
        failing every command later (or, for Socket Mode, reconnecting forever)."""
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack: {exc.response.get('error')}") from exc
        if self.config.mode == "http":
            guard = ReplayGuard(self.secrets.slack_signing_secret or "")
            self.http = SlackHTTPServer(
                self.app, guard, host=self.config.http_listen, port=self.config.http_port, path=self.config.http_path
            )
            await self.http.start()
            log.info("slack: listening on %s", self.http.url)
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self.socket = AsyncSocketModeHandler(self.app, self.secrets.slack_app_token, web_client=self.client)
            try:
                # slack_sdk's connect() retries a refused app token forever: ask for the
                # WebSocket URL ourselves first, so a bad token is an error at start-up.
                self.socket.client.wss_uri = await self.socket.client.issue_new_wss_url()
            except SlackApiError as exc:
                await self.socket.close_async()
                self.socket = None
                raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack: {exc.response.get('error')}") from exc
            await self.socket.connect_async()
            log.info("slack: connected in Socket Mode")

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        if self.http is not None:
            await self.http.stop()
            self.http = None
        try:
            await asyncio.wait_for(self.drain(), self._stop_timeout)
        except asyncio.TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            log.warning("slack: stopped with %d answers unfinished", len(self._tasks))

    async def drain(self) -> None:
        """Wait until every answer started so far has been delivered (or has failed)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def __aenter__(self) -> "SlackAdapter":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- listeners: ack now, work later ---------------------------------------------------------
    async def _on_command(self, ack, body: dict) -> None:
        await ack()
        self._spawn(self.answer_command(body))

    async def _on_button(self, ack, body: dict, action: dict) -> None:
        await ack()
        parsed = parse_command(str(action.get("value") or ""))
        if parsed is None:
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        self._spawn(self.answer_command({
            "command": f"/{parsed.command}", "text": " ".join(parsed.args), "channel_id": channel,
            "user_id": (body.get("user") or {}).get("id", ""), "response_url": body.get("response_url"),
        }))

    async def _on_home_opened(self, event: dict) -> None:
        # Events are acked by Bolt before this runs.
        if event.get("tab", "home") == "home" and event.get("user"):
            self._spawn(self.publish_home(event["user"], event.get("channel")))

    # -- the work ---------------------------------------------------------------------------------
    async def answer_command(self, body: dict) -> None:
        """Run one slash command and post its answer (ephemeral unless shared)."""
        command = str(body.get("command") or "").lstrip("/") or "help"
        slash = parse_slash_command(body)
        try:
            slash = parse_slash_command(body, is_admin=await self.is_admin(slash.request.user_id))
            answer: Answer = await handle(slash.request, self.services)
        except Exception:
            log.exception("slack: /%s failed", command)
            answer = Notice(FAILED.format(command=command), "error")
        try:
            messages = await self._with_chart(answer, render_slack(answer))
            await self.deliver_answer(messages, slash.shared, slash.response_url, slash.channel_id,
                              slash.request.user_id)
        except Exception:
            log.exception("slack: could not deliver the answer to /%s", command)

    async def _with_chart(self, answer: Answer, messages: list[SlackMessage]) -> list[SlackMessage]:
        """A ``/who`` that names one person gets an image block of their mentions chart, served
        by the web archive: Slack fetches images by URL, so only with ``[web] base_url``."""
        if not self.web_base_url or not isinstance(answer, WhoCard) or len(answer.matches) != 1 or not messages:
            return messages
        name = answer.matches[0].name
        try:
            from bot.web.chart import chart_url
            from digests.store.archive import ArchiveReader, person_slug

            person_id = await ArchiveReader(self.services.store.engine).person_id_by_name(name)
        except Exception:  # noqa: BLE001 - a chart is never worth a lost answer
            log.warning("slack: chart lookup failed; sending the card alone", exc_info=True)
            return messages
        if person_id is None:
            return messages
        image = {"type": "image", "image_url": chart_url(self.web_base_url, person_slug(person_id, name), "png"),
                 "alt_text": f"Articles naming {name} per day over the last 90 days, days quoted marked"}
        first = messages[0]
        if len(first.blocks) < SLACK_MAX_BLOCKS:
            return [SlackMessage(first.text, first.blocks[:1] + [image] + first.blocks[1:]), *messages[1:]]
        return [SlackMessage(f"Mentions of {name}", [image]), *messages]

    async def deliver_answer(
        self, messages: list[SlackMessage], shared: bool, response_url: str | None, channel: str, user: str
    ) -> None:
        from slack_bolt.context.respond.async_respond import AsyncRespond

        respond = AsyncRespond(response_url=response_url) if response_url else None
        response_type = "in_channel" if shared else "ephemeral"
        for index, message in enumerate(messages):
            if respond is not None and index < MAX_RESPONSE_URL_POSTS:
                result = await respond(text=message.text, blocks=message.blocks, response_type=response_type,
                                       replace_original=False, unfurl_links=False, unfurl_media=False)
                if result.status_code == 200:
                    continue
                log.warning("slack: response_url answered %s; posting through the API", result.status_code)
            # More parts than a response_url takes: the rest go through the Web API.
            if shared:
                await self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                                   unfurl_links=False, unfurl_media=False)
            else:
                await self.client.chat_postEphemeral(channel=channel, user=user, text=message.text,
                                                     blocks=message.blocks)

    async def is_admin(self, user_id: str) -> bool:
        if not user_id:
            return False
        if user_id in self.config.admins:
            return True
        cached = self._admins.get(user_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            user = (await self.client.users_info(user=user_id)).get("user") or {}
            flag = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except (SlackApiError, OSError, asyncio.TimeoutError) as exc:
            log.warning("slack: users.info for %s failed (%s); treating as not an admin", user_id, exc)
            return False
        self._admins[user_id] = (flag, time.monotonic() + self._admin_cache_seconds)
        return flag

    async def publish_home(self, user_id: str, channel: str | None = None) -> None:
        """The App Home of ``user_id``: the subscriptions they created (or of their DM with the
        app) and the latest digest for their DM."""
        try:
            subs = await self.services.store.subscriptions.list(platform="slack")
            mine = [s.view() for s in subs if s.created_by == user_id or (channel and s.chat_id == channel)]
            chat_id = channel or user_id
            digest = await handle(
                Request("digest", platform="slack", chat_id=chat_id, user_id=user_id, chat_kind="private"),
                self.services,
            )
            view = home_view(SubscriptionList(title=HOME_SUBSCRIPTIONS_TITLE, subscriptions=mine),
                             digest if isinstance(digest, Digest) else None)
            await self.client.views_publish(user_id=user_id, view=view)
        except Exception:
            log.exception("slack: could not publish the App Home of %s", user_id)
