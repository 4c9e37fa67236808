"""The console "platform": with no chat tokens set, messages are printed to stdout instead
of posted, so ``newsdigest run`` shows what it would send. Registered as a built-in
:class:`bot.platforms.Platform` whose home chat is this terminal."""

from __future__ import annotations

import itertools
from datetime import datetime
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from digests.render.text import render_text

if TYPE_CHECKING:
    from bot.commands import Services
    from bot.config import Config, Secrets
    from bot.platforms import Rate
    from bot.senders import Sender
    from digests.answers import Answer

__all__ = ["CONSOLE_CHAT_ID", "CONSOLE_PLATFORM", "ConsolePlatform", "ConsoleSender"]

CONSOLE_PLATFORM = "console"
CONSOLE_CHAT_ID = "console"


class ConsoleSender:
    """Prints each outbox payload's text. Article text is wrapped in a rich ``Text`` and
    never parsed as markup, so "[bold]" in a headline prints literally."""

    platform = CONSOLE_PLATFORM

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self._ids = itertools.count(1)

    async def send(self, chat_id: str, payload: dict[str, Any], idempotency_key: str) -> str:
        text = str(payload.get("text") or "").rstrip("\n")
        # The text is already wrapped by render_text: soft_wrap keeps rich from wrapping it again.
        # The chat and the local time a reader would see; the idempotency key is internal.
        when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        self.console.rule(Text(f"message to {chat_id} · {when}", style="dim"), style="dim")
        self.console.print(Text(text), soft_wrap=True)
        return f"console-{next(self._ids)}"

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        return None  # a terminal keeps no record: a recovered row is printed again


class ConsolePlatform:
    """Never enabled by a token: the fallback when no chat platform is (see
    :func:`bot.platforms.active_platforms`)."""

    name: str = CONSOLE_PLATFORM
    label: str = "Console"
    home_chat: str | None = CONSOLE_CHAT_ID

    def enabled(self, secrets: Secrets) -> bool:
        return False

    async def open_sender(self, config: Config, stack: AsyncExitStack, *, console: Console | None = None) -> Sender:
        return ConsoleSender(console)

    def adapter(self, config: Config, services: Services, sender: Sender | None = None) -> None:
        return None  # commands come from `newsdigest ask`

    def payloads(self, answer: Answer) -> list[dict[str, Any]]:
        return [{"text": render_text(answer)}]

    def preview(self, answer: Answer) -> str:
        return render_text(answer)

    def rates(self, config: Config, chat_id: str) -> list[tuple[str, Rate]]:
        return []

    def admin_chat(self, config: Config) -> str | None:
        return None
