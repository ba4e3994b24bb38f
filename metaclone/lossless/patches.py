"""Patches: offset ranges of a text and their new text, applied all at once or in pieces."""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

import attrs

__all__ = [
    "MAX_PIECES",
    "TEXTS_MADE",
    "Checkpoint",
    "Patch",
    "PatchedText",
    "apply_patches",
    "encoded",
    "first_match",
    "handed_over",
    "ordered_patches",
    "patched_excerpt",
    "pieces",
    "too_many_pieces",
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


@attrs.define
class TextsMade:
    """How many times a document made its whole text from its pieces (the text it was loaded
    or last made with, and the patches composed since).  An edit, or a read near one, costs in
    proportion to the change only if it leaves this alone; the tests read it, and ``on_made``
    (a traceback, say) finds the reader that made it."""

    count: int = 0
    on_made: Callable[[], None] | None = None

    def made(self) -> None:
        self.count += 1
        if self.on_made is not None:
            self.on_made()


TEXTS_MADE = TextsMade()

#: A document makes its text when a commit leaves more patches than this composed onto it...
MAX_PIECES = 1000
#: ... or more new text in them than this share of the text (and at least this many
#: characters): in a long run of edits, reading a window and composing a commit stay cheap,
#: and the pieces never hold more than a fraction of the file beside it.
PIECE_TEXT_SHARE = 8
MIN_PIECE_TEXT = 1 << 20


def too_many_pieces(ordered: Sequence[Patch], length: int) -> bool:
    """Whether ``ordered``, composed onto a text of ``length`` characters, should be applied."""
    if len(ordered) > MAX_PIECES:
        return True
    return sum(len(p.new) for p in ordered) > max(MIN_PIECE_TEXT, length // PIECE_TEXT_SHARE)


#: The largest window :meth:`PatchedText.search` reads at a time.
_SEARCH_WINDOW = 1 << 22

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
    without being made whole: what a diff of a large file after an edit compares, and what a
    document reads between the commits that composed its patches.

    A slice finds its first piece by a binary search, so that reading near an edit costs what
    is read, however many patches there are.
    """

    __slots__ = ("_ends", "_length", "_ordered", "_starts", "_text")

    def __init__(self, text: str, ordered: Sequence[Patch]) -> None:
        self._text = text
        self._ordered = ordered
        #: Where each patch's new text starts and ends in the patched text.
        starts: list[int] = []
        ends: list[int] = []
        delta = 0
        for patch in ordered:
            start = patch.start + delta
            starts.append(start)
            ends.append(start + len(patch.new))
            delta += len(patch.new) - (patch.end - patch.start)
        self._starts = starts
        self._ends = ends
        self._length = len(text) + delta

    def __len__(self) -> int:
        return self._length

    @property
    def text(self) -> str:
        """The text the patches apply to."""
        return self._text

    @property
    def patches(self) -> Sequence[Patch]:
        return self._ordered

    def __getitem__(self, index: slice) -> str:
        start, stop, step = index.indices(self._length)
        if step != 1:
            raise ValueError("a patched text is read by contiguous slices")
        if not self._ordered:
            return self._text[start:stop]
        return self._excerpt(start, stop)

    def _excerpt(self, start: int, stop: int) -> str:
        return "".join(source[low:high] for source, low, high in self._parts(start, stop))

    def _parts(self, start: int, stop: int) -> Iterator[tuple[str, int, int]]:
        """The pieces of ``[start:stop]`` in order: ``source[low:high]`` for each."""
        ordered, starts, ends, text = self._ordered, self._starts, self._ends, self._text
        # The last patch whose new text starts at or before ``start``: no earlier one reaches
        # past it.  From there, that patch's new text and the stretch of text after it, in turn.
        position = bisect.bisect_right(starts, start) - 1
        while start < stop:
            if position >= 0:
                new_start, new_end = starts[position], ends[position]
                if start < new_end:
                    high = min(stop, new_end)
                    yield ordered[position].new, start - new_start, high - new_start
                    start = high
                gap_end = starts[position + 1] if position + 1 < len(ordered) else self._length
                delta = new_end - ordered[position].end
            else:
                gap_end, delta = starts[0], 0
            if start < gap_end:
                high = min(stop, gap_end)
                yield text, start - delta, high - delta
                start = high
            position += 1

    def composed(self, ordered: Sequence[Patch]) -> tuple[Patch, ...]:
        """The patches that make of :attr:`text` what ``ordered`` (checked, in this patched
        text's offsets) make of this patched text: a patch that touches or overlaps a patch's
        new text (or touches another that does) is merged with it into one."""
        old, starts, ends = self._ordered, self._starts, self._ends
        composed: list[Patch] = []
        done = 0  # the old patches already in ``composed``
        at = 0
        while at < len(ordered):
            low, high = ordered[at].start, ordered[at].end
            first = last = bisect.bisect_left(ends, low, done)
            following = at
            while True:
                while last < len(old) and starts[last] <= high:
                    high = max(high, ends[last])
                    last += 1
                if following + 1 < len(ordered) and ordered[following + 1].start <= high:
                    following += 1
                    high = max(high, ordered[following].end)
                    continue
                break
            composed.extend(old[done:first])
            low = min(low, starts[first]) if first < last else low
            merged = self._merged(low, high, ordered[at : following + 1])
            composed.append(Patch(low - self._delta(first), high - self._delta(last), merged))
            done, at = last, following + 1
        composed.extend(old[done:])
        return tuple(composed)

    def _delta(self, position: int) -> int:
        """How far the patches before patch ``position`` moved the text after them."""
        if position < len(self._ordered):
            return self._starts[position] - self._ordered[position].start
        return self._length - len(self._text)

    def _merged(self, low: int, high: int, group: Sequence[Patch]) -> str:
        """``self[low:high]`` with ``group`` (checked, inside it) applied."""
        found: list[str] = []
        for patch in group:
            found.append(self[low : patch.start])
            found.append(patch.new)
            low = patch.end
        found.append(self[low:high])
        return "".join(found)

    def count(self, sub: str, start: int, end: int, /) -> int:
        """``str.count`` of ``[start:end]``: piece by piece for one character (a line end),
        else in a copy of the stretch (keep it short)."""
        start, end, _ = slice(start, end).indices(self._length)
        if len(sub) != 1 or not self._ordered:
            return self[start:end].count(sub)
        return sum(source.count(sub, low, high) for source, low, high in self._parts(start, end))

    def find(self, sub: str, start: int, end: int, /) -> int:
        """``str.find``, reading on from ``start`` in growing windows (a line end is near)."""
        low, size, end = max(start, 0), 1 << 12, min(end, self._length)
        while low < end:
            high = min(end, low + size)
            # The window reaches len(sub) - 1 past ``high``: a match that starts before it.
            found = self[low : min(high + len(sub) - 1, end)].find(sub)
            if found >= 0:
                return low + found
            low, size = high, size << 1
        return -1

    def search(self, pattern: re.Pattern[str], start: int, end: int, longest: int) -> int:
        """Where the first match of ``pattern`` in ``[start:end]`` starts (-1: none), for a
        pattern whose matches are never longer than ``longest`` characters and do not look
        around them (a choice of fixed strings, say): read on in windows of growing size, up
        to :data:`_SEARCH_WINDOW`, so that the text is never made whole."""
        low, size, end = max(start, 0), min(1 << 12, _SEARCH_WINDOW), min(end, self._length)
        while low < end:
            high = min(end, low + size)
            # The window reaches longest - 1 past ``high``: a match that starts before it.
            found = pattern.search(self[low : min(high + longest - 1, end)])
            if found is not None and found.start() < high - low:
                return low + found.start()
            low, size = high, min(size << 1, _SEARCH_WINDOW)
        return -1

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


def first_match(
    text: str | PatchedText, pattern: re.Pattern[str], start: int, end: int, longest: int
) -> int:
    """Where ``pattern`` first matches in ``text[start:end]`` (-1: nowhere), for a pattern
    whose matches are never longer than ``longest`` and look at nothing around them: a text
    not made since an edit is searched in windows (:meth:`PatchedText.search`)."""
    if isinstance(text, str):
        match = pattern.search(text, start, end)
        return -1 if match is None else match.start()
    return text.search(pattern, start, end, longest)


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
