"""The chart for a ``/who`` card, for the chat adapters: the best-known person by that
name, their mentions over the last 90 days as PNG bytes, and the archive URL of the same
chart (for Slack's image block, which needs a public URL)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web.chart import ChartData, chart_url, render_mentions_chart
from digests.store.archive import ArchiveReader, person_slug

__all__ = ["PersonChart", "chart_for_person"]


@dataclass(frozen=True)
class PersonChart:
    name: str
    slug: str  # /people/<slug>
    png: bytes

    def url(self, base_url: str) -> str | None:
        """The archive's PNG URL, or None when no ``[web] base_url`` is configured."""
        return chart_url(base_url, self.slug, "png") if base_url else None


async def chart_for_person(engine: AsyncEngine, name: str, *, days: int = 90) -> PersonChart | None:
    """``name`` as on a :class:`~digests.answers.PersonCard` (``WhoCard.matches[0].name``);
    None when the store does not know it."""
    archive = ArchiveReader(engine)
    person_id = await archive.person_id_by_name(name)
    if person_id is None:
        return None
    series = await archive.mention_series(person_id, days=days)
    data = ChartData(title=name, days=series.days, articles=series.articles, quotes=series.quotes)
    png = await asyncio.get_running_loop().run_in_executor(None, render_mentions_chart, data, "png")
    return PersonChart(name=name, slug=person_slug(person_id, name), png=png)
