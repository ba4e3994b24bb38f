"""Keys of a table grouped in one pass, for readers that go through every site: by the
``ROOT`` (or other) key of the site they lie under, and by the line their key starts on."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable


def grouped_under(joined: str, segment: str) -> dict[str, list[int]]:
    """The positions of the paths at or below ``<path>/<segment>`` for every path of three
    segments, by that location folded; ``joined`` holds the folded paths between NULs
    (:func:`~metaclone.iis6.keys.joined_paths`)."""
    pattern = re.compile("\0(/[^/\0]*/[^/\0]*/[^/\0]*/" + re.escape(segment.lower()) + ")(?=[\0/])")
    found: dict[str, list[int]] = {}
    position, counted = -1, 0
    for match in pattern.finditer(joined):
        offset = match.start() + 1
        position += joined.count("\0", counted, offset)
        counted = offset
        found.setdefault(match.group(1), []).append(position)
    return found


def lines_at(text: str, offsets: Iterable[int]) -> array[int]:
    """The 1-based line of each of ``offsets`` (ascending) in ``text``."""
    lines = array("q")
    line, counted = 1, 0
    for offset in offsets:
        line += text.count("\n", counted, offset)
        counted = offset
        lines.append(line)
    return lines
