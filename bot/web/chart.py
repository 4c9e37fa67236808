"""The mentions-over-time chart: articles naming a person per day (bars) with the days
they were quoted as marks. Rendered with matplotlib's Agg canvas (PNG and SVG from one
code path, no display, no pyplot global state, so it is safe in a server thread).

Used by the web archive (``/people/<slug>/mentions.png|svg``) and by the chat adapters
(Telegram sends the PNG as a photo; Slack points an image block at :func:`chart_url`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["CHART_FORMATS", "ChartData", "chart_url", "render_mentions_chart"]

CHART_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
_BAR = "#3b6ea5"
_MARK = "#d9822b"


@dataclass(frozen=True)
class ChartData:
    title: str  # e.g. the person's name (plain text: matplotlib draws it, no markup)
    days: list[date]
    articles: list[int]  # articles per day
    quotes: list[int]  # quotes per day (drawn as marks above the bars)


def _figure(data: ChartData, width_px: int, height_px: int):
    # Imported here: matplotlib costs ~0.5 s to import, only chart requests should pay it.
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Affine2D

    # Speed: an Axes (its Tick objects), tight_layout and one patch per bar cost ~300 ms a
    # chart on our 2-core box; artists placed straight on the figure, one collection for
    # the bars and as few text labels as possible (~2.5 ms each) stay well under 50 ms.
    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    n = max(len(data.days), 1)
    top = max(max(data.articles, default=0), 1)
    left, right, bottom, head = 30, 10, 22, 34  # margins in pixels
    slot = (width_px - left - right) / n
    scale_y = (height_px - bottom - head) / (top * 1.15)
    # (day index, count) -> figure fraction; the bar for day i spans [i, i + 1) slots.
    to_fig = Affine2D().scale(slot, scale_y).translate(left, bottom).scale(1 / width_px, 1 / height_px)
    plot = to_fig + fig.transFigure
    grid = [[(0, y), (n, y)] for y in (0, top / 2, top)]
    fig.add_artist(LineCollection(grid, colors=["#888888", "#e0e0e0", "#e0e0e0"], linewidths=0.8, transform=plot))
    bars = [[(i + 0.1, 0), (i + 0.1, a), (i + 0.9, a), (i + 0.9, 0)] for i, a in enumerate(data.articles) if a]
    fig.add_artist(PolyCollection(bars, facecolors=_BAR, edgecolors="none", transform=plot))
    quoted = [(i + 0.5, a + top * 0.07) for i, (a, q) in enumerate(zip(data.articles, data.quotes)) if q]
    if quoted:
        # Marks sit just above each bar so a quote day is visible even with one article.
        fig.add_artist(Line2D([x for x, _ in quoted], [y for _, y in quoted], linestyle="none", marker="v",
                              markersize=4, color=_MARK, transform=plot))
    fig.text(4 / width_px, (bottom + top * scale_y) / height_px, str(top), fontsize=7, color="#555555", va="center")
    labelled = [(0, "left"), (n // 2, "center"), (n - 1, "right")] if len(data.days) > 2 else []
    for i, align in labelled:
        x = (left + (i + (0.5 if align == "center" else 0 if align == "left" else 1)) * slot) / width_px
        fig.text(x, (bottom - 4) / height_px, data.days[i].strftime("%d %b"), fontsize=7, color="#555555",
                 va="top", ha=align)
    fig.text(left / width_px, 1 - 8 / height_px, data.title, fontsize=10, va="top")
    fig.text(1 - right / width_px, 1 - 6 / height_px, "articles per day", fontsize=8, color=_BAR, va="top", ha="right")
    fig.text(1 - right / width_px, 1 - 19 / height_px, "\u25bc quoted", fontsize=8, color=_MARK, va="top", ha="right")
    return fig


def render_mentions_chart(data: ChartData, fmt: Literal["png", "svg"] = "png", *, width_px: int = 640,
                          height_px: int = 220) -> bytes:
    """The chart as PNG or SVG bytes."""
    if fmt not in CHART_FORMATS:
        raise ValueError(f"chart format must be one of {', '.join(CHART_FORMATS)}")
    fig = _figure(data, width_px, height_px)
    out = io.BytesIO()
    # No date/software stamps and a fixed SVG id salt: the same data gives the same bytes
    # (cacheable with an ETag, comparable in tests).
    from matplotlib import rc_context

    with rc_context({"svg.hashsalt": "newsdigest", "svg.fonttype": "none"}):
        fig.savefig(out, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None, "Creator": None})
    return out.getvalue()


def chart_url(base_url: str, person_slug: str, fmt: Literal["png", "svg"] = "png") -> str:
    """The stable public URL of a person's chart on the archive (``[web] base_url``)."""
    return f"{base_url.rstrip('/')}/people/{person_slug}/mentions.{fmt}"
