"""What a user can point newsdigest at: a feed URL, a page URL, a local file or a folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["target_kind", "local_files", "LOCAL_SUFFIXES", "file_url"]

LOCAL_SUFFIXES = (".html", ".htm", ".txt")
_FEED_HINTS = ("rss", "atom", "feed", ".xml", "rdf")


def target_kind(target: str) -> str:
    """"feed", "page", "file" or "folder". A URL is a feed when it looks like one; the
    ingest worker corrects the guess from the response (a page URL that serves a feed
    is read as a feed, and the other way round)."""
    if target.startswith("file://"):
        target = urlsplit(target).path
    if "://" not in target:
        path = Path(target).expanduser()
        return "folder" if path.is_dir() else "file"
    path = urlsplit(target).path.lower()
    query = urlsplit(target).query.lower()
    if any(h in path for h in _FEED_HINTS) or "format=rss" in query or "feed=" in query:
        return "feed"
    return "page"


def file_url(path: str | Path) -> str:
    return Path(path).expanduser().resolve().as_uri()


def local_files(folder: str | Path) -> list[Path]:
    """The .html/.htm/.txt files of a folder (not hidden ones), sorted for a stable order."""
    root = Path(folder).expanduser()
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in LOCAL_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
