"""People: search by name with the chat ``/who`` matching, a person's page (roles over
time, quotes grouped by article) and their mentions chart as PNG and SVG."""

from __future__ import annotations

import asyncio
import hashlib

from aiohttp import web

from bot.web.app import STATE, render
from bot.web.chart import CHART_FORMATS, ChartData, render_mentions_chart
from digests.store.archive import person_id_from_slug, person_slug

__all__ = ["add_routes", "chart_bytes"]

MAX_NAME = 120
_CACHE_LIMIT = 256


async def people_search(request: web.Request) -> web.Response:
    state = request.app[STATE]
    query = " ".join(request.query.get("q", "").split())[:MAX_NAME]
    candidates = []
    if query:
        card = await state.people.who(query)  # the exact /who matching (names.person_key, same_person)
        for match in card.matches:
            pid = await state.archive.person_id_by_name(match.name)
            if pid is not None:
                candidates.append((person_slug(pid, match.name), match))
        if len(candidates) == 1:
            raise web.HTTPFound(f"/people/{candidates[0][0]}")
    return render(request, "people_search.html", query=query, candidates=candidates)


async def _person_or_404(request: web.Request):
    pid = person_id_from_slug(request.match_info["slug"])
    detail = await request.app[STATE].archive.person(pid) if pid is not None else None
    if detail is None:
        raise web.HTTPNotFound()
    return detail


async def person(request: web.Request) -> web.Response:
    detail = await _person_or_404(request)
    if request.match_info["slug"] != detail.link.slug:
        raise web.HTTPMovedPermanently(f"/people/{detail.link.slug}")  # one URL per person
    return render(request, "person.html", person=detail, slug=detail.link.slug,
                  chart_days=request.app[STATE].settings.chart_days)


async def chart_bytes(request: web.Request, person_id: int, name: str, fmt: str) -> bytes:
    """The chart for one person today, rendered once per day and data (cached in memory)."""
    state = request.app[STATE]
    series = await state.archive.mention_series(person_id, days=state.settings.chart_days)
    key = (person_id, fmt, name, tuple(series.days[-1:]), tuple(series.articles), tuple(series.quotes))
    cached = state.chart_cache.get(key)
    if cached is None:
        data = ChartData(title=name, days=series.days, articles=series.articles, quotes=series.quotes)
        # Rendering is CPU work (~40 ms): keep the event loop free for other requests.
        cached = await asyncio.get_running_loop().run_in_executor(None, render_mentions_chart, data, fmt)
        if len(state.chart_cache) >= _CACHE_LIMIT:
            state.chart_cache.clear()
        state.chart_cache[key] = cached
    return cached


async def chart(request: web.Request) -> web.Response:
    fmt = request.match_info["fmt"]
    if fmt not in CHART_FORMATS:
        raise web.HTTPNotFound()
    pid = person_id_from_slug(request.match_info["slug"])
    link = await request.app[STATE].archive.person_link(pid) if pid is not None else None
    if link is None:
        raise web.HTTPNotFound()
    body = await chart_bytes(request, link.id, link.name, fmt)
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return web.Response(status=304)
    return web.Response(body=body, content_type=CHART_FORMATS[fmt],
                        headers={"ETag": f'"{etag}"', "Cache-Control": "public, max-age=3600"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/people", people_search)
    app.router.add_get("/people/{slug}", person)
    app.router.add_get("/people/{slug}/mentions.{fmt}", chart)
