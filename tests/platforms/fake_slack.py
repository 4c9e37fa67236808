"""A local fake of the parts of Slack the app uses: Web API, response_url, Socket Mode.

Runs an aiohttp server on 127.0.0.1 (ephemeral port) inside the test's event loop::

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_base_url)

It behaves like Slack where our code depends on it:

* Web API (``/api/<method>``, JSON or form bodies, token in ``Authorization: Bearer``):
  ``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``, ``views.publish``,
  ``conversations.history``, ``users.info``, ``apps.connections.open``. A wrong token gets
  ``{"ok": false, "error": "invalid_auth"}``; channels in ``not_in_channel`` /
  ``missing_channels`` / ``archived_channels`` get those errors; messages are checked with
  ``tests/platforms/blockkit.validate_message`` (``msg_too_long`` / ``invalid_blocks``).
* ``chat.postMessage`` is rate limited per channel (token bucket: ``rate_per_second``,
  ``burst``): HTTP 429, ``Retry-After``, ``{"ok": false, "error": "ratelimited"}``. Slack sends
  whole seconds; ``whole_second_retry_after=False`` sends fractions so tests run fast.
* ``response_url()`` mints ``/respond/<id>`` URLs; each takes at most 5 posts, like Slack.
* Socket Mode: ``apps.connections.open`` (app token) returns ``ws://127.0.0.1:<port>/socket``;
  the socket says ``hello``; ``send_envelope()`` pushes an envelope and ``wait_for_ack()``
  returns the app's acknowledgement.

Everything is recorded: ``messages`` (accepted posts, ephemeral ones too), ``responses``
(response_url posts), ``views``, ``calls`` (every Web API call with its outcome).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

from tests.platforms.blockkit import FALLBACK_TEXT_LIMIT, validate_message

__all__ = [
    "FakeSlack", "PostedMessage", "ResponsePost", "ApiCall", "signed_request", "slash_command_body",
    "HOME_VIEW_MAX_BLOCKS",
]

HOME_VIEW_MAX_BLOCKS = 100
RESPONSE_URL_MAX_POSTS = 5


@dataclass
class PostedMessage:
    channel: str
    text: str
    blocks: list[dict]
    metadata: dict | None
    ts: str
    ephemeral_user: str | None = None  # set for chat.postEphemeral


@dataclass
class ResponsePost:
    response_id: str
    body: dict


@dataclass
class ApiCall:
    method: str
    params: dict
    status: int = 200
    error: str | None = None


def signed_request(body: str | bytes, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a request Slack signed: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_command_body(command: str, text: str = "", *, channel_id: str = "C0NEWS", user_id: str = "U0ALICE",
                       response_url: str = "", team_id: str = "T0FAKE") -> str:
    """The form body Slack posts for a slash command."""
    return urlencode({
        "token": "deprecated-verification-token", "team_id": team_id, "team_domain": "fake",
        "channel_id": channel_id, "channel_name": "news", "user_id": user_id, "user_name": "alice",
        "command": command, "text": text, "api_app_id": "A0FAKE", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1.2.3",
    })


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class FakeSlack:
    bot_token: str = "xoxb-fake-bot-token"
    app_token: str = "xapp-fake-app-token"
    rate_per_second: float = 1.0
    burst: int = 2  # Slack tolerates short bursts above 1 msg/s
    whole_second_retry_after: bool = True
    users: dict[str, dict] = field(default_factory=dict)  # id -> users.info "user" object
    not_in_channel: set[str] = field(default_factory=set)
    missing_channels: set[str] = field(default_factory=set)
    archived_channels: set[str] = field(default_factory=set)
    messages: list[PostedMessage] = field(default_factory=list)
    responses: list[ResponsePost] = field(default_factory=list)
    views: list[tuple[str, dict]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    rejected_responses: list[tuple[str, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._scripted: dict[str, list[tuple[int, str]]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.add_routes([web.post("/api/{method}", self._api), web.get("/api/{method}", self._api),
                        web.post("/respond/{rid}", self._respond), web.get("/socket", self._socket)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeSlack":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/api/"

    # -- test helpers ------------------------------------------------------------------------
    def response_url(self) -> str:
        return f"{self.base_url}/respond/r{next(self._ids)}"

    def responses_to(self, url: str) -> list[dict]:
        rid = url.rsplit("/", 1)[-1]
        return [r.body for r in self.responses if r.response_id == rid]

    def messages_in(self, channel: str) -> list[PostedMessage]:
        return [m for m in self.messages if m.channel == channel and m.ephemeral_user is None]

    def script_error(self, method: str, *, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail this way (status 5xx sends no JSON)."""
        self._scripted.setdefault(method, []).extend([(status, error)] * times)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (checked whenever something is recorded)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("fake slack: condition not met in time")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
            except asyncio.TimeoutError:
                pass

    async def send_envelope(self, kind: str, payload: dict, *, accepts_response_payload: bool = False) -> str:
        """Push a Socket Mode envelope to every connected app; returns its envelope_id."""
        if not self._sockets:
            await self.wait_for(lambda: bool(self._sockets))
        envelope_id = f"env-{next(self._ids)}"
        self._acks[envelope_id] = asyncio.get_running_loop().create_future()
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, "retry_attempt": 0, "retry_reason": ""}
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(envelope))
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> dict:
        return await asyncio.wait_for(asyncio.shield(self._acks[envelope_id]), timeout)

    # -- Web API -----------------------------------------------------------------------------
    def _record(self, call: ApiCall, body: dict, status: int = 200, headers: dict | None = None) -> web.Response:
        call.status, call.error = status, None if body.get("ok") else body.get("error")
        self.calls.append(call)
        self._changed.set()
        return web.json_response(body, status=status, headers=headers)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        params = {k: _maybe_json(v) for k, v in params.items()}
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else str(params.get("token", ""))
        call = ApiCall(method, params)
        if self._scripted.get(method):
            status, error = self._scripted[method].pop(0)
            if status >= 500:
                call.status, call.error = status, error
                self.calls.append(call)
                return web.Response(status=status, text="<html>upstream error</html>", content_type="text/html")
            return self._record(call, {"ok": False, "error": error}, status)
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            error = "not_allowed_token_type" if token in (self.app_token, self.bot_token) else "invalid_auth"
            return self._record(call, {"ok": False, "error": error})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._record(call, {"ok": False, "error": "unknown_method"}, 404)
        return handler(call, params)

    def _channel_error(self, channel: str) -> str | None:
        if not channel or channel in self.missing_channels:
            return "channel_not_found"
        if channel in self.archived_channels:
            return "is_archived"
        if channel in self.not_in_channel:
            return "not_in_channel"
        return None

    def _content_error(self, params: dict) -> tuple[str, list[str]] | None:
        text = params.get("text") or ""
        if len(text) > FALLBACK_TEXT_LIMIT:
            return "msg_too_long", [f"text: {len(text)} characters"]
        blocks = params.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            return "invalid_blocks_format", ["blocks: must be a JSON array"]
        problems = validate_message({"text": text, "blocks": blocks or []})
        return ("invalid_blocks", problems) if problems else None

    def _take_token(self, channel: str) -> float:
        """0 when a message may go now, else the seconds until it may."""
        now = time.monotonic()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate_per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate_per_second

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _m_auth_test(self, call: ApiCall, params: dict) -> web.Response:
        return self._record(call, {"ok": True, "url": f"{self.base_url}/", "team": "Fake", "user": "newsdigest",
                                   "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"})

    def _post(self, call: ApiCall, params: dict, *, ephemeral: bool) -> web.Response:
        channel = str(params.get("channel") or "")
        error = self._channel_error(channel)
        if error:
            return self._record(call, {"ok": False, "error": error})
        content = self._content_error(params)
        if content:
            return self._record(call, {"ok": False, "error": content[0], "response_metadata": {"messages": content[1]}})
        if not ephemeral:
            wait = self._take_token(channel)
            if wait > 0:
                retry = str(math.ceil(wait)) if self.whole_second_retry_after else f"{wait:.3f}"
                return self._record(call, {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": retry})
        ts = self._next_ts()
        self.messages.append(PostedMessage(channel, params.get("text") or "", params.get("blocks") or [],
                                           params.get("metadata"), ts, params.get("user") if ephemeral else None))
        if ephemeral:
            return self._record(call, {"ok": True, "message_ts": ts})
        return self._record(call, {"ok": True, "channel": channel, "ts": ts,
                                   "message": {"type": "message", "text": params.get("text"), "ts": ts}})

    def _m_chat_postMessage(self, call: ApiCall, params: dict) -> web.Response:
        return self._post(call, params, ephemeral=False)

    def _m_chat_postEphemeral(self, call: ApiCall, params: dict) -> web.Response:
        return self._post(call, params, ephemeral=True)

    def _m_conversations_history(self, call: ApiCall, params: dict) -> web.Response:
        channel = str(params.get("channel") or "")
        error = self._channel_error(channel)
        if error:
            return self._record(call, {"ok": False, "error": error})
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        found = []
        for m in reversed(self.messages_in(channel)):  # newest first, as Slack lists them
            item = {"type": "message", "ts": m.ts, "text": m.text, "bot_id": "B0BOT"}
            if with_metadata and m.metadata:
                item["metadata"] = m.metadata
            found.append(item)
        return self._record(call, {"ok": True, "messages": found[:limit], "has_more": len(found) > limit})

    def _m_users_info(self, call: ApiCall, params: dict) -> web.Response:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return self._record(call, {"ok": False, "error": "user_not_found"})
        return self._record(call, {"ok": True, "user": {"id": params.get("user"), **user}})

    def _m_views_publish(self, call: ApiCall, params: dict) -> web.Response:
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            return self._record(call, {"ok": False, "error": "invalid_arguments"})
        blocks = view.get("blocks") or []
        problems = [f"blocks: {len(blocks)} blocks, more than {HOME_VIEW_MAX_BLOCKS}"] if len(blocks) > HOME_VIEW_MAX_BLOCKS else []
        for i, block in enumerate(blocks):  # each block by the message rules (limits are the same)
            problems += [p.replace("blocks[0]", f"blocks[{i}]") for p in validate_message({"text": "-", "blocks": [block]})]
        if problems:
            return self._record(call, {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": problems}})
        self.views.append((str(params.get("user_id")), view))
        return self._record(call, {"ok": True, "view": {"id": f"V{next(self._ids)}", **view}})

    def _m_apps_connections_open(self, call: ApiCall, params: dict) -> web.Response:
        return self._record(call, {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket=t{next(self._ids)}"})

    # -- response_url ----------------------------------------------------------------------------
    async def _respond(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        body = await request.json()
        if sum(1 for r in self.responses if r.response_id == rid) >= RESPONSE_URL_MAX_POSTS:
            return web.Response(status=404, text="used_url")
        problems = validate_message({"text": body.get("text") or "", "blocks": body.get("blocks") or []})
        if problems:
            self.rejected_responses.append((rid, problems))
            return web.Response(status=400, text="invalid_blocks")
        self.responses.append(ResponsePost(rid, body))
        self._changed.set()
        return web.Response(text="ok")

    # -- Socket Mode --------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self._changed.set()
        await ws.send_str(json.dumps({"type": "hello", "num_connections": len(self._sockets),
                                      "connection_info": {"app_id": "A0FAKE"}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                future = self._acks.get(str(data.get("envelope_id")))
                if future is not None and not future.done():
                    future.set_result(data)
                    self._changed.set()
        finally:
            self._sockets.remove(ws)
        return ws
