"""Telegram's flood limits, kept on our side so the Bot API never has to say 429.

Telegram documents three limits for a bot: about 30 messages per second overall, one message
per second in one chat, and 20 messages per minute in one group or channel (negative chat
ids). :class:`FloodLimiter` enforces all three. A chat that got a 429 anyway is blocked for
``retry_after`` seconds: that chat only, the others go on.

A send happens inside ``async with limiter.slot(chat_id):``. Each chat waits for its own slot
under its own lock, then for one of the overall tokens: senders to different chats never wait
on each other's chat limits. Every window counts from the moment Telegram answered, not from
when we asked, so network delays cannot squeeze two requests into one of Telegram's windows.
The per-chat wait is bounded by ``max_wait``: a longer one is reported back
(:class:`SlotTooFar`) so a delivery worker can do something else instead of sleeping through a
group's minute.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

__all__ = ["FloodLimits", "FloodLimiter", "SlotTooFar", "is_group_chat"]


@dataclass(frozen=True)
class FloodLimits:
    global_messages: int = 30  # overall, all chats together, per global_window
    global_window: float = 1.0
    per_chat_interval: float = 1.0  # seconds between two messages in one chat
    group_messages: int = 20  # per group_window in one group or channel
    group_window: float = 60.0
    # Windows are stretched by this fraction: Telegram's accounting is not documented to the
    # millisecond, and staying a little under its limits costs 3% at most.
    margin: float = 0.03
    max_wait: float = 5.0  # the longest a send waits for its chat's slot before giving up

    def scaled(self, factor: float) -> "FloodLimits":
        """The same limits with every time window multiplied by ``factor`` (fast tests)."""
        return replace(
            self, global_window=self.global_window * factor, per_chat_interval=self.per_chat_interval * factor, group_window=self.group_window * factor,
            max_wait=self.max_wait * factor,
        )


def is_group_chat(chat_id: str | int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return str(chat_id).lstrip().startswith("-")


class SlotTooFar(Exception):
    """The chat's next free slot is more than ``max_wait`` away; ``seconds`` says how far."""

    def __init__(self, seconds: float, blocked: bool) -> None:
        super().__init__(f"next slot in {seconds:.2f}s")
        self.seconds = seconds
        self.blocked = blocked  # True when the chat is serving a 429 penalty


class _Window:
    """At most ``limit`` events in any ``window`` seconds."""

    __slots__ = ("limit", "window", "times")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.times: deque[float] = deque()

    def earliest(self, not_before: float) -> float:
        # Times are recorded in increasing order (one chat's sends are serialized).
        if len(self.times) < self.limit:
            return not_before
        return max(not_before, self.times[-self.limit] + self.window)

    def record(self, at: float) -> None:
        self.times.append(at)
        while len(self.times) > self.limit:
            self.times.popleft()


class _Chat:
    __slots__ = ("lock", "spacing", "group", "blocked_until")

    def __init__(self, limits: FloodLimits, window_factor: float, group: bool) -> None:
        self.lock = asyncio.Lock()
        self.spacing = _Window(1, limits.per_chat_interval * window_factor)
        self.group = _Window(limits.group_messages, limits.group_window * window_factor) if group else None
        self.blocked_until = 0.0

    def earliest(self, now: float) -> float:
        at = max(now, self.blocked_until)
        at = self.spacing.earliest(at)
        if self.group is not None:
            at = self.group.earliest(at)
        return at

    def idle_since(self) -> float:
        last = self.spacing.times[-1] if self.spacing.times else 0.0
        if self.group is not None and self.group.times:
            last = max(last, self.group.times[-1] + self.group.window)
        return max(last, self.blocked_until)


class FloodLimiter:
    """Send inside :meth:`slot`; report a 429 with :meth:`penalize`."""

    def __init__(self, limits: FloodLimits | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or FloodLimits()
        self._clock = clock
        factor = 1.0 + self.limits.margin
        # Overall limit: a send holds one of N tokens from its start until ``window`` after its
        # answer, so any N+1 requests reach Telegram at least ``window`` apart, however the
        # network delays them (a sliding window over start times cannot promise that).
        self._global = asyncio.Semaphore(max(1, self.limits.global_messages))
        self._global_window = self.limits.global_window * factor
        # Tokens are also handed out evenly (window / N apart) rather than in bursts of N, so
        # requests do not queue up behind each other and hold their tokens longer.
        self._pace = self._global_window / max(1, self.limits.global_messages)
        self._next_start = 0.0
        self._window_factor = factor
        self._chats: dict[str, _Chat] = {}
        self._forget_after = max(self.limits.group_window, self.limits.per_chat_interval) * factor

    def _chat(self, chat_id: str) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) > 4096:
                self._forget_idle()
            chat = self._chats[chat_id] = _Chat(self.limits, self._window_factor, is_group_chat(chat_id))
        return chat

    def _forget_idle(self) -> None:
        now = self._clock()
        for chat_id in [c for c, s in self._chats.items() if not s.lock.locked() and s.idle_since() + self._forget_after < now]:
            del self._chats[chat_id]

    def blocked_for(self, chat_id: str) -> float:
        """Seconds left of this chat's 429 penalty (0 when it may send)."""
        chat = self._chats.get(str(chat_id))
        return max(0.0, chat.blocked_until - self._clock()) if chat else 0.0

    def penalize(self, chat_id: str, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing goes to it for ``seconds``."""
        chat = self._chat(str(chat_id))
        chat.blocked_until = max(chat.blocked_until, self._clock() + max(0.0, seconds))

    @asynccontextmanager
    async def slot(self, chat_id: str, *, max_wait: float | None = None) -> AsyncIterator[None]:
        """Send one message to ``chat_id`` inside this block. Entering waits for the chat's
        and the overall limits; raises :class:`SlotTooFar` (taking nothing) when the chat's
        own limits put its slot more than ``max_wait`` away."""
        limit = self.limits.max_wait if max_wait is None else max_wait
        chat = self._chat(str(chat_id))
        # The chat stays locked until its request is answered, and the chat's windows count
        # from that answer: Telegram saw the request at some point before it, so the next one
        # can never reach Telegram too early, whatever the network delay. It also keeps one
        # chat's messages in order.
        async with chat.lock:
            now = self._clock()
            at = chat.earliest(now)
            if at - now > limit:
                raise SlotTooFar(at - now, blocked=chat.blocked_until > now)
            await self._sleep_until(at)
            await self._global.acquire()
            start = max(self._clock(), self._next_start)
            self._next_start = start + self._pace
            await self._sleep_until(start)
            try:
                yield
            finally:
                done = self._clock()
                asyncio.get_running_loop().call_later(self._global_window, self._global.release)
                chat.spacing.record(done)
                if chat.group is not None:
                    chat.group.record(done)

    async def _sleep_until(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)
