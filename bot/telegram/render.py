"""Answers as Telegram messages (``parse_mode=HTML``).

Every piece of article text is escaped; links are only made for http(s) URLs. Telegram
limits a message to 4096 characters counted after entity parsing, in UTF-16 code units
(:func:`telegram_length`). Long answers are split between whole units (a digest item, a
list entry), never inside a tag or entity; a unit that alone is too long is rendered again
with tighter caps on its free text (quote, summary, titles), cut before escaping with "…".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from digests.answers import (
    Answer, ArticleList, ArticleRef, Button, Digest, DigestItem, HelpText, Notice, PersonCard,
    QuoteRef, SourceList, SubscriptionList, WhoCard,
)
from digests.formatting import (
    LEVEL_ICONS, Caps, fit, format_time, format_window, item_meta, one_line, quote_attribution,
    source_lines, subscription_lines, truncate, utf16_len, web_url,
)

__all__ = [
    "TELEGRAM_LIMIT", "TelegramMessage", "escape_html", "render_telegram", "telegram_length", "telegram_payload",
    "telegram_payloads",
]

TELEGRAM_LIMIT = 4096
# Telegram silently ignores formatting after a message's 100th entity, and refuses messages
# whose entities are too long in total ("ENTITIES_TOO_LONG", about 9500 characters of
# markup per tdlib's maintainer): we keep each message under both.
MAX_ENTITIES = 100
MAX_HTML_CHARS = 9000
_PART_RESERVE = 40  # room for the "Part 2 of 3" line added after splitting
_HEADING_RESERVE = 200  # a heading is glued to the unit after it
UNIT_BUDGET = TELEGRAM_LIMIT - _PART_RESERVE - _HEADING_RESERVE
_BUTTONS_PER_ROW = 3


@dataclass
class TelegramMessage:
    text: str  # HTML for parse_mode="HTML"
    buttons: list[list[Button]] = field(default_factory=list)  # inline keyboard rows
    disable_web_page_preview: bool = True


def escape_html(text: str) -> str:
    """Text safe between tags: only ``&``, ``<`` and ``>`` need escaping there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text: str) -> str:
    return escape_html(text).replace('"', "&quot;")


_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(match: re.Match) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    return chr(code) if 0 < code <= 0x10FFFF else ""


def _visible_text(html: str) -> str:
    """What the reader sees: tags removed, entities decoded (for our own well-formed HTML)."""
    return _ENTITY.sub(_decode_entity, _TAG.sub("", html))


def telegram_length(html: str) -> int:
    """Length of ``html`` as Telegram counts it against the 4096 limit: UTF-16 code units of
    the text after entity parsing (tags removed, ``&amp;`` counted as one character)."""
    return utf16_len(_visible_text(html))


def _cut(text: str | None, limit: int) -> str:
    return escape_html(truncate(one_line(text), limit, units="utf16"))


def _link(text: str, url: str | None, limit: int) -> str:
    label = _cut(text, limit) or _cut(url, limit) or "link"
    href = web_url(url)
    return f'<a href="{_escape_attr(href)}">{label}</a>' if href else label


def _links(label: str, links: list, caps: Caps, sep: str) -> str:
    shown = links[: caps.links]
    if not shown:
        return f"{label}: {len(links)} more link{'s' if len(links) != 1 else ''}"
    parts = [_link(link.title, link.url, caps.link) for link in shown]
    more = f" and {len(links) - len(shown)} more" if len(links) > len(shown) else ""
    return f"{label}: " + sep.join(parts) + more


def _quote_block(quote: QuoteRef, caps: Caps, with_source: bool) -> str:
    text = f"“{_cut(quote.text, caps.quote)}”"
    who = _cut(quote_attribution(quote.speaker, quote.speaker_role), caps.name * 2)
    lines = [f"<blockquote>{text}" + (f"\n— {who}" if who else "") + "</blockquote>"]
    if with_source and (quote.url or quote.article_title):
        when = format_time(quote.published)
        lines.append(_link(quote.article_title or "source", quote.url, caps.link)
                     + (f" · {escape_html(when)}" if when else ""))
    return "\n".join(lines)


def _item(item: DigestItem, caps: Caps) -> str:
    lines = [f"<b>{_link(item.headline, item.url, caps.headline)}</b>"]
    meta = item_meta(item.source, item.published)
    if meta:
        lines.append(f"<i>{_cut(meta, caps.name * 2)}</i>")
    summary = " ".join(truncate(one_line(s), caps.sentence, units="utf16") for s in item.summary)
    if summary.strip():
        lines.append(escape_html(summary))
    if item.key_quote and item.key_quote.text.strip():
        lines.append(_quote_block(item.key_quote, caps, with_source=False))
    if item.also:
        lines.append(_links("Also", item.also, caps, ", "))
    if item.related:
        lines.append(_links("Related", item.related, caps, " · "))
    return "\n".join(lines)


def _article(ref: ArticleRef, caps: Caps) -> str:
    lines = [f"• <b>{_link(ref.title, ref.url, caps.headline)}</b>"]
    meta = item_meta(ref.source, ref.published)
    if meta:
        lines.append(f"<i>{_cut(meta, caps.name * 2)}</i>")
    summary = " ".join(truncate(one_line(s), caps.sentence, units="utf16") for s in ref.summary[:2])
    if summary.strip():
        lines.append(escape_html(summary))
    return "\n".join(lines)


def _heading(text: str) -> str:
    return f"<b>{_cut(text, 150)}</b>"


def _entity_count(html: str) -> int:
    return html.count("<") - html.count("</")  # each element we write: one "<x" and one "</x"


def _unit_size(html: str) -> int:
    """Visible length, or more than any budget when the markup itself is too heavy."""
    heavy = len(html) > MAX_HTML_CHARS - 1000 or _entity_count(html) > MAX_ENTITIES // 2
    return TELEGRAM_LIMIT + 1 if heavy else telegram_length(html)


def _fitted(render: Callable[[Caps], str]) -> str:
    return fit(render, _unit_size, UNIT_BUDGET,
               fallback=lambda html: escape_html(truncate(_visible_text(html), UNIT_BUDGET, units="utf16")))


def _with_heading(heading: str, units: list[str]) -> list[str]:
    return [f"{heading}\n{units[0]}", *units[1:]] if units else [heading]


def _digest_units(digest: Digest) -> list[str]:
    header = f"{_heading(digest.title)}\n<i>{escape_html(format_window(digest.since, digest.until))}</i>"
    if digest.is_empty:
        return [header + "\n\n" + _cut(digest.empty_message or "No new stories.", 1000)]
    units = [header]
    for section in digest.sections:
        items = [_fitted(lambda caps, it=item: _item(it, caps)) for item in section.items]
        units += _with_heading(f"<u>{_heading(section.title)}</u>", items) if section.title else items
    if digest.permalink:
        units.append("🔗 " + _link("This digest on the web", digest.permalink, 100))
    return units


def _person_units(card: PersonCard) -> list[str]:
    lines = [_heading(card.name)]
    if card.role:
        lines.append(_cut(card.role, 300))
    others = [r for r in card.roles if one_line(r) and one_line(r) != one_line(card.role)][:5]
    if others:
        lines.append("<i>Also: " + escape_html("; ".join(truncate(one_line(r), 150) for r in others)) + "</i>")
    lines.append(f"Named in {card.mentions} article{'s' if card.mentions != 1 else ''}.")
    units = ["\n".join(lines)]
    quotes = [_fitted(lambda caps, q=q: _quote_block(q, caps, with_source=True)) for q in card.quotes]
    units += _with_heading("<b>Quotes</b>", quotes) if quotes else []
    articles = [_fitted(lambda caps, a=a: _article(a, caps)) for a in card.articles]
    units += _with_heading("<b>Articles</b>", articles) if articles else []
    return units


def _who_units(card: WhoCard) -> list[str]:
    query = _cut(card.query, 200)
    if not card.matches:
        return [f"I found no one called “{query}” in the stored articles."]
    if not card.ambiguous:
        return _person_units(card.matches[0])
    lines = [f"• <b>{_cut(p.name, 200)}</b>" + (f" — {_cut(p.role, 300)}" if p.role else "")
             + f" ({p.mentions} article{'s' if p.mentions != 1 else ''})" for p in card.matches]
    return _with_heading(f"“{query}” could be {len(card.matches)} people:", lines) + [
        "Ask again with the full name to see one of them."]


def _plain_units(lines: list[tuple[str, str]]) -> list[str]:
    """(bold first line, rest) pairs from the list helpers, escaped and fitted."""
    return [_fitted(lambda caps, h=h, r=r: f"<b>{_cut(h, caps.headline)}</b>"
                    + (f"\n{_cut_lines(r, caps.sentence)}" if r else "")) for h, r in lines]


def _cut_lines(text: str, limit: int) -> str:
    return "\n".join(escape_html(truncate(line, limit, units="utf16")) for line in text.split("\n"))


def _units(answer: Answer) -> tuple[list[str], list[Button]]:
    if isinstance(answer, Digest):
        return _digest_units(answer), list(answer.buttons)
    if isinstance(answer, WhoCard):
        return _who_units(answer), []
    if isinstance(answer, ArticleList):
        articles = [_fitted(lambda caps, a=a: _article(a, caps)) for a in answer.articles]
        body = articles or [_cut(answer.empty_message, 1000)]
        return _with_heading(_heading(answer.title), body), list(answer.buttons)
    if isinstance(answer, Notice):
        icon = LEVEL_ICONS.get(answer.level, "")
        return [_fitted(lambda caps: f"{icon} {_cut_lines(answer.text, caps.text)}".strip())], []
    if isinstance(answer, HelpText):
        lines = [_fitted(lambda caps, u=u, d=d: f"<code>{_cut(u, caps.name)}</code> — {_cut(d, caps.sentence)}")
                 for u, d in answer.commands]
        intro = [_fitted(lambda caps: _cut_lines(answer.intro, caps.text))] if answer.intro.strip() else []
        return intro + lines, []
    if isinstance(answer, SubscriptionList):
        body = _plain_units(subscription_lines(answer.subscriptions)) or ["No subscriptions yet."]
        return _with_heading(_heading(answer.title), body), []
    if isinstance(answer, SourceList):
        body = _plain_units(source_lines(answer.sources)) or ["No sources yet."]
        return _with_heading(_heading(answer.title), body), []
    raise TypeError(f"render_telegram can't render {type(answer).__name__}")


def _pack(units: list[str], budget: int) -> list[str]:
    """Whole units joined by a blank line into as few messages as fit ``budget``."""
    messages: list[list[str]] = [[]]
    used = entities = chars = 0
    for unit in units:
        size, unit_entities = telegram_length(unit), _entity_count(unit)
        if messages[-1] and (used + 2 + size > budget or entities + unit_entities > MAX_ENTITIES - 1
                             or chars + len(unit) > MAX_HTML_CHARS - 100):
            messages.append([])
            used = entities = chars = 0
        used += size + (2 if messages[-1] else 0)
        entities += unit_entities
        chars += len(unit) + 2
        messages[-1].append(unit)
    return ["\n\n".join(m) for m in messages if m]


def render_telegram(answer: Answer) -> list[TelegramMessage]:
    """``answer`` as one or more Telegram HTML messages, each within 4096 UTF-16 units;
    the answer's buttons go on the last message."""
    units, buttons = _units(answer)
    units = units or ["Nothing to show."]
    texts = _pack(units, TELEGRAM_LIMIT - _PART_RESERVE)
    if len(texts) > 1:
        texts = [f"{text}\n\n<i>Part {i} of {len(texts)}</i>" for i, text in enumerate(texts, 1)]
    messages = [TelegramMessage(text=text) for text in texts]
    rows = [buttons[i:i + _BUTTONS_PER_ROW] for i in range(0, len(buttons), _BUTTONS_PER_ROW)]
    messages[-1].buttons = rows
    return messages


def telegram_payload(message: TelegramMessage, *, reply_to: int | None = None) -> dict[str, Any]:
    """The JSON-ready outbox payload of one rendered message (what ``TelegramSender.send``
    posts); the one place this dict is built."""
    payload: dict[str, Any] = {
        "text": message.text,
        "buttons": [[{"label": b.label, "command": b.command} for b in row] for row in message.buttons],
        "disable_web_page_preview": message.disable_web_page_preview,
    }
    if reply_to is not None:
        payload["reply_to"] = reply_to
    return payload


def telegram_payloads(answer: Answer) -> list[dict[str, Any]]:
    """``answer`` as outbox payloads, one per message."""
    return [telegram_payload(message) for message in render_telegram(answer)]
