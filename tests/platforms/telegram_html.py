"""A model of Telegram's ``parse_mode=HTML`` parser and message-text rules.

Used by the renderer tests and by the fake Telegram server, which must refuse a message
exactly when the real Bot API would. The parser follows tdlib's ``parse_html``
(td/telegram/MessageEntity.cpp): same supported tags, same entity decoding, same error
wording. The Bot API answers such errors with HTTP 400 and a description like::

    Bad Request: can't parse entities: Unsupported start tag "p" at byte offset 0

:class:`TelegramParseError` carries that description (``.description``) and
``str(exc) == "Can't parse entities: Unsupported start tag ..."``.

``strict=True`` (the default) also refuses two things Telegram lets through silently but
that always mean a renderer forgot to escape or to check a link:

* an ``&`` that does not start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric entity
  with its ``;`` (Telegram would show it literally);
* ``<a>`` without an http(s)/tg href (Telegram would drop the link and keep the text).

Pass ``strict=False`` to get Telegram's exact leniency.

Public API::

    parse_telegram_html(text, *, strict=True) -> (plain_text, [Entity, ...])
    check_message_text(text, parse_mode="HTML", *, strict=True) -> (plain_text, entities)
    utf16_len(s) -> int
    MAX_MESSAGE_LENGTH == 4096
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "MAX_ENTITIES",
    "SUPPORTED_TAGS",
    "Entity",
    "TelegramBadRequest",
    "TelegramParseError",
    "parse_telegram_html",
    "check_message_text",
    "utf16_len",
]

MAX_MESSAGE_LENGTH = 4096
MAX_ENTITIES = 100  # Telegram keeps the first 100 entities and silently drops the rest
SUPPORTED_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span",
    "tg-emoji", "code", "pre", "blockquote",
})
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji", "a": "text_link",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\n\r\x0b\x0c"
_LINK_SCHEMES = ("http", "https", "tg", "ton")


class TelegramBadRequest(Exception):
    """A 400 answer from the Bot API; ``description`` is what the API puts in its JSON."""

    error_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def description(self) -> str:
        return f"Bad Request: {self.detail}"


class TelegramParseError(TelegramBadRequest):
    """The HTML could not be parsed; ``detail`` is tdlib's sentence ("Unsupported start
    tag \\"p\\" at byte offset 0")."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"can't parse entities: {detail}")
        self.detail = detail
        self.args = (f"Can't parse entities: {detail}",)

    def __str__(self) -> str:
        return self.args[0]

    @property
    def description(self) -> str:
        return f"Bad Request: can't parse entities: {self.detail}"


@dataclass(frozen=True)
class Entity:
    """A Bot API MessageEntity: ``offset``/``length`` in UTF-16 code units of the plain text."""

    type: str  # "bold", "italic", "text_link", "blockquote", ...
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (Telegram's unit): astral characters count 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _decode_entity(text: str, pos: int, strict: bool) -> tuple[str, int] | None:
    """The character an entity at ``text[pos] == "&"`` stands for and the index after it,
    or None when it is not an entity (tdlib: the "&" is then kept as text)."""
    end = pos + 1
    if text.startswith("&#", pos):
        end += 1
        hexadecimal = text.startswith("x", end)
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(text) and text[end] in digits:
            end += 1
        if end == start or end - pos >= 10:
            return None
        code = int(text[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF or (strict and 0xD800 <= code <= 0xDFFF):
            return None
        char = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        char = _NAMED_ENTITIES.get(text[pos + 1:end])
        if char is None:
            return None
    if end < len(text) and text[end] == ";":
        return char, end + 1
    return (None if strict else (char, end))


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _valid_link(url: str) -> str | None:
    """The URL Telegram would link to, or None. Scheme-less hosts get "http://"."""
    url = url.strip()
    if not url or any(ch in _SPACES for ch in url):
        return None
    parts = urlsplit(url if "://" in url or url.startswith("tg:") else f"http://{url}")
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https", "ton") and "." not in (parts.hostname or ""):
        return None
    return parts.geturl()


class _Parser:
    def __init__(self, text: str, strict: bool) -> None:
        self.text, self.strict = text, strict
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 start, out index
        self.entities: list[Entity] = []

    def char(self, i: int) -> str:
        return self.text[i] if i < len(self.text) else ""

    def fail(self, detail: str) -> TelegramParseError:
        return TelegramParseError(detail)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[Entity]]:
        i, text = 0, self.text
        while i < len(text):
            ch = text[i]
            if ch == "&":
                decoded = _decode_entity(text, i, self.strict)
                if decoded:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict:
                    raise self.fail(f'Unescaped "&" at byte offset {_byte_offset(text, i)}')
            if ch != "<":
                self.emit(ch)
                i += 1
                continue
            i = self.end_tag(i) if self.char(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        text, i = self.text, begin + 1
        while i < len(text) and text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= len(text):
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1:i].lower()
        where = f"at byte offset {_byte_offset(text, begin)}"
        if tag not in SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" {where}')
        argument = ""
        while self.char(i) != ">":
            while self.char(i) and self.char(i) in _SPACES:
                i += 1
            if self.char(i) == ">":
                break
            name_start = i
            while self.char(i) and self.char(i) not in _SPACES and self.char(i) not in "=>":
                i += 1
            name = text[name_start:i].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}" {where}')
            while self.char(i) and self.char(i) in _SPACES:
                i += 1
            if self.char(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                raise self.fail(f'Expected equal sign in declaration of an attribute of the tag "{tag}" {where}')
            i += 1
            while self.char(i) and self.char(i) in _SPACES:
                i += 1
            if not self.char(i):
                raise self.fail(f'Unclosed start tag "{tag}" {where}')
            value, i = self.attribute_value(i)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-"):]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-"):]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
        if tag == "span" and argument != "spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" {where}')
        if tag == "a" and self.strict and _valid_link(argument) is None:
            raise self.fail(f'Tag "a" must have a valid http(s) or tg href {where}')
        self.stack.append((tag, argument, self.utf16, len(self.out)))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        text = self.text
        quote = text[i]
        if quote not in "'\"":
            start = i
            while self.char(i) and (self.char(i).isascii() and self.char(i).isalnum() or self.char(i) in ".-"):
                i += 1
            if not self.char(i) or (self.char(i) not in _SPACES and self.char(i) != ">"):
                raise self.fail(f"Unexpected end of name token at byte offset {_byte_offset(text, start)}")
            return text[start:i].lower(), i
        end = text.find(quote, i + 1)
        if end < 0:
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        raw, value, j = text[i + 1:end], [], 0
        while j < len(raw):
            decoded = _decode_entity(raw, j, False) if raw[j] == "&" else None
            value.append(decoded[0] if decoded else raw[j])
            j = decoded[1] if decoded else j + 1
        return "".join(value), end + 1

    def end_tag(self, begin: int) -> int:
        text = self.text
        where = f"at byte offset {_byte_offset(text, begin)}"
        if not self.stack:
            raise self.fail(f"Unexpected end tag {where}")
        i = begin + 2
        while self.char(i) and self.char(i) not in _SPACES and self.char(i) != ">":
            i += 1
        name = text[begin + 2:i].lower()
        while self.char(i) and self.char(i) in _SPACES:
            i += 1
        if self.char(i) != ">":
            raise self.fail(f"Unclosed end tag {where}")
        tag, argument, start, out_index = self.stack.pop()
        if name and name != tag:
            raise self.fail(f'Unmatched end tag {where}, expected "</{tag}>", found "</{name}>"')
        length = self.utf16 - start
        if length > 0:
            self.add_entity(tag, argument, start, length, "".join(self.out[out_index:]))
        return i + 1

    def add_entity(self, tag: str, argument: str, start: int, length: int, inner: str) -> None:
        kind = _ENTITY_TYPES[tag]
        if tag == "a":
            url = _valid_link(argument or inner)
            if url:
                self.entities.append(Entity("text_link", start, length, url=url))
        elif tag == "pre" or tag == "code":
            self.entities.append(Entity(kind, start, length, language=argument or None))
        elif tag == "blockquote":
            kind = "expandable_blockquote" if argument else kind
            self.entities.append(Entity(kind, start, length))
        elif tag == "tg-emoji":
            self.entities.append(Entity(kind, start, length, custom_emoji_id=argument or None))
        else:
            self.entities.append(Entity(kind, start, length))


def parse_telegram_html(text: str, *, strict: bool = True) -> tuple[str, list[Entity]]:
    """Parse ``text`` as Telegram does for ``parse_mode="HTML"``.

    Returns the plain text and its entities; raises :class:`TelegramParseError` for an
    unsupported tag, an unclosed or mismatched tag, a stray ``<``, a bad attribute, and
    (``strict``) an unescaped ``&`` or an ``<a>`` without a valid href.
    """
    return _Parser(text, strict).run()


def check_message_text(text: str, parse_mode: str | None = "HTML", *,
                       strict: bool = True) -> tuple[str, list[Entity]]:
    """What ``sendMessage`` checks about ``text``: entities parse, text is not empty after
    Telegram trims it, and is at most 4096 UTF-16 units. Raises :class:`TelegramBadRequest`
    with the Bot API's description ("message is too long", "message text is empty").

    Returns all entities; Telegram would keep only the first :data:`MAX_ENTITIES` (not an
    error, formatting just stops). Not modelled: ENTITIES_TOO_LONG, refused when the markup
    is very heavy (tdlib's maintainer puts it near 9500 characters of entities in total)."""
    if parse_mode and parse_mode.upper() == "HTML":
        plain, entities = parse_telegram_html(text, strict=strict)
    elif parse_mode:
        raise TelegramBadRequest(f"unsupported parse_mode {parse_mode!r} in this model")
    else:
        plain, entities = text, []
    if not plain.strip():
        raise TelegramBadRequest("message text is empty")
    if utf16_len(plain) > MAX_MESSAGE_LENGTH:
        raise TelegramBadRequest("message is too long")
    return plain, entities
