"""Answers as Slack Block Kit messages.

Slack's limits (https://api.slack.com/reference/block-kit/blocks): 50 blocks a message,
section text 3000 characters, header 150 (plain_text only), 10 context elements, a top-level
``text`` fallback (used in notifications) of at most 40,000. mrkdwn needs ``&``, ``<`` and
``>`` escaped; links are ``<url|text>``. We measure in UTF-16 units, the stricter count, so
emoji never push a block over. Long answers are split between whole units (a digest item
with its links, a list entry); a unit too long alone is rendered again with tighter caps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from digests.answers import (
    Answer, ArticleList, ArticleRef, Button, Digest, DigestItem, HelpText, Notice, PersonCard,
    QuoteRef, SourceList, SubscriptionList, WhoCard,
)
from digests.formatting import (
    LEVEL_ICONS, Caps, fit, format_time, format_window, item_meta, one_line, quote_attribution,
    source_lines, subscription_lines, truncate, truncate_escaped, utf16_len, web_url,
)

__all__ = [
    "BUTTON_ACTION_PREFIX", "MAX_BLOCKS", "SECTION_LIMIT", "SlackMessage", "escape_mrkdwn", "render_slack",
    "slack_payload", "slack_payloads",
]

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LABEL_LIMIT = 75
FALLBACK_LIMIT = 3000  # Slack allows 40,000; a notification shows far less
MESSAGE_TEXT_BUDGET = 12_000  # our choice: keeps one message readable, well under Slack's caps
BUTTON_ACTION_PREFIX = "newsdigest_button_"  # action_id = prefix + index; value = the command


@dataclass
class SlackMessage:
    text: str  # mrkdwn fallback for notifications and clients without blocks
    blocks: list[dict]


def escape_mrkdwn(text: str) -> str:
    """Text safe in mrkdwn: Slack asks for exactly these three to be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str | None, limit: int) -> str:
    return escape_mrkdwn(truncate_escaped(one_line(text), limit, escape_mrkdwn))


def _link(text: str, url: str | None, limit: int) -> str:
    # Slack ends the URL at the first "|" and the link at the first ">": keep both out.
    label = _cut(text, limit).replace("|", "∣") or _cut(url, limit).replace("|", "∣") or "link"
    href = web_url(url)
    if not href:
        return label
    href = escape_mrkdwn(href.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E"))
    return f"<{href}|{label}>"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _header(text: str) -> dict:
    return {"type": "header",
            "text": {"type": "plain_text", "text": truncate(one_line(text) or "…", HEADER_LIMIT, units="utf16"),
                     "emoji": True}}


def _context(*texts: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts if t][:10]}


def _links(label: str, links: list, caps: Caps, sep: str) -> str:
    shown = links[: caps.links]
    if not shown:
        return f"{label}: {len(links)} more link{'s' if len(links) != 1 else ''}"
    more = f" and {len(links) - len(shown)} more" if len(links) > len(shown) else ""
    return f"{label}: " + sep.join(_link(link.title, link.url, caps.link) for link in shown) + more


def _quote_lines(quote: QuoteRef, caps: Caps, with_source: bool) -> list[str]:
    lines = [f"> “{_cut(quote.text, caps.quote)}”"]
    who = _cut(quote_attribution(quote.speaker, quote.speaker_role), caps.name * 2)
    if who:
        lines.append(f"> — {who}")
    if with_source and (quote.url or quote.article_title):
        when = format_time(quote.published)
        lines.append(_link(quote.article_title or "source", quote.url, caps.link) + (f" · {when}" if when else ""))
    return lines


def _item(item: DigestItem, caps: Caps) -> list[dict]:
    lines = [f"*{_link(item.headline, item.url, caps.headline)}*"]
    meta = item_meta(item.source, item.published)
    if meta:
        lines.append(f"_{_cut(meta, caps.name * 2)}_")
    summary = " ".join(truncate(one_line(s), caps.sentence, units="utf16") for s in item.summary)
    if summary.strip():
        lines.append(_cut(summary, caps.sentence * 3))
    if item.key_quote and item.key_quote.text.strip():
        lines += _quote_lines(item.key_quote, caps, with_source=False)
    blocks = [_section("\n".join(lines))]
    extras = [_links("Also", item.also, caps, ", ") if item.also else "",
              _links("Related", item.related, caps, " · ") if item.related else ""]
    if any(extras):
        blocks.append(_context(*extras))
    return blocks


def _article(ref: ArticleRef, caps: Caps) -> list[dict]:
    lines = [f"*{_link(ref.title, ref.url, caps.headline)}*"]
    meta = item_meta(ref.source, ref.published)
    if meta:
        lines.append(f"_{_cut(meta, caps.name * 2)}_")
    if ref.summary:
        lines.append(_cut(" ".join(one_line(s) for s in ref.summary[:2]), caps.sentence * 2))
    return [_section("\n".join(lines))]


def _longest_text(blocks: list[dict]) -> int:
    texts = [b["text"]["text"] for b in blocks if "text" in b]
    texts += [e["text"] for b in blocks for e in b.get("elements", []) if "text" in e]
    return max((utf16_len(t) for t in texts), default=0)


def _fitted(render: Callable[[Caps], list[dict]]) -> list[dict]:
    def fallback(blocks: list[dict]) -> list[dict]:
        return [_section(_cut(blocks[0]["text"]["text"], SECTION_LIMIT))]
    return fit(render, _longest_text, SECTION_LIMIT, fallback)


def _text_units(texts: list[str]) -> list[list[dict]]:
    return [_fitted(lambda caps, t=t: [_section(_cut_lines(t, caps.text))]) for t in texts]


def _cut_lines(text: str, limit: int) -> str:
    return "\n".join(_cut(line, limit) for line in text.split("\n"))


def _entry_units(entries: list[tuple[str, str]]) -> list[list[dict]]:
    return [_fitted(lambda caps, h=h, r=r: [_section(f"*{_cut(h, caps.headline)}*"
                                                     + (f"\n{_cut_lines(r, caps.sentence)}" if r else ""))])
            for h, r in entries]


def _with_heading(heading: list[dict], units: list[list[dict]]) -> list[list[dict]]:
    return [heading + units[0], *units[1:]] if units else [heading]


def _digest_units(digest: Digest) -> list[list[dict]]:
    head = [_header(digest.title), _context(escape_mrkdwn(format_window(digest.since, digest.until)))]
    if digest.is_empty:
        return [head + [_section(_cut(digest.empty_message or "No new stories.", SECTION_LIMIT))]]
    units = [head]
    for section in digest.sections:
        items = [_fitted(lambda caps, it=item: _item(it, caps)) + [{"type": "divider"}] for item in section.items]
        units += _with_heading([_header(section.title)], items) if section.title else items
    if digest.permalink:
        units.append([_context(_link("This digest on the web", digest.permalink, 100))])
    return units


def _person_units(card: PersonCard) -> list[list[dict]]:
    lines = [f"*{_cut(card.role, 300)}*"] if card.role else []
    others = [r for r in card.roles if one_line(r) and one_line(r) != one_line(card.role)][:5]
    if others:
        lines.append("_Also: " + _cut("; ".join(one_line(r) for r in others), 800) + "_")
    lines.append(f"Named in {card.mentions} article{'s' if card.mentions != 1 else ''}.")
    units = [[_header(card.name), _section("\n".join(lines))]]
    quotes = [_fitted(lambda caps, q=q: [_section("\n".join(_quote_lines(q, caps, with_source=True)))])
              for q in card.quotes]
    units += _with_heading([_section("*Quotes*")], quotes) if quotes else []
    articles = [_fitted(lambda caps, a=a: _article(a, caps)) for a in card.articles]
    units += _with_heading([_section("*Articles*")], articles) if articles else []
    return units


def _who_units(card: WhoCard) -> list[list[dict]]:
    query = _cut(card.query, 200)
    if not card.matches:
        return [[_section(f"I found no one called “{query}” in the stored articles.")]]
    if not card.ambiguous:
        return _person_units(card.matches[0])
    entries = [[_section(f"• *{_cut(p.name, 200)}*" + (f" — {_cut(p.role, 300)}" if p.role else "")
                         + f" ({p.mentions} article{'s' if p.mentions != 1 else ''})")] for p in card.matches]
    return _with_heading([_section(f"“{query}” could be {len(card.matches)} people:")], entries) + [
        [_context("Ask again with the full name to see one of them.")]]


def _units(answer: Answer) -> tuple[list[list[dict]], list[Button], str]:
    """Units of blocks, buttons for the last message, and a plain title for the fallback."""
    if isinstance(answer, Digest):
        return _digest_units(answer), list(answer.buttons), answer.title
    if isinstance(answer, WhoCard):
        return _who_units(answer), [], f"Who is {one_line(answer.query)}?"
    if isinstance(answer, ArticleList):
        body = [_fitted(lambda caps, a=a: _article(a, caps)) for a in answer.articles]
        body = body or [[_section(_cut(answer.empty_message, SECTION_LIMIT))]]
        return _with_heading([_header(answer.title)], body), list(answer.buttons), answer.title
    if isinstance(answer, Notice):
        icon = LEVEL_ICONS.get(answer.level, "")
        return _text_units([f"{icon} {answer.text}".strip()]), [], f"{icon} {answer.text}"
    if isinstance(answer, HelpText):
        intro = _text_units([answer.intro]) if answer.intro.strip() else []
        lines = [_fitted(lambda caps, u=u, d=d: [_section(f"`{_cut(u, caps.name)}` — {_cut(d, caps.sentence)}")])
                 for u, d in answer.commands]
        return intro + lines, [], answer.intro or "Commands"
    if isinstance(answer, SubscriptionList):
        body = _entry_units(subscription_lines(answer.subscriptions)) or [[_section("No subscriptions yet.")]]
        return _with_heading([_header(answer.title)], body), [], answer.title
    if isinstance(answer, SourceList):
        body = _entry_units(source_lines(answer.sources)) or [[_section("No sources yet.")]]
        return _with_heading([_header(answer.title)], body), [], answer.title
    raise TypeError(f"render_slack can't render {type(answer).__name__}")


def _unit_size(unit: list[dict]) -> int:
    return sum(_longest_text([block]) for block in unit)


def _pack(units: list[list[dict]], max_blocks: int) -> list[list[dict]]:
    messages: list[list[dict]] = [[]]
    size = 0
    for unit in units:
        if messages[-1] and (len(messages[-1]) + len(unit) > max_blocks
                             or size + _unit_size(unit) > MESSAGE_TEXT_BUDGET):
            messages.append([])
            size = 0
        messages[-1].extend(unit)
        size += _unit_size(unit)
    for blocks in messages:  # a divider at the very end of a message is just noise
        if len(blocks) > 1 and blocks[-1]["type"] == "divider":
            blocks.pop()
    return messages


def _actions(buttons: list[Button]) -> dict:
    return {"type": "actions", "elements": [
        {"type": "button", "action_id": f"{BUTTON_ACTION_PREFIX}{i}", "value": b.command[:2000],
         "text": {"type": "plain_text", "text": truncate(one_line(b.label) or "…", BUTTON_LABEL_LIMIT,
                                                          units="utf16"), "emoji": True}}
        for i, b in enumerate(buttons[:25])]}


def _fallback(title: str, blocks: list[dict], part: int, parts: int) -> str:
    """Title plus the message's headlines (no URLs): what a notification shows."""
    label = truncate(one_line(title), 200) + (f" (part {part} of {parts})" if parts > 1 else "")
    lines = [escape_mrkdwn(label) or "…"]
    used = utf16_len(lines[0])
    for block in blocks:
        first = block["text"]["text"].split("\n", 1)[0] if block["type"] == "section" else ""
        if first.startswith("*<") and first.endswith(">*") and "|" in first:
            headline = "• " + first[2:-2].split("|", 1)[1]  # "*<url|Title>*": labels hold no "|"
            used += utf16_len(headline) + 1
            if used > FALLBACK_LIMIT:
                break
            lines.append(headline)
    return "\n".join(lines)


def render_slack(answer: Answer) -> list[SlackMessage]:
    """``answer`` as one or more Block Kit messages within Slack's limits; the answer's
    buttons become an actions block on the last message."""
    units, buttons, title = _units(answer)
    units = units or [[_section("Nothing to show.")]]
    packed = _pack(units, MAX_BLOCKS - (1 if buttons else 0))
    if buttons:
        packed[-1].append(_actions(buttons))
    return [SlackMessage(text=_fallback(title, blocks, i, len(packed)), blocks=blocks)
            for i, blocks in enumerate(packed, 1)]


def slack_payload(message: SlackMessage) -> dict[str, Any]:
    """The JSON-ready outbox payload of one rendered message (what ``SlackSender.send``
    posts); the one place this dict is built."""
    return {"text": message.text, "blocks": message.blocks}


def slack_payloads(answer: Answer) -> list[dict[str, Any]]:
    """``answer`` as outbox payloads, one per message."""
    return [slack_payload(message) for message in render_slack(answer)]
