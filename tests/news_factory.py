"""Hand-made news pages and feeds for ingest tests: every article distinct, deterministic."""

from __future__ import annotations

import random
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from html import escape

__all__ = ["article_text", "article_html", "rss_feed", "atom_feed"]

_SUBJECTS = ["The city council", "Engineers", "The ministry", "Local farmers", "The central bank", "Researchers",
             "The harbour authority", "Teachers", "The railway operator", "A group of volunteers", "The mayor",
             "Firefighters", "The football club", "Doctors at the clinic", "The energy regulator"]
_VERBS = ["approved", "rejected", "announced", "delayed", "expanded", "reviewed", "criticised", "funded",
          "inspected", "postponed", "celebrated", "questioned", "published", "redesigned", "tested"]
_OBJECTS = ["a new bridge across the river", "the winter budget", "plans for a solar farm", "a school timetable",
            "the tram extension", "a flood barrier", "rules on short-term rentals", "a vaccination drive",
            "the harbour dredging contract", "an early-warning system for storms", "a cycling lane network",
            "the museum renovation", "water prices for next year", "a grain export deal", "night bus services"]
_DETAILS = ["after months of debate", "despite protests outside", "with support from residents",
            "following an audit", "ahead of the elections", "to the surprise of analysts", "at a late-night session",
            "citing rising costs", "after a public consultation", "in a unanimous vote"]


def article_text(seed: int, paragraphs: int = 6) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            sentences.append(
                f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_DETAILS)}, "
                f"according to report number {rng.randint(1000, 99999)} filed in {rng.choice(['March', 'May', 'June', 'October'])}."
            )
        out.append(" ".join(sentences))
    return out


def article_html(seed: int, *, title: str | None = None, charset: str | None = "utf-8", paragraphs=None) -> str:
    title = title or f"Story {seed}: {article_text(seed, 1)[0].split(',')[0]}"
    paras = paragraphs if paragraphs is not None else article_text(seed)
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="en"><head>{meta}<title>{escape(title)}</title>
<meta property="og:title" content="{escape(title)}">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2026-11-20T08:00:00+00:00">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article><h1>{escape(title)}</h1><p class="byline">By Jane Reporter</p>
{body}
</article>
<aside><h2>Read next</h2><ul><li><a href="/other-{seed}">Another story entirely</a></li></ul></aside>
<footer>Copyright Example News</footer></body></html>"""


def rss_feed(base_url: str, items: list[tuple[str, str]], *, title="Example feed", encoding="utf-8", declared=None) -> bytes:
    """items: (path, title). ``declared`` puts a (possibly wrong) encoding in the XML declaration."""
    now = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    entries = "\n".join(
        f"<item><title>{escape(t)}</title><link>{base_url}{p}</link><guid>{base_url}{p}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate></item>"
        for i, (p, t) in enumerate(items)
    )
    xml = (f'<?xml version="1.0" encoding="{declared or encoding}"?>\n<rss version="2.0"><channel>'
           f"<title>{escape(title)}</title><link>{base_url}/</link><description>test</description>\n{entries}\n"
           "</channel></rss>")
    return xml.encode(encoding)


def atom_feed(base_url: str, items: list[tuple[str, str]]) -> bytes:
    entries = "\n".join(
        f"<entry><title>{escape(t)}</title><link href=\"{base_url}{p}\"/><id>urn:test:{p}</id>"
        f"<updated>2026-11-20T08:00:00Z</updated></entry>"
        for p, t in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title>'
            f"<id>urn:test</id><updated>2026-11-20T08:00:00Z</updated>{entries}</feed>").encode()
