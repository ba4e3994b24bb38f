"""Where offsets of one version of a text land in the next, after a set of patches.

An index built on a large text holds offsets; after an edit that touches a few places, every
offset outside the patches moves by the length the patches before it added or removed.
:class:`Shift` answers that with a binary search, and says whether a span was touched, so that
an index can keep what the edit left alone and read again only what it changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol

from metaclone.lossless.patches import PatchedText
from metaclone.lossless.tokens import Element, Tag

__all__ = ["Shift", "TextReader", "moved", "moved_tag"]


class TextReader(Protocol):
    """A version of a text, read whole (made, if it is in pieces) or by windows: a document
    as one of its commits left it (what an index built on that version reads)."""

    @property
    def text(self) -> str: ...

    def excerpt(self, start: int, end: int) -> str: ...

    def readable(self) -> str | PatchedText: ...


class Shift:
    """The offsets of the text before ``patches`` mapped to the text after them.

    Patches are ``(start, end, new)`` in the old text, sorted and not overlapping.  An insertion
    at an offset goes before what starts there and after what ends there.
    """

    def __init__(self, patches: Sequence[tuple[int, int, str]]) -> None:
        self._starts = [start for start, _, _ in patches]
        self._ends = [end for _, end, _ in patches]
        deltas = [0]
        for start, end, new in patches:
            deltas.append(deltas[-1] + len(new) - (end - start))
        self._deltas = deltas

    def touches(self, start: int, end: int) -> bool:
        """True if a patch overlaps ``start..end`` or inserts strictly inside it."""
        first = bisect.bisect_right(self._ends, start)
        return first < len(self._starts) and self._starts[first] < end

    def inside(self, start: int, end: int) -> list[int]:
        """The positions of the patches that lie within ``start..end`` (ends included)."""
        first = bisect.bisect_left(self._ends, start)
        found: list[int] = []
        for position in range(first, len(self._starts)):
            if self._starts[position] > end:
                break
            if self._starts[position] >= start and self._ends[position] <= end:
                found.append(position)
        return found

    def span(self, position: int) -> tuple[int, int]:
        """The old offsets of patch ``position``."""
        return self._starts[position], self._ends[position]

    def before(self, offset: int) -> int:
        """How far something that starts at ``offset`` moves (insertions there go before it)."""
        return self._deltas[bisect.bisect_right(self._ends, offset)]

    def after(self, offset: int) -> int:
        """How far something that ends at ``offset`` moves (insertions there go after it)."""
        position = bisect.bisect_left(self._ends, offset)
        while (
            position < len(self._ends)
            and self._ends[position] == offset
            and self._starts[position] < offset
        ):
            position += 1
        return self._deltas[position]

    def tag(self, tag: Tag) -> Tag:
        """``tag`` in the new text; the caller knows no patch touches it."""
        return Tag(
            tag.kind, tag.name, tag.start + self.before(tag.start), tag.end + self.after(tag.end)
        )

    def parent(self, element: Element) -> Element | None:
        """``element`` in the new text when patches touch its content only, else None."""
        start, end_tag = element.start_tag, element.end_tag
        if self.touches(start.start, start.end) or (
            end_tag is not None and self.touches(end_tag.start, end_tag.end)
        ):
            return None
        if end_tag is None:
            return Element(self.tag(start), None)
        return Element(self.tag(start), self.tag(end_tag))


def moved(element: Element, delta: int) -> Element:
    """``element`` ``delta`` characters further on."""
    end = element.end_tag
    return Element(
        moved_tag(element.start_tag, delta), None if end is None else moved_tag(end, delta)
    )


def moved_tag(tag: Tag, delta: int) -> Tag:
    """``tag`` ``delta`` characters further on."""
    return Tag(tag.kind, tag.name, tag.start + delta, tag.end + delta)
