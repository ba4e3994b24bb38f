"""Ascending offsets of an index, brought through edits without rewriting every entry.

An index of a large text holds an offset for each of hundreds of thousands of items.  After
an edit most of them move by one of a few amounts (the length the patches before them added
or removed), so an :class:`OffsetColumn` keeps the values as they were read (``raw``) and a
table of the positions from which a delta applies: bringing it through an edit copies the raw
values run by run (in C) and records a delta at the start of each run, and a value is
resolved when read, by a binary search over those points.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterator, Sequence
from typing import overload

__all__ = ["ColumnBuilder", "OffsetColumn"]

#: More delta points than this and a column is made whole again (reads stay a short search).
MAX_POINTS = 256


class OffsetColumn(Sequence[int]):
    """``raw[p] + delta(p)`` for each position ``p``, where ``delta`` is the last of
    ``deltas`` whose point is at or before ``p`` (``points`` ascending, starting at 0)."""

    __slots__ = ("_deltas", "_points", "_raw", "_whole")

    def __init__(self, raw: array[int], points: list[int], deltas: list[int]) -> None:
        if not points or points[0] != 0 or len(points) != len(deltas):
            raise ValueError("an offset column's delta points start at position 0")
        self._raw = raw
        self._points = points
        self._deltas = deltas
        self._whole: array[int] | None = raw if deltas == [0] else None

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, position: int) -> int: ...

    @overload
    def __getitem__(self, position: slice) -> array[int]: ...

    def __getitem__(self, position: int | slice) -> int | array[int]:
        if isinstance(position, slice):
            return self.whole()[position]
        if position < 0:
            position += len(self._raw)
            if position < 0:
                raise IndexError("offset column index out of range")
        delta = self._deltas[bisect.bisect_right(self._points, position) - 1]
        return self._raw[position] + delta

    def __iter__(self) -> Iterator[int]:
        if self._whole is not None:
            return iter(self._whole)
        # Run by run, each slice made when reached: a reader that stops early (the first
        # site with bindings, say) does not resolve the whole column.
        raw = self._raw
        return itertools.chain.from_iterable(
            raw[first:last] if delta == 0 else map(delta.__add__, raw[first:last])
            for first, last, delta in self.runs(0, len(raw))
        )

    def whole(self) -> array[int]:
        """Every value, resolved (made once, for readers that go through them all)."""
        if self._whole is None:
            whole = array("q")
            bounds = [*self._points, len(self._raw)]
            for index, delta in enumerate(self._deltas):
                piece = self._raw[bounds[index] : bounds[index + 1]]
                whole.extend(piece if delta == 0 else array("q", [v + delta for v in piece]))
            self._whole = whole
        return self._whole

    def runs(self, first: int, last: int) -> Iterator[tuple[int, int, int]]:
        """``(from, to, delta)`` for the runs of one delta within positions ``first..last``."""
        index = bisect.bisect_right(self._points, first) - 1
        while first < last:
            end = last
            if index + 1 < len(self._points):
                end = min(end, self._points[index + 1])
            yield first, end, self._deltas[index]
            first, index = end, index + 1


class ColumnBuilder:
    """Builds an :class:`OffsetColumn` from runs of other columns (moved) and new values."""

    __slots__ = ("_deltas", "_points", "_raw")

    def __init__(self) -> None:
        self._raw = array("q")
        self._points: list[int] = []
        self._deltas: list[int] = []

    def keep(self, column: Sequence[int], first: int, last: int, delta: int) -> None:
        """Positions ``first..last`` of ``column``, each value moved by ``delta``."""
        if isinstance(column, OffsetColumn) and column._whole is None:
            for start, end, own in column.runs(first, last):
                self._point(own + delta)
                self._raw.extend(column._raw[start:end])
            return
        values = column.whole() if isinstance(column, OffsetColumn) else column
        self._point(delta)
        piece = values[first:last]
        self._raw.extend(piece if isinstance(piece, array) else array("q", piece))

    def add(self, values: Sequence[int]) -> None:
        """New values, as they are."""
        self._point(0)
        self._raw.extend(values if isinstance(values, array) else array("q", values))

    def _point(self, delta: int) -> None:
        if self._deltas and self._deltas[-1] == delta:
            return
        if self._points and self._points[-1] == len(self._raw):
            self._deltas[-1] = delta  # the run before was empty
            if len(self._deltas) > 1 and self._deltas[-2] == delta:
                self._points.pop()
                self._deltas.pop()
            return
        self._points.append(len(self._raw))
        self._deltas.append(delta)

    def build(self) -> OffsetColumn:
        if not self._points:
            return OffsetColumn(self._raw, [0], [0])
        column = OffsetColumn(self._raw, self._points, self._deltas)
        if len(self._points) > MAX_POINTS:
            return OffsetColumn(column.whole(), [0], [0])
        return column
