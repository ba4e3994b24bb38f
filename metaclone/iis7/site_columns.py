"""The sites of an index brought through an edit, held as columns.

After an edit of a file with tens of thousands of sites, nearly every site is where it was,
moved by the length the patches before it added or removed.  :class:`SiteColumns` keeps their
ids, names and ``serverAutoStart`` values in lists copied run by run, and their offsets in
:class:`~metaclone.lossless.columns.OffsetColumn` s moved by a delta recorded once a run; a
:class:`~metaclone.iis7.index.SiteElement` is made only for the sites a reader asks for.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterator, Sequence
from typing import overload

from metaclone.iis7.index import SiteElement
from metaclone.lossless.columns import ColumnBuilder, OffsetColumn

__all__ = ["SiteColumns", "SiteColumnsBuilder"]


class SiteColumns(Sequence[SiteElement]):
    """Sites (never appcmd's wrapped ones) as columns: a sequence of their entries."""

    __slots__ = ("autos", "content_ends", "content_starts", "ends", "ids", "names", "starts")

    def __init__(  # noqa: PLR0917 (the columns, in the order of SiteElement's fields)
        self,
        ids: list[int],
        names: list[str],
        starts: OffsetColumn,
        content_starts: OffsetColumn,
        content_ends: OffsetColumn,
        ends: OffsetColumn,
        autos: list[str | None],
    ) -> None:
        self.ids = ids
        self.names = names
        self.starts = starts
        self.content_starts = content_starts
        self.content_ends = content_ends
        self.ends = ends
        self.autos = autos

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, position: int) -> SiteElement: ...

    @overload
    def __getitem__(self, position: slice) -> tuple[SiteElement, ...]: ...

    def __getitem__(self, position: int | slice) -> SiteElement | tuple[SiteElement, ...]:
        if isinstance(position, slice):
            return tuple(self[p] for p in range(*position.indices(len(self.ids))))
        return SiteElement(
            self.ids[position],
            self.names[position],
            self.starts[position],
            self.content_starts[position],
            self.content_ends[position],
            self.ends[position],
            None,
            self.autos[position],
        )

    def __iter__(self) -> Iterator[SiteElement]:
        # Lazily: a reader that stops at the first site it wants makes no other entry.
        for site_id, name, start, content_start, content_end, end, auto in zip(
            self.ids,
            self.names,
            self.starts,
            self.content_starts,
            self.content_ends,
            self.ends,
            self.autos,
            strict=True,
        ):
            yield SiteElement(site_id, name, start, content_start, content_end, end, None, auto)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


_ID = operator.attrgetter("id")
_NAME = operator.attrgetter("name")
_AUTO = operator.attrgetter("server_auto_start")
_OFFSETS = tuple(map(operator.attrgetter, ("start", "content_start", "content_end", "end")))


class SiteColumnsBuilder:
    """Builds :class:`SiteColumns` from runs of other sites (moved) and new entries."""

    __slots__ = ("_autos", "_ids", "_names", "_offsets")

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._names: list[str] = []
        self._autos: list[str | None] = []
        self._offsets = (ColumnBuilder(), ColumnBuilder(), ColumnBuilder(), ColumnBuilder())

    def keep(self, sites: Sequence[SiteElement], first: int, last: int, delta: int) -> None:
        """Sites ``first..last`` of ``sites``, each moved by ``delta``."""
        if not isinstance(sites, SiteColumns):
            self.add(sites[first:last], delta)
            return
        self._ids.extend(sites.ids[first:last])
        self._names.extend(sites.names[first:last])
        self._autos.extend(sites.autos[first:last])
        columns = (sites.starts, sites.content_starts, sites.content_ends, sites.ends)
        for builder, column in zip(self._offsets, columns, strict=True):
            builder.keep(column, first, last, delta)

    def add(self, entries: Sequence[SiteElement], delta: int = 0) -> None:
        """``entries``, each moved by ``delta``."""
        # A field at a time, each read in one pass in C: a fresh index's sites are made
        # columns on their first edit.
        self._ids.extend(map(_ID, entries))
        self._names.extend(map(_NAME, entries))
        self._autos.extend(map(_AUTO, entries))
        for builder, field in zip(self._offsets, _OFFSETS, strict=True):
            values = array("q", map(field, entries))
            builder.keep(values, 0, len(values), delta)

    def build(self) -> SiteColumns:
        starts, content_starts, content_ends, ends = (b.build() for b in self._offsets)
        return SiteColumns(
            self._ids, self._names, starts, content_starts, content_ends, ends, self._autos
        )
