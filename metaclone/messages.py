"""Bounded wording for messages about untrusted input.

A message quotes what the input says, and the input may be a 12 MB line, a 10 MB attribute
value or a list of a million names.  These helpers keep every quotation and every list short
enough to read, and say how much was left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

#: How many characters of input a message quotes at most.
EXCERPT_CHARS = 120
#: How many items of a list a message names at most.
LISTED_ITEMS = 10

_ELLIPSIS = "..."


def shorten(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text``, or its start and end around "..." when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    head = (limit - len(_ELLIPSIS)) * 2 // 3
    tail = limit - len(_ELLIPSIS) - head
    return f"{text[:head]}{_ELLIPSIS}{text[len(text) - tail :]}"


def quoted(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of :func:`shorten`: a value of the input as a message quotes it."""
    return repr(shorten(text, limit))


def listing(
    items: Iterable[str],
    separator: str = ", ",
    limit: int = LISTED_ITEMS,
    total: int | None = None,
) -> str:
    """The first ``limit`` of ``items`` joined by ``separator``, then "and N more".

    ``items`` is read once, lazily: a generator over a huge input is counted, not kept.  With
    ``total`` (how many items there are) it is read no further than the items shown.
    """
    iterator = iter(items)
    shown = list(islice(iterator, limit))
    rest = total - len(shown) if total is not None else sum(1 for _ in iterator)
    text = separator.join(shown)
    return f"{text} and {rest} more" if rest else text


def window(line: str, column: int, width: int = EXCERPT_CHARS) -> tuple[str, int]:
    """The part of ``line`` shown around 1-based ``column``, and the caret's 0-based offset.

    A line up to ``width`` characters is shown whole; a longer one is cut to ``width``
    characters around the column, with "..." marking each cut.
    """
    at = min(max(column - 1, 0), len(line))
    if len(line) <= width:
        return line, at
    start = max(0, min(at - width // 2, len(line) - width))
    end = start + width
    prefix = _ELLIPSIS if start > 0 else ""
    suffix = _ELLIPSIS if end < len(line) else ""
    return f"{prefix}{line[start:end]}{suffix}", at - start + len(prefix)
