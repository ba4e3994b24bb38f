"""Where offsets of one version of a text land in the next, after a set of patches.

An index built on a large text holds offsets; after an edit that touches a few places, every
offset outside the patches moves by the length the patches before it added or removed.
:class:`Shift` answers that with a binary search, and says whether a span was touched, so that
an index can keep what the edit left alone and read again only what it changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from metaclone.lossless.patches import PatchedText
from metaclone.lossless.tokens import Element, Tag

__all__ = ["Kept", "Reread", "Shift", "TextEdit", "TextReader", "moved", "moved_tag", "plan"]


class TextReader(Protocol):
    """A version of a text, read whole (made, if it is in pieces) or by windows: a document
    as one of its commits left it (what an index built on that version reads)."""

    @property
    def text(self) -> str: ...

    def excerpt(self, start: int, end: int) -> str: ...

    def readable(self) -> str | PatchedText: ...


@attrs.frozen
class TextEdit:
    """One commit: the patches (sorted, in the old text's offsets) and the text they made."""

    patches: tuple[tuple[int, int, str], ...]
    version: int
    #: The text the patches made, made when first asked for (a commit does not make it).
    text_after: Callable[[], str] = attrs.field(repr=False)
    #: The text each patch replaced, in the order of ``patches``.
    replaced: tuple[str, ...] = attrs.field(default=(), repr=False)
    #: ``text_after()[start:end]`` read without making the whole text (None: from it).
    excerpt_after: Callable[[int, int], str] | None = attrs.field(default=None, repr=False)
    #: The text after the edit, for a value brought through it that keeps reading it.
    reader: TextReader | None = attrs.field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.text_after()

    def excerpt(self, start: int, end: int) -> str:
        """``text[start:end]``, read near the edit without making the whole text."""
        if self.excerpt_after is None:
            return self.text_after()[start:end]
        return self.excerpt_after(start, end)

    def window(self, start: int, end: int, margin: int = 0) -> tuple[str, int]:
        """A window of the text after the edit holding ``start..end`` and ``margin`` more
        characters on each side (fewer at the text's ends), and the offset where it starts: a
        pattern that scans a stretch reads it at ``offset - origin``."""
        origin = max(start - margin, 0)
        return self.excerpt(origin, end + margin), origin

    def text_before(self, start: int, end: int) -> str:
        """The text of ``start..end`` before the edit, made from the text after it and what
        the patches replaced (a value brought through the edit need not keep the old text)."""
        found = []
        position = delta = 0
        for (patch_start, patch_end, new), old in zip(self.patches, self.replaced, strict=True):
            low, high = max(position, start), min(patch_start, end)
            if low < high:
                found.append(self.excerpt(low + delta, high + delta))
            low, high = max(patch_start, start), min(patch_end, end)
            if low < high:
                found.append(old[low - patch_start : high - patch_start])
            delta += len(new) - (patch_end - patch_start)
            position = patch_end
            if position >= end:
                break
        if max(position, start) < end:
            found.append(self.excerpt(max(position, start) + delta, end + delta))
        return "".join(found)


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


@attrs.frozen
class Kept:
    """Items ``first`` to ``last`` (exclusive) of the old list, each moved by ``delta``."""

    first: int
    last: int
    delta: int


@attrs.frozen
class Reread:
    """A stretch to read again: ``old_start..old_end`` became ``new_start..new_end``."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int


def plan(
    starts: Sequence[int], ends: Sequence[int], shift: Shift, content: tuple[int, int]
) -> list[Kept | Reread]:
    """How a list of sibling items (their old ``starts`` and ``ends``, in order) inside the
    ``content`` range of their parent follows the patches: runs kept and moved, and stretches
    read again (each patch inside the content with the items it touches).

    Patches replace markup with markup (an element, an attribute value, white space), so the
    text around a patch reads as it did.
    """
    windows: list[list[int]] = []  # old start, old end, first touched, after last touched
    for position in shift.inside(*content):
        patch_start, patch_end = shift.span(position)
        first = bisect.bisect_right(ends, patch_start)
        last = bisect.bisect_left(starts, patch_end)
        if first < last:
            patch_start = min(patch_start, starts[first])
            patch_end = max(patch_end, ends[last - 1])
        if windows and patch_start <= windows[-1][1]:
            window = windows[-1]
            window[1], window[3] = max(window[1], patch_end), max(window[3], last)
        else:
            windows.append([patch_start, patch_end, first, last])
    steps: list[Kept | Reread] = []
    done = 0
    for old_start, old_end, first, last in windows:
        if first > done:
            steps.append(Kept(done, first, shift.before(starts[done])))
        steps.append(
            Reread(
                old_start,
                old_end,
                old_start + shift.after(old_start),
                old_end + shift.before(old_end),
            )
        )
        done = max(done, last)
    if done < len(starts):
        steps.append(Kept(done, len(starts), shift.before(starts[done])))
    return steps
