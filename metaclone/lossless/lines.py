"""Line numbers of offsets in a large text, counted from the nearest offset already known.

A line table of a file with a million lines takes a Python loop over every line; an edit
would throw it away.  Counting line ends in C from the nearest known offset costs what lies
between, and the known offsets follow an edit: those before a patch stay, those after it move
with the characters and lines the patches before them added or removed.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol

__all__ = ["LineAnchors", "Searchable"]


class Searchable(Protocol):
    """What line counting reads of a text: a ``str``, or a text read by windows."""

    def count(self, sub: str, start: int, end: int, /) -> int: ...

    def rfind(self, sub: str, start: int, end: int, /) -> int: ...


class LineAnchors:
    """Offsets whose line is known (offset 0 is line 1), and the lookups they speed up."""

    def __init__(self, offsets: list[int] | None = None, lines: list[int] | None = None) -> None:
        self._offsets = offsets if offsets is not None else [0]
        self._lines = lines if lines is not None else [1]

    def line_and_column(self, text: Searchable, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset`` in ``text`` (lines counted at ``\\n``)."""
        position = bisect.bisect_right(self._offsets, offset) - 1
        known = self._offsets[position]
        line = self._lines[position] + text.count("\n", known, offset)
        if known != offset:
            self._offsets.insert(position + 1, offset)
            self._lines.insert(position + 1, line)
        line_start = text.rfind("\n", 0, offset) + 1
        return line, offset - line_start + 1

    def moved(
        self, patches: Sequence[tuple[int, int, str]], replaced: Sequence[str]
    ) -> LineAnchors:
        """The anchors in the text ``patches`` (sorted, not overlapping; ``replaced`` is the
        text each replaced) make of the text before them.

        An insertion at an anchor goes before it; an anchor inside a replaced range is dropped.
        """
        offsets: list[int] = []
        lines: list[int] = []
        shift = line_shift = 0
        position = 0
        for offset, line in zip(self._offsets, self._lines, strict=True):
            while position < len(patches) and patches[position][1] <= offset:
                start, end, new = patches[position]
                shift += len(new) - (end - start)
                line_shift += new.count("\n") - replaced[position].count("\n")
                position += 1
            if position < len(patches) and patches[position][0] < offset:
                continue
            offsets.append(offset + shift)
            lines.append(line + line_shift)
        if not offsets or offsets[0] != 0:
            offsets.insert(0, 0)
            lines.insert(0, 1)
        return LineAnchors(offsets, lines)
