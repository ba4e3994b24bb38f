"""The location blocks and customMetadata keys of an index brought through an edit, held as
columns.

A file of tens of thousands of sites has about as many ``<location>`` blocks and
customMetadata keys, and an edit moves nearly all of them by the length the patches before
them added or removed.  :class:`ReferenceColumns` keeps the values each entry was read with
(a path, a site id) in lists copied run by run, and its offsets in
:class:`~metaclone.lossless.columns.OffsetColumn` s moved by a delta recorded once a run, as
:mod:`metaclone.iis7.site_columns` does for the sites; an entry is made only when read.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from metaclone.iis7.references import LocationEntry, MetadataKey
from metaclone.lossless.columns import ColumnBuilder, OffsetColumn

__all__ = ["ReferenceColumns", "ReferenceColumnsBuilder", "key_columns", "location_columns"]

_Entry = TypeVar("_Entry", LocationEntry, MetadataKey)


class _Kind(Generic[_Entry]):
    """How an entry is made from its columns: ``make(*values, start, content_start,
    content_end, end)``, ``values`` read from an entry by ``fields``."""

    __slots__ = ("fields", "make", "width")

    def __init__(self, make: Callable[..., _Entry], *names: str) -> None:
        self.make: Callable[..., _Entry] = make
        self.width = len(names)
        self.fields = tuple(map(operator.attrgetter, names))


_OFFSETS = tuple(map(operator.attrgetter, ("start", "content_start", "content_end", "end")))


_LOCATION: _Kind[LocationEntry] = _Kind(LocationEntry, "path")
_KEY: _Kind[MetadataKey] = _Kind(MetadataKey, "path", "site_id")


class ReferenceColumns(Sequence[_Entry]):
    """Location blocks or customMetadata keys as columns: a sequence of their entries."""

    __slots__ = ("_kind", "content_ends", "content_starts", "ends", "starts", "values")

    def __init__(
        self,
        kind: _Kind[_Entry],
        values: tuple[list[Any], ...],
        offsets: tuple[OffsetColumn, OffsetColumn, OffsetColumn, OffsetColumn],
    ) -> None:
        self._kind: _Kind[_Entry] = kind
        #: The values each entry was read with, a list per field (``path``, ``site_id``).
        self.values = values
        self.starts, self.content_starts, self.content_ends, self.ends = offsets

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, position: int) -> _Entry: ...

    @overload
    def __getitem__(self, position: slice) -> tuple[_Entry, ...]: ...

    def __getitem__(self, position: int | slice) -> _Entry | tuple[_Entry, ...]:
        if isinstance(position, slice):
            return tuple(self[p] for p in range(*position.indices(len(self))))
        return self._kind.make(
            *(column[position] for column in self.values),
            self.starts[position],
            self.content_starts[position],
            self.content_ends[position],
            self.ends[position],
        )

    def __iter__(self) -> Iterator[_Entry]:
        # Lazily: a reader that stops early makes no other entry.
        return itertools.starmap(
            self._kind.make,
            zip(
                *self.values,
                self.starts,
                self.content_starts,
                self.content_ends,
                self.ends,
                strict=True,
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


class ReferenceColumnsBuilder(Generic[_Entry]):
    """Builds :class:`ReferenceColumns` from runs of other entries (moved) and new entries."""

    __slots__ = ("_kind", "_offsets", "_values")

    def __init__(self, kind: _Kind[_Entry]) -> None:
        self._kind: _Kind[_Entry] = kind
        self._values: tuple[list[Any], ...] = tuple([] for _ in range(kind.width))
        self._offsets = (ColumnBuilder(), ColumnBuilder(), ColumnBuilder(), ColumnBuilder())

    def keep(self, entries: Sequence[_Entry], first: int, last: int, delta: int) -> None:
        """Entries ``first..last`` of ``entries``, each moved by ``delta``."""
        if not isinstance(entries, ReferenceColumns):
            self.add(entries[first:last], delta)
            return
        for values, column in zip(self._values, entries.values, strict=True):
            values.extend(column[first:last])
        columns = (entries.starts, entries.content_starts, entries.content_ends, entries.ends)
        for builder, offsets in zip(self._offsets, columns, strict=True):
            builder.keep(offsets, first, last, delta)

    def add(self, entries: Sequence[_Entry], delta: int = 0) -> None:
        """``entries``, each moved by ``delta``."""
        # A field at a time, each read in one pass in C (see SiteColumnsBuilder.add).
        for values, field in zip(self._values, self._kind.fields, strict=True):
            values.extend(map(field, entries))
        for builder, field in zip(self._offsets, _OFFSETS, strict=True):
            offsets = array("q", map(field, entries))
            builder.keep(offsets, 0, len(offsets), delta)

    def build(self) -> ReferenceColumns[_Entry]:
        starts, content_starts, content_ends, ends = (b.build() for b in self._offsets)
        offsets = (starts, content_starts, content_ends, ends)
        return ReferenceColumns(self._kind, self._values, offsets)


def location_columns() -> ReferenceColumnsBuilder[LocationEntry]:
    """A builder of location blocks."""
    return ReferenceColumnsBuilder(_LOCATION)


def key_columns() -> ReferenceColumnsBuilder[MetadataKey]:
    """A builder of customMetadata keys."""
    return ReferenceColumnsBuilder(_KEY)
