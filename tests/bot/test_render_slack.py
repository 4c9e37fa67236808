"""render_slack(): Block Kit within Slack's limits, escaped mrkdwn, split between items; and
the Block Kit model itself (tests/platforms/blockkit.py)."""

from __future__ import annotations

import re

import pytest

from digests.answers import Button, WhoCard
from bot.slack.render import render_slack
from tests.digests.answer_samples import NASTY, digest, every_answer, item, person
from tests.platforms.blockkit import validate_message

LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")


def payload(message) -> dict:
    return {"channel": "C123", "text": message.text, "blocks": message.blocks}


def section_texts(messages) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("answer", every_answer(), ids=lambda a: type(a).__name__)
def test_every_answer_renders_to_valid_block_kit(answer):
    messages = render_slack(answer)
    assert messages
    for message in messages:
        assert validate_message(payload(message)) == []


def test_article_text_is_escaped_and_shown_literally():
    [message] = render_slack(digest([item(1, headline=NASTY, quote=NASTY)]))
    text = section_texts([message])[0]
    headline = LINK.search(text).group(2)
    assert unescape(headline) == NASTY
    assert f"> “{NASTY.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}”" in text
    assert unescape(message.text).count(NASTY) == 1  # the fallback lists the headline


def test_links_stay_whole_when_titles_or_urls_hold_pipes_and_brackets():
    [message] = render_slack(digest([item(1, headline="A | B > C", url="https://x.example/a|b>c?d=1&e=2")]))
    url, label = LINK.search(section_texts([message])[0]).groups()
    assert url == "https://x.example/a%7Cb%3Ec?d=1&amp;e=2"
    assert "|" not in label and unescape(label) == "A ∣ B > C"


def test_item_has_source_time_quote_and_context_links():
    [message] = render_slack(digest([item(1)]))
    text = section_texts([message])[0]
    assert "_Example News · 5 Mar 2024 09:30 UTC_" in text
    assert "> — Jane Roe, Minister of Finance" in text
    context = [e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]]
    assert "Also: <https://other.example/1|Other Site>" in context
    assert "Related: <https://news.example/1/background|Background>" in context


def test_header_is_plain_text_and_cut_to_150():
    [message] = render_slack(digest([item(1)], title="T" * 400))
    header = message.blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("…")


def test_long_digest_splits_between_items_and_keeps_every_item_once():
    items = [item(n) for n in range(120)]
    messages = render_slack(digest(items, buttons=[Button("Next page", "/digest --page 2")]))
    assert len(messages) > 2
    urls = [LINK.search(t).group(1) for t in section_texts(messages) if t.startswith("*<")]
    assert urls == [f"https://news.example/{n}" for n in range(120)]
    assert all(len(m.blocks) <= 50 for m in messages)
    assert messages[0].text.startswith(f"Morning digest (part 1 of {len(messages)})")
    actions = [b for m in messages for b in m.blocks if b["type"] == "actions"]
    assert len(actions) == 1 and actions[0] in messages[-1].blocks
    assert actions[0]["elements"][0]["value"] == "/digest --page 2"


def test_a_ten_thousand_character_quote_is_cut():
    [message] = render_slack(digest([item(1, quote="&" * 10_000)]))
    assert validate_message(payload(message)) == []
    assert "…”" in section_texts([message])[0]


def test_who_card_without_match_says_so():
    [message] = render_slack(WhoCard(query="Nobody"))
    assert "no one called “Nobody”" in section_texts([message])[0]
    texts = " ".join(section_texts(render_slack(WhoCard("Jane", [person()]))))
    assert "Minister of Finance" in texts and "Quote 1 &amp; &lt;more&gt;" in texts


# --- the model of Slack's rules ------------------------------------------------------------


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_validator_accepts_links_mentions_and_escapes():
    text = "<https://a.b/c?d=1&amp;e|A &amp; B> <@U123> <#C42|general> <!here> <mailto:a@b.c> 1 &lt; 2"
    assert validate_message({"text": "ok", "blocks": [section(text), {"type": "divider"}]}) == []


@pytest.mark.parametrize("message, problem", [
    ({"blocks": [section("x")]}, "fallback is required"),
    ({"text": "x", "blocks": [section("x")] * 51}, "51 blocks, more than 50"),
    ({"text": "x", "blocks": [section("y" * 3001)]}, "3001 characters, more than 3000"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]},
     "151 characters, more than 150"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}, "must be plain_text"),
    ({"text": "x", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]},
     "11 elements, more than 10"),
    ({"text": "x", "blocks": [{"type": "banner"}]}, "unknown block type 'banner'"),
    ({"text": "x", "blocks": [section("1 < 2")]}, "raw '<' at offset 2"),
    ({"text": "x", "blocks": [section("<javascript:x|y>")]}, "raw '<' at offset 0"),
    ({"text": "Tom & Jerry", "blocks": []}, "raw '&' at offset 4"),
    ({"text": "x", "blocks": [section("&nbsp;")]}, "raw '&' at offset 0"),
    ({"text": "x" * 40_001}, "more than 40000"),
])
def test_validator_reports_each_broken_rule(message, problem):
    problems = validate_message(message)
    assert any(problem in p for p in problems), problems
