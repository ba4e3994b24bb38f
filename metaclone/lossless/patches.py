"""Patches: offset ranges of a text and their new text, applied all at once or in pieces."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator, Sequence

import attrs

__all__ = [
    "Checkpoint",
    "Patch",
    "PatchedText",
    "apply_patches",
    "encoded",
    "handed_over",
    "ordered_patches",
    "patched_excerpt",
    "pieces",
]


@attrs.frozen
class Patch:
    """Replace ``text[start:end]`` with ``new``; an insertion has ``start == end``."""

    start: int
    end: int
    new: str

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad patch range {self.start}..{self.end}")


def apply_patches(
    text: str, patches: Iterable[Patch], start: int = 0, end: int | None = None
) -> str:
    """``text[start:end]`` with ``patches`` (all inside that range) applied.

    Patches must not overlap; insertions at the same offset keep the order they were given in.
    """
    stop = len(text) if end is None else end
    ordered = ordered_patches(patches, start, stop)
    return "".join(
        piece if isinstance(piece, str) else text[piece[0] : piece[1]]
        for piece in pieces(ordered, start, stop)
    )


def handed_over(texts: list[str], ordered: Sequence[Patch]) -> str:
    """``apply_patches(texts.pop(), ordered)`` (``ordered`` checked), for a caller that holds
    no other reference to the text: a text of one byte per character (as configuration files
    are) is let go of before the new one is made from a copy, so that a large file is never
    held three times (the text, the slices of it a join takes, the join)."""
    text = texts.pop()
    length = len(text) + sum(len(p.new) - (p.end - p.start) for p in ordered)
    copy = bytearray(length)
    try:
        at = 0
        for piece in pieces(ordered, 0, len(text)):
            if isinstance(piece, str):
                copy[at : at + len(piece)] = piece.encode("latin-1")
                at += len(piece)
                continue
            for first in range(piece[0], piece[1], _CHUNK):
                last = min(first + _CHUNK, piece[1])
                copy[at : at + last - first] = text[first:last].encode("latin-1")
                at += last - first
    except UnicodeEncodeError:  # characters past U+00FF
        del copy
        return apply_patches(text, ordered)
    except BaseException:  # Ctrl-C, say: the text is the caller's again
        texts.append(text)
        raise
    del text
    return copy.decode("latin-1")


#: The longest slice of the old text copied at a time (small enough for the allocator to reuse
#: one block for each, rather than map fresh memory for every slice).
_CHUNK = 1 << 16


def ordered_patches(patches: Iterable[Patch], start: int, stop: int) -> list[Patch]:
    """``patches`` in order; ValueError if two overlap or one leaves ``start..stop``."""
    ordered = sorted(patches, key=lambda p: (p.start, p.end))
    pos = start
    for patch in ordered:
        if patch.start < pos or patch.end > stop:
            raise ValueError(f"patches overlap or leave the range at offset {patch.start}")
        pos = patch.end
    return ordered


def pieces(ordered: Sequence[Patch], start: int, stop: int) -> Iterator[str | tuple[int, int]]:
    """The text ``ordered`` (checked) make of ``start..stop``, in pieces: ``(from, to)`` for a
    stretch of the text they apply to, a string for a patch's new text."""
    pos = start
    for patch in ordered:
        if patch.start > pos:
            yield pos, patch.start
        if patch.new:
            yield patch.new
        pos = patch.end
    if stop > pos:
        yield pos, stop


def patched_excerpt(text: str, ordered: Sequence[Patch], start: int, end: int) -> str:
    """``apply_patches(text, ordered)[start:end]`` (``ordered`` checked), without making the
    rest of it."""
    found: list[str] = []
    at = 0  # where the piece starts in the patched text
    for piece in pieces(ordered, 0, len(text)):
        first = piece[0] if isinstance(piece, tuple) else 0
        length = piece[1] - first if isinstance(piece, tuple) else len(piece)
        low, high = max(start, at) - at + first, min(end, at + length) - at + first
        if low < high:
            found.append(piece[low:high] if isinstance(piece, str) else text[low:high])
        at += length
        if at >= end:
            break
    return "".join(found)


def encoded(
    text: str, ordered: Sequence[Patch], encoding: str, errors: str, size: int
) -> Iterator[bytes]:
    """``apply_patches(text, ordered)`` (``ordered`` checked) encoded, in pieces of at most
    ``size`` characters each: the patched text is never made whole."""
    encoder = codecs.getincrementalencoder(encoding)(errors)
    for piece in pieces(ordered, 0, len(text)):
        if isinstance(piece, str):
            yield encoder.encode(piece)
            continue
        for start in range(piece[0], piece[1], size):
            yield encoder.encode(text[start : min(start + size, piece[1])])
    last = encoder.encode("", True)
    if last:
        yield last


class PatchedText:
    """The text ``ordered`` (checked patches) make of ``text``, read by slices (``[a:b]``)
    without being made whole: what a diff of a large file after an edit compares."""

    __slots__ = ("_length", "_ordered", "_text")

    def __init__(self, text: str, ordered: Sequence[Patch]) -> None:
        self._text = text
        self._ordered = ordered
        self._length = len(text) + sum(len(p.new) - (p.end - p.start) for p in ordered)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: slice) -> str:
        start, stop, step = index.indices(self._length)
        if step != 1:
            raise ValueError("a patched text is read by contiguous slices")
        if not self._ordered:
            return self._text[start:stop]
        return patched_excerpt(self._text, self._ordered, start, stop)

    def count(self, sub: str, start: int, end: int, /) -> int:
        """``str.count`` of ``[start:end]`` (the stretch is made: keep it short)."""
        return self[start:end].count(sub)

    def rfind(self, sub: str, start: int, end: int, /) -> int:
        """``str.rfind``, reading back from ``end`` in growing windows (a line end is near)."""
        high, size = min(end, self._length), 1 << 12
        while high > max(start, 0):
            low = max(start, high - size, 0)
            # The window reaches len(sub) - 1 past ``high``: a match that starts before it.
            found = self[low : min(high + len(sub) - 1, end)].rfind(sub)
            if found >= 0:
                return low + found
            high, size = low, size << 1
        return -1


@attrs.frozen
class Checkpoint:
    """A saved state of an :class:`~metaclone.lossless.XmlDocument`: its text, or the text
    before its last commit and that commit's patches (texts are immutable, so this is cheap)."""

    base: str
    pending: tuple[Patch, ...]
    unchanged: bool

    @property
    def text(self) -> str:
        """The document's text at the checkpoint."""
        return apply_patches(self.base, self.pending) if self.pending else self.base
