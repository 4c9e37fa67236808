"""A model of the rules Slack applies to a ``chat.postMessage`` payload with Block Kit.

Used by the renderer tests and by the fake Slack server: ``validate_message(payload)``
returns a list of problems (empty when the message is fine). Slack answers most of these
with ``{"ok": false, "error": "invalid_blocks"}``; the fake server can do the same and log
our sentences. Limits from https://api.slack.com/reference/block-kit/blocks and
.../composition-objects, counted in characters as Slack documents them.

Two checks go beyond what Slack refuses, because they catch renderer bugs Slack would only
show as garbled text: mrkdwn must have no raw ``<`` outside a link/mention form
(``<https://…|text>``, ``<mailto:…>``, ``<@U123>``, ``<#C123|name>``, ``<!here>``,
``<!subteam^S123>``, ``<!date^…>``), and no ``&`` outside ``&amp;`` ``&lt;`` ``&gt;``;
and the top-level ``text`` fallback must be present (Slack only logs a warning).

Public API::

    validate_message(payload: dict) -> list[str]
    mrkdwn_problems(text: str) -> list[str]
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_BLOCKS",
    "SECTION_TEXT_LIMIT",
    "HEADER_TEXT_LIMIT",
    "CONTEXT_ELEMENTS_LIMIT",
    "FALLBACK_TEXT_LIMIT",
    "KNOWN_BLOCK_TYPES",
    "validate_message",
    "mrkdwn_problems",
]

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
SECTION_FIELDS_LIMIT = 10
SECTION_FIELD_TEXT_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
CONTEXT_ELEMENTS_LIMIT = 10
ACTIONS_ELEMENTS_LIMIT = 25
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
URL_LIMIT = 3000
ID_LIMIT = 255
TEXT_OBJECT_LIMIT = 3000
FALLBACK_TEXT_LIMIT = 40_000
KNOWN_BLOCK_TYPES = frozenset({
    "section", "header", "context", "divider", "actions", "image", "rich_text", "input",
    "file", "video", "markdown",
})

_LABEL = r"(?:\|[^<>]*)?"
_ANGLE_FORM = re.compile(
    r"<(?:"
    r"(?:https?://|mailto:)[^\s|<>]+" + _LABEL
    + r"|@[UW][A-Z0-9]+" + _LABEL
    + r"|#C[A-Z0-9]+" + _LABEL
    + r"|!(?:here|channel|everyone)" + _LABEL
    + r"|!subteam\^[A-Z0-9]+" + _LABEL
    + r"|!date\^[^<>|]+" + _LABEL
    + r")>"
)
_BAD_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def mrkdwn_problems(text: str, where: str = "text") -> list[str]:
    """Raw ``<`` outside a link/mention form and ``&`` outside the three escapes."""
    problems = []
    pos = text.find("<")
    while pos >= 0:
        match = _ANGLE_FORM.match(text, pos)
        if match is None:
            problems.append(f"{where}: raw '<' at offset {pos} is not a link or mention (escape it as &lt;)")
            pos = text.find("<", pos + 1)
        else:
            pos = text.find("<", match.end())
    for match in _BAD_AMPERSAND.finditer(text):
        problems.append(f"{where}: raw '&' at offset {match.start()} (escape it as &amp;)")
    return problems


def _text_object(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: must be a text object of type plain_text or mrkdwn"]
    problems = []
    if plain_only and obj["type"] != "plain_text":
        problems.append(f"{where}: must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return problems + [f"{where}: text must be a non-empty string"]
    if len(text) > limit:
        problems.append(f"{where}: {len(text)} characters, more than {limit}")
    if obj["type"] == "mrkdwn":
        problems += mrkdwn_problems(text, where)
    return problems


def _section(block: dict, where: str) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"{where}: a section needs text or fields"]
    problems = []
    if "text" in block:
        problems += _text_object(block["text"], f"{where}.text", SECTION_TEXT_LIMIT)
    fields = block.get("fields", [])
    if len(fields) > SECTION_FIELDS_LIMIT:
        problems.append(f"{where}: {len(fields)} fields, more than {SECTION_FIELDS_LIMIT}")
    for j, field in enumerate(fields):
        problems += _text_object(field, f"{where}.fields[{j}]", SECTION_FIELD_TEXT_LIMIT)
    return problems


def _context(block: dict, where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}: a context needs at least one element"]
    problems = []
    if len(elements) > CONTEXT_ELEMENTS_LIMIT:
        problems.append(f"{where}: {len(elements)} elements, more than {CONTEXT_ELEMENTS_LIMIT}")
    for j, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") == "image":
            continue
        problems += _text_object(element, f"{where}.elements[{j}]", TEXT_OBJECT_LIMIT)
    return problems


def _actions(block: dict, where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}: an actions block needs at least one element"]
    problems = []
    if len(elements) > ACTIONS_ELEMENTS_LIMIT:
        problems.append(f"{where}: {len(elements)} elements, more than {ACTIONS_ELEMENTS_LIMIT}")
    action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
    if len(action_ids) != len(set(action_ids)):
        problems.append(f"{where}: action_id values must be unique")
    for j, element in enumerate(elements):
        spot = f"{where}.elements[{j}]"
        if not isinstance(element, dict) or element.get("type") != "button":
            continue  # other interactive elements are not modelled
        problems += _text_object(element.get("text"), f"{spot}.text", BUTTON_TEXT_LIMIT, plain_only=True)
        if len(str(element.get("value", ""))) > BUTTON_VALUE_LIMIT:
            problems.append(f"{spot}.value: more than {BUTTON_VALUE_LIMIT} characters")
        if len(str(element.get("action_id", ""))) > ID_LIMIT:
            problems.append(f"{spot}.action_id: more than {ID_LIMIT} characters")
        if len(str(element.get("url", ""))) > URL_LIMIT:
            problems.append(f"{spot}.url: more than {URL_LIMIT} characters")
    return problems


def _block(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: a block must be an object"]
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    problems = []
    if len(str(block.get("block_id", ""))) > ID_LIMIT:
        problems.append(f"{where}.block_id: more than {ID_LIMIT} characters")
    if kind == "section":
        problems += _section(block, where)
    elif kind == "header":
        problems += _text_object(block.get("text"), f"{where}.text", HEADER_TEXT_LIMIT, plain_only=True)
    elif kind == "context":
        problems += _context(block, where)
    elif kind == "actions":
        problems += _actions(block, where)
    elif kind == "image":
        problems += _image_block(block, where)
    return problems


IMAGE_URL_LIMIT = 3000
ALT_TEXT_LIMIT = 2000


def _image_block(block: dict, where: str) -> list[str]:
    """An image block: a public http(s) ``image_url`` (Slack fetches it) and an ``alt_text``."""
    problems = []
    url = block.get("image_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > IMAGE_URL_LIMIT:
        problems.append(f"{where}.image_url: an http(s) URL of at most {IMAGE_URL_LIMIT} characters is required")
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt.strip() or len(alt) > ALT_TEXT_LIMIT:
        problems.append(f"{where}.alt_text: required, at most {ALT_TEXT_LIMIT} characters")
    return problems


def validate_message(payload: dict) -> list[str]:
    """Problems with a ``chat.postMessage`` payload (``text``, ``blocks``, ...); [] if valid.

    Keys other than ``text``/``blocks``/``mrkdwn`` (channel, thread_ts, ...) are ignored.
    """
    problems: list[str] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: a plain-text fallback is required for notifications")
    else:
        if len(text) > FALLBACK_TEXT_LIMIT:
            problems.append(f"text: {len(text)} characters, more than {FALLBACK_TEXT_LIMIT}")
        if payload.get("mrkdwn", True):
            problems += mrkdwn_problems(text, "text")
    blocks = payload.get("blocks", [])
    if not isinstance(blocks, list):
        return problems + ["blocks: must be a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks, more than {MAX_BLOCKS}")
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("blocks: block_id values must be unique")
    for i, block in enumerate(blocks):
        problems += _block(block, f"blocks[{i}]")
    return problems
