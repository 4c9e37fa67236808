"""HTTP mode: an aiohttp server inside our event loop that hands Slack's signed requests to Bolt.

Bolt verifies each request's signature and refuses timestamps more than five minutes away.
That still lets anyone who captured one request (a proxy log, a leaked debug dump) send the
exact same bytes again within those five minutes, and Slack's signature would still be valid:
a replayed ``/subscribe`` or ``/unsubscribe`` would act a second time. :class:`ReplayGuard`
checks the signature itself and remembers every (timestamp, signature) pair it accepted for
the length of the window, so an exact replay is refused with 401 before Bolt sees it. Older
pairs can be forgotten because the timestamp check refuses them anyway. The memory is per
process: run one HTTP receiver per signing secret (or put a shared cache in front).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

from aiohttp import web

from bot.receiver import PostReceiver
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

__all__ = ["ReplayGuard", "SlackHTTPServer", "SIGNATURE_WINDOW_SECONDS"]

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_SECONDS = 5 * 60  # what Slack documents and Bolt enforces


class _Clock:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now


class ReplayGuard:
    """Refuses unsigned, badly signed, stale and replayed requests (returns the reason)."""

    def __init__(
        self,
        signing_secret: str,
        *,
        window_seconds: float = SIGNATURE_WINDOW_SECONDS,
        now: Callable[[], float] = time.time,
        max_entries: int = 100_000,
    ) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_Clock(now))  # type: ignore[arg-type]
        self._window = window_seconds
        self._now = now
        self._max_entries = max_entries
        self._seen: set[tuple[str, str]] = set()
        self._order: deque[tuple[float, tuple[str, str]]] = deque()  # (forget at, pair)

    def refusal(self, body: bytes | str, headers: Mapping[str, str]) -> str | None:
        """None when the request may proceed (and remember it); else why it may not."""
        now = self._now()
        self._forget_expired(now)
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get("x-slack-request-timestamp")
        signature = lowered.get("x-slack-signature")
        if not timestamp or not signature:
            return "unsigned"
        try:
            sent_at = int(timestamp)
        except ValueError:
            return "bad timestamp"
        if abs(now - sent_at) > self._window:
            return "stale timestamp"
        if not self._verifier.is_valid(body, timestamp, signature):
            return "bad signature"
        pair = (timestamp, signature)
        if pair in self._seen:
            return "replayed"
        self._seen.add(pair)
        self._order.append((sent_at + self._window + 1, pair))
        while len(self._order) > self._max_entries:  # a flood of valid requests: stay bounded
            self._seen.discard(self._order.popleft()[1])
        return None

    def __len__(self) -> int:
        """How many accepted requests are remembered right now."""
        return len(self._seen)

    def _forget_expired(self, now: float) -> None:
        # Appended roughly in timestamp order; a late arrival only stays a little longer.
        while self._order and self._order[0][0] < now:
            self._seen.discard(self._order.popleft()[1])


class SlackHTTPServer(PostReceiver):
    """POST ``path`` → replay guard → Bolt. ``start()``/``stop()`` in the running loop;
    ``port`` is the bound port (useful with ``port=0``)."""

    def __init__(self, app: AsyncApp, guard: ReplayGuard, *, host: str, port: int, path: str) -> None:
        super().__init__(self._handle, host=host, port=port, path=path)
        self._app = app
        self._guard = guard

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        reason = self._guard.refusal(body, request.headers)
        if reason is not None:
            log.warning("slack http: refused a request (%s)", reason)
            return web.Response(status=401, text="invalid request")
        bolt_response = await self._app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

