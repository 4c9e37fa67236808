"""Admin pages behind ``NEWSDIGEST_WEB_ADMIN_TOKEN``: sources and their fetch state, the
outbox depth, dead letters with a retry or drop button.

* No token configured: every /admin URL is a 404 (there is no admin to log in to).
* Not logged in: 401 with the login form and nothing else. A wrong token: 403.
* Login sets an HttpOnly, SameSite=Strict cookie holding an HMAC of the token (never the
  token itself); every comparison is constant-time (``hmac.compare_digest``).
* POST actions also need the CSRF token (another HMAC of the token) from the form.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from aiohttp import web

from bot.web.app import STATE, render
from digests.store.archive import drop_dead_letter

__all__ = ["COOKIE", "add_routes", "csrf_token", "session_value"]

COOKIE = "newsdigest_admin"


def _mac(token: str, purpose: str) -> str:
    return hmac.new(token.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()


def session_value(token: str) -> str:
    return _mac(token, "admin-session")


def csrf_token(token: str) -> str:
    return _mac(token, "admin-csrf")


def _token(request: web.Request) -> str:
    token = request.app[STATE].settings.admin_token
    if not token:
        raise web.HTTPNotFound()
    return token


def _logged_in(request: web.Request, token: str) -> bool:
    cookie = request.cookies.get(COOKIE, "")
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].encode(), token.encode()):
        return True
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


def _require(request: web.Request) -> str:
    token = _token(request)
    if not _logged_in(request, token):
        raise web.HTTPUnauthorized(
            text=render(request, "admin_login.html", next_path=request.path, failed=False).text,
            content_type="text/html", headers={"WWW-Authenticate": 'Bearer realm="newsdigest admin"'},
        )
    return token


async def _require_post(request: web.Request) -> str:
    token = _require(request)
    form = await request.post()
    if not hmac.compare_digest(str(form.get("csrf", "")).encode(), csrf_token(token).encode()):
        raise web.HTTPForbidden(text="missing or wrong CSRF token")
    return token


async def login(request: web.Request) -> web.StreamResponse:
    token = _token(request)
    form = await request.post()
    if not hmac.compare_digest(str(form.get("token", "")).encode(), token.encode()):
        return render(request, "admin_login.html", status=403, next_path="/admin", failed=True)
    response = web.HTTPSeeOther("/admin")
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="Strict", path="/admin",
                        secure=request.secure)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await _require_post(request)
    response = web.HTTPSeeOther("/digests")
    response.del_cookie(COOKIE, path="/admin")
    raise response


async def overview(request: web.Request) -> web.Response:
    token = _require(request)
    store = request.app[STATE].store
    sources = await store.sources.list()
    now = datetime.now(UTC)
    return render(request, "admin.html", sources=sources, now=now, depth=await store.outbox.pending_depth(),
                  counts=await store.outbox.counts_by_state(), dead=await store.outbox.failed(limit=100),
                  csrf=csrf_token(token), notice=request.query.get("done", "")[:40])


def _row_id(request: web.Request) -> int:
    raw = request.match_info["row_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound()
    return int(raw)


async def retry(request: web.Request) -> web.StreamResponse:
    await _require_post(request)
    outbox = request.app[STATE].store.outbox
    row = await outbox.get(_row_id(request))
    if row is None or row.state != "dead":
        raise web.HTTPNotFound()
    # Back to pending, due now; the attempt counter is refunded so it gets a real try.
    await outbox.mark_retry(row.id, f"retried by admin (was: {row.last_error or 'no reason'})",
                            datetime.now(UTC), refund_attempt=True)
    raise web.HTTPSeeOther("/admin?done=retried")


async def drop(request: web.Request) -> web.StreamResponse:
    await _require_post(request)
    if not await drop_dead_letter(request.app[STATE].store.engine, _row_id(request)):
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther("/admin?done=dropped")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin", overview)
    app.router.add_post("/admin/login", login)
    app.router.add_post("/admin/logout", logout)
    app.router.add_post("/admin/dead-letters/{row_id}/retry", retry)
    app.router.add_post("/admin/dead-letters/{row_id}/drop", drop)
