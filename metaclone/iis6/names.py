"""The names a metabase's ServerComment values give, counted: what tells, without reading
the sites one by one, that a name is free (every site's name is among them)."""

from __future__ import annotations

import re
from collections import Counter

from metaclone.lossless.values import decode_attribute_value
from metaclone.model.rules import name_key

__all__ = ["server_comment_names"]

#: A ServerComment attribute's value (quotes included), wherever one is written.
_ANY_SERVER_COMMENT = re.compile(r"ServerComment(?=\s*=\s*(\"[^\"]*\"|'[^']*'))")
_NEEDS_DECODING = ("&", "\t", "\n", "\r")


def server_comment_names(text: str, start: int = 0, end: int | None = None) -> Counter[str]:
    """How many ServerComment values in ``text[start:end]`` read as each name (by
    :func:`~metaclone.model.rules.name_key`): every site's name is among them."""
    found = _ANY_SERVER_COMMENT.findall(text, start, len(text) if end is None else end)
    values = [quoted[1:-1] for quoted in found]
    joined = "\0".join(values)
    if any(c in joined for c in _NEEDS_DECODING):
        joined = "\0".join(map(decode_attribute_value, values))
    # No value holds a NUL; name_key reads character by character, so the joined values
    # split into the keys of each.
    return Counter(name_key(joined).split("\0")) if values else Counter()
