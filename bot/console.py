"""The console "platform": with no chat tokens set, messages are printed to stdout instead
of posted, so ``newsdigest run`` shows what it would send."""

from __future__ import annotations

import itertools
from typing import Any

from rich.console import Console
from rich.text import Text

__all__ = ["ConsoleSender", "CONSOLE_PLATFORM", "CONSOLE_CHAT_ID"]

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
        self.console.rule(Text(f"message to {chat_id} · {idempotency_key}", style="dim"), style="dim")
        self.console.print(Text(text), soft_wrap=True)
        return f"console-{next(self._ids)}"

    async def already_sent(self, chat_id: str, idempotency_key: str) -> str | None:
        return None  # a terminal keeps no record: a recovered row is printed again
