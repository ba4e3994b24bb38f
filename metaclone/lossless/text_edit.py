"""What one commit did to a text, and how a list of items read on the text before it follows.

A commit is told to what was read on the text before it as a :class:`TextEdit`; an index of
sibling items brought through it keeps the runs the patches left alone and reads again the
stretches they touched (:func:`plan`).  Only edits load this module: a listing or a check
commits nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from metaclone.lossless.shift import Shift, TextReader

__all__ = ["Kept", "Reread", "TextEdit", "plan"]


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
