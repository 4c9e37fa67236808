"""Jinja2 for the archive: autoescaping on for every template (titles, quotes and names
come from arbitrary web pages), plus the few filters the templates need."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["make_environment", "safe_href", "when"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def safe_href(url: Any) -> str:
    """Only http(s) links from articles become hrefs: a ``javascript:`` or ``data:`` URL
    is escaped fine by autoescape but would still run when clicked."""
    text = str(url or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return "#"
    return text if scheme in ("http", "https") else "#"


def when(value: Any) -> str:
    """A datetime (or the ISO string an archived digest holds) as "2026-12-04 08:00 UTC"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value)


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        # Every template is HTML or XML: escape all of them, including ones added later.
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    env.filters["when"] = when
    return env
