"""Turning a response body into text without mojibake.

Order of evidence, strongest first:

1. a byte-order mark (it is part of the bytes, so it cannot be stale; browsers let it win
   over the header for the same reason);
2. the charset in the HTTP ``Content-Type`` header;
3. the document's own declaration: ``<meta charset>``, ``<meta http-equiv="Content-Type">``
   or the XML declaration's ``encoding=``;
4. bytes that are valid UTF-8 (and contain multi-byte sequences) are UTF-8;
5. statistical detection (charset_normalizer);
6. windows-1252 with replacement characters, which never fails.

A *declared* charset (2 or 3) is overruled by UTF-8 when the bytes are valid UTF-8 and
contain at least one multi-byte sequence. Why: legacy single-byte text almost never forms
valid UTF-8 by accident: every byte ≥ 0x80 would have to come in exactly the lead/continuation
patterns UTF-8 requires ("Ã©" instead of "é" everywhere), and text that does is precisely
the mojibake we are trying to avoid. Servers and CMS templates that say ``iso-8859-1`` while
sending UTF-8 are, on the other hand, very common.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

__all__ = ["decode_body", "declared_charset"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*[=:]\s*["']?\s*([\w.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([\w.:-]+)""", re.I)
_MULTIBYTE_UTF8 = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# WHATWG: labels that mean windows-1252 on the web. Python's latin-1 would turn the
# 0x80-0x9F smart quotes and dashes into invisible control characters.
_AS_WINDOWS_1252 = {"latin_1", "iso8859-1", "ascii", "cp1252"}
# Detection only considers encodings a browser can decode (the WHATWG Encoding Standard):
# no web page can be in cp775 or cp850, yet short French text "looks" like them.
_WEB_ENCODINGS = [
    "cp1252", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
    "mac_roman", "mac_cyrillic", "cp874", "gb18030", "big5", "euc_jp", "iso2022_jp",
    "shift_jis", "euc_kr", "utf_16", "utf_8",
]
_DETECTION_SAMPLE = 256 * 1024


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:  # a bogus or unsupported label: ignore it, use other evidence
        return None
    return "cp1252" if name in _AS_WINDOWS_1252 else name


def declared_charset(content: bytes, content_type: str = "") -> str | None:
    """The charset the header or the document itself declares (a Python codec name)."""
    match = _HEADER_CHARSET.search(content_type or "")
    return _codec(match.group(1) if match else None) or _document_charset(content)


def _document_charset(content: bytes) -> str | None:
    head = content[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _codec(match.group(1).decode("ascii", "replace")) if match else None


def _is_utf8_with_multibyte(content: bytes) -> bool:
    if not _MULTIBYTE_UTF8.search(content):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _try(content: bytes, codec: str) -> str | None:
    try:
        return content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(sample: bytes) -> str | None:
    results = from_bytes(sample, cp_isolation=_WEB_ENCODINGS)
    best = results.best()
    if best is None:
        return None
    # Near-ties are common on short text (é is 0xE9 in a dozen code pages). Break them the
    # way browsers do for undeclared Western pages: windows-1252 is the web's default.
    near = [
        m for m in results
        if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05
    ]
    if any("cp1252" in m.could_be_from_charset for m in near):
        return "cp1252"
    return _codec(best.encoding) or best.encoding


def decode_body(content: bytes, content_type: str = "") -> tuple[str, str]:
    """``(text, encoding)`` for a body; ``encoding`` is the Python codec name used."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            text = content.decode(codec, errors="replace")
            return text.lstrip("\ufeff"), "utf-8" if codec == "utf-8-sig" else codec

    header = _HEADER_CHARSET.search(content_type or "")
    candidates = [_codec(header.group(1)) if header else None, _document_charset(content)]
    for codec in candidates:
        if not codec:
            continue
        # A declared legacy charset loses to bytes that are unmistakably UTF-8 (see module
        # docstring). UTF-16/32 are exempt: their ASCII text is NUL-padded, not multi-byte.
        if codec != "utf-8" and not codec.startswith(("utf-16", "utf-32")):
            if _is_utf8_with_multibyte(content):
                return content.decode("utf-8"), "utf-8"
        text = _try(content, codec)
        if text is not None:
            return text, codec
        if codec == "cp1252":  # five bytes are unassigned in cp1252; latin-1 has them all
            return content.decode("latin-1"), "latin-1"

    text = _try(content, "utf-8")
    if text is not None:
        return text, "utf-8"

    codec = _detect(content[:_DETECTION_SAMPLE])
    if codec:
        text = _try(content, codec)
        if text is not None:
            return text, codec
    return content.decode("cp1252", errors="replace"), "cp1252"
