"""The web archive: a small server-rendered, read-only site over the store (digests at
permalinks, stories, articles, people with a mentions chart, search, Atom feeds) and
token-protected admin pages. ``create_app`` builds the aiohttp application."""

from bot.web.app import WebSettings, create_app
from bot.web.chart import ChartData, chart_url, render_mentions_chart

__all__ = ["ChartData", "WebSettings", "chart_url", "create_app", "render_mentions_chart"]
