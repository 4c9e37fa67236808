"""Public pages: archived digests (newest first, paged), one digest at its permalink,
stories, articles and full-text search. All reads go through the read-only engine."""

from __future__ import annotations

from aiohttp import web

from bot.web.app import STATE, render

__all__ = ["add_routes", "page_number"]

MAX_QUERY = 200  # characters of a search query: longer ones are cut, not rejected


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/digests")


async def digests(request: web.Request) -> web.Response:
    state = request.app[STATE]
    page, size = page_number(request), state.settings.page_size
    rows, total = await state.archive.digests_page(page, size)
    pages = max(1, -(-total // size))
    return render(request, "digests.html", digests=rows, page=page, pages=pages, total=total)


async def digest(request: web.Request) -> web.Response:
    found = await request.app[STATE].archive.digest(request.match_info["slug"])
    if found is None:
        raise web.HTTPNotFound()
    return render(request, "digest.html", digest=found)


async def story(request: web.Request) -> web.Response:
    archive = request.app[STATE].archive
    rows = await archive.story(request.match_info["story_id"])
    if not rows:
        raise web.HTTPNotFound()
    details = [d for d in [await archive.article(r.id) for r in rows] if d is not None]
    people: dict[int, object] = {}
    for detail in details:
        for person in detail.people:
            people.setdefault(person.id, person)
    return render(request, "story.html", story_id=request.match_info["story_id"], details=details,
                  lead=details[0].article if details else rows[0], people=list(people.values()))


async def article(request: web.Request) -> web.Response:
    raw = request.match_info["article_id"]
    detail = await request.app[STATE].archive.article(int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if detail is None:
        raise web.HTTPNotFound()
    speakers = {p.id: p for p in detail.people}
    return render(request, "article.html", detail=detail, speakers=speakers)


async def search(request: web.Request) -> web.Response:
    query = " ".join(request.query.get("q", "").split())[:MAX_QUERY]
    # The same engine as the chat /search command (ArticleRepository.search).
    rows = await request.app[STATE].articles.search(query, limit=50) if query else []
    return render(request, "search.html", query=query, results=rows)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/digests", digests)
    app.router.add_get("/digests/{slug}", digest)
    app.router.add_get("/stories/{story_id}", story)
    app.router.add_get("/articles/{article_id}", article)
    app.router.add_get("/search", search)
