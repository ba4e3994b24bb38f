"""Attribute values: raw text as written, decoded value as an XML parser reports it."""

from __future__ import annotations

import re

from metaclone.lazy import lazy_pattern

_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

# XML 1.0 section 2.11 (line ends become \n) then 3.3.3 (each white-space character becomes a
# space), and references are decoded.  A CR LF pair is one line end, hence one space.
_RAW_TOKEN = lazy_pattern(
    lambda: re.compile(r"\r\n|[\r\n\t]|&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);")
)


def _decode_token(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref is None:
        return " "
    if ref.startswith("#x"):
        return chr(int(ref[2:], 16))
    if ref.startswith("#"):
        # A well-formed reference may have any number of leading zeros, more than int()
        # reads (hexadecimal digits it reads however many).
        return chr(int(ref[1:].lstrip("0")))
    return _PREDEFINED[ref]


def decode_attribute_value(raw: str) -> str:
    """The value an XML parser reports for an attribute written as ``raw`` (between the quotes).

    The raw text must come from a well-formed document: unknown entity names raise KeyError.
    """
    if "&" not in raw and "\n" not in raw and "\r" not in raw and "\t" not in raw:
        return raw
    return _RAW_TOKEN.sub(_decode_token, raw)


_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "\n": "&#xA;",
    "\r": "&#xD;",
    "\t": "&#x9;",
}


# Characters outside XML 1.0's Char production cannot be written, not even as references.
# They are listed rather than written as the production's complement, whose large ranges take
# milliseconds to compile at every start.
_NOT_XML_CHAR = lazy_pattern(
    lambda: re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
)


def encode_attribute_value(value: str, quote: str = '"') -> str:
    """Raw text that decodes to ``value`` inside ``quote`` characters.

    Newlines, carriage returns and tabs become character references, because written literally
    they would be read back as spaces.
    """
    if quote not in ('"', "'"):
        raise ValueError(f"quote must be ' or \", not {quote!r}")
    bad = _NOT_XML_CHAR.search(value)
    if bad is not None:
        raise ValueError(f"character {bad.group()!r} cannot be written in an XML document")
    escapes = dict(_ESCAPES)
    escapes[quote] = "&quot;" if quote == '"' else "&apos;"
    return "".join(escapes.get(ch, ch) for ch in value)
