"""The key index of an IIS 6 metabase: where every key is, its type and its path.

A metabase is a flat list of keys under ``<MBProperty>``.  Files with tens of thousands of sites
hold hundreds of thousands of keys, so the index is built by one regular-expression pass
(:mod:`metaclone.iis6.key_scan`) that matches each key whole (start tag to end tag) and keeps
only plain columns: offsets in arrays, types and paths in lists.  :class:`MetabaseKey` values,
line numbers and properties are made only for the keys an operation touches.

The pass recognises keys whose ``Location`` is their first attribute, as IIS writes them, with
any content (comments, CDATA, ``<Custom>`` children) except an element of the key's own name.
Anything else at the top level (a key with Location further on, a nested key of the same type,
a key without Location) makes the whole index come from the exact scanner instead, which tracks
depth tag by tag; both give the same index.
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections import Counter
from collections.abc import Collection, Sequence
from typing import NamedTuple, Protocol

import attrs

from metaclone.iis6.key_groups import grouped_under, lines_at
from metaclone.iis6.key_paths import SEARCHES_BEFORE_GROUPING, PathIndex, joined_paths, positions_at
from metaclone.iis6.key_text import KeyText
from metaclone.iis6.names import NameCounts, server_comment_keys
from metaclone.lossless import Attribute, Element, Tag, TagKind
from metaclone.lossless.columns import OffsetColumn
from metaclone.lossless.shift import TextReader
from metaclone.model.build import grouped
from metaclone.model.lookup import SITE_SERVICES, site_path_pattern
from metaclone.model.sites import SiteKind

#: Element that ``iiscnfg /export /inherited`` adds beside the keys; it has no Location.
INHERITED_PROPERTIES = "IIsInheritedProperties"


@attrs.frozen
class Service:
    """An IIS 6 service whose keys at ``/LM/<name>/<id>`` are sites."""

    kind: SiteKind
    name: str  # W3SVC / MSFTPSVC, as IIS spells it
    key_type: str
    plain_protocol: str


WEB = Service(SiteKind.WEB, SITE_SERVICES[SiteKind.WEB], "IIsWebServer", "http")
FTP = Service(SiteKind.FTP, SITE_SERVICES[SiteKind.FTP], "IIsFtpServer", "ftp")
SERVICES = {SiteKind.WEB: WEB, SiteKind.FTP: FTP}
SERVICE_BY_FOLDED_NAME = {s.name.lower(): s for s in SERVICES.values()}
SITE_KEY_TYPES = frozenset(s.key_type for s in SERVICES.values())
# Matched against paths as written: ASCII-only case folding is what lower() does to them.
SITE_PATH = re.compile(site_path_pattern(), re.ASCII | re.IGNORECASE)


@attrs.frozen
class MetabaseKey:
    """One key: its type (element name), its path as written, and where it sits in the text."""

    key_type: str
    location: str
    start: int
    tag_end: int
    end: int
    empty: bool = False
    line: int = 0
    #: Where the end tag starts (``end`` for an empty-element key).
    end_tag_start: int = -1

    @property
    def start_tag(self) -> Tag:
        return Tag(
            TagKind.EMPTY if self.empty else TagKind.START, self.key_type, self.start, self.tag_end
        )

    @property
    def element(self) -> Element:
        if self.empty:
            return Element(self.start_tag, None)
        return Element(
            self.start_tag, Tag(TagKind.END, self.key_type, self.end_tag_start, self.end)
        )

    @property
    def folded(self) -> str:
        return self.location.lower()


class ServerKeyEntry(NamedTuple):
    """A site's server key, by its place in a :class:`KeyTable`."""

    service: Service
    id: int
    segment: str  # the id's digits as written in Location
    position: int  # index of the server key in the table
    table: KeyTable

    @property
    def key(self) -> MetabaseKey:
        return self.table.key(self.position)

    @property
    def start(self) -> int:
        return self.table.start(self.position)

    @property
    def line(self) -> int:
        return self.table.line_at(self.start)


class KeySource(Protocol):
    """The keys of a metabase and their properties, as the readers above the index use them
    (:class:`~metaclone.iis6.metabase.MetabaseDocument` is one)."""

    @property
    def keys(self) -> tuple[MetabaseKey, ...]: ...

    def key(self, location: str) -> MetabaseKey | None: ...

    def keys_under(self, location: str) -> tuple[MetabaseKey, ...]: ...

    def properties(self, key: MetabaseKey) -> dict[str, Attribute]: ...

    def inherited(self, service: Service = ...) -> dict[str, str]: ...

    def key_value_reader(self, names: tuple[str, ...]) -> ValueReader: ...


class ValueReader(Protocol):
    """The properties of the keys of a table as a reader asks for them in file order (see
    :class:`metaclone.iis6.key_values.KeyValueReader`)."""

    def values(self, position: int) -> dict[str, str] | None: ...

    def values_of(self, positions: Sequence[int]) -> dict[int, dict[str, str]]: ...


def _whole(column: array[int] | OffsetColumn) -> array[int]:
    return column.whole() if isinstance(column, OffsetColumn) else column


# -- the table -------------------------------------------------------------------------------


class KeyTable(KeyText):
    """Every key of one version of the text, by position (document order).

    ``locations`` holds the paths as written (decoded), ``folded`` in lower case, as IIS
    compares them.  Key values, types and line numbers are made when first asked for and kept.
    """

    def __init__(
        self,
        text: str | TextReader,
        starts: array[int] | OffsetColumn,
        ends: array[int] | OffsetColumn,
        locations: list[str],
        *,
        site_positions: Sequence[int],
        types: list[str] | None = None,
    ) -> None:
        # A table brought through an edit reads the document as the edit left it.
        super().__init__(text)
        self._starts = starts
        self._ends = ends
        self.locations = locations
        #: The lookups by path (brought through edits with the table).
        self.paths = PathIndex(locations)
        self._site_positions = site_positions
        self._types = types
        self._keys: dict[int, MetabaseKey] = {}
        self._lookups: Counter[str] = Counter()
        self._under_every: dict[str, dict[str, list[int]]] = {}
        #: The content of ``<MBProperty>`` the table was built on (None: not known).
        self.content: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self._starts)

    def release(self) -> None:
        """Let go of the text and of the searches built on the paths (the table is kept only
        to be brought through an edit, which needs neither): while the text after the edit is
        made, they would be held beside both texts."""
        self._let_go_of_text()
        self.paths.release()
        self._under_every = {}

    @property
    def starts(self) -> array[int]:
        """Where each key starts, by position (for a reader that goes through them all)."""
        return _whole(self._starts)

    @property
    def ends(self) -> array[int]:
        """Where each key ends, by position (for a reader that goes through them all)."""
        return _whole(self._ends)

    @property
    def columns(self) -> tuple[Sequence[int], Sequence[int]]:
        """:attr:`starts` and :attr:`ends` as kept through edits, read value by value."""
        return self._starts, self._ends

    @property
    def site_positions(self) -> Sequence[int]:
        """The positions of the keys that may be server keys (see :attr:`site_entries`)."""
        return self._site_positions

    @property
    def from_fast_pass(self) -> bool:
        """Whether the fast pass made this index (else the exact scanner did)."""
        return self._types is None

    def start(self, position: int) -> int:
        return self._starts[position]

    @property
    def folded(self) -> list[str]:
        """Every path in lower case, as IIS compares them."""
        return self.paths.folded()

    def key(self, position: int) -> MetabaseKey:
        """The key at ``position``."""
        found = self._keys.get(position)
        if found is not None:
            return found
        start, end = self._starts[position], self._ends[position]
        tag = self.start_tag(position)
        empty = tag.kind is TagKind.EMPTY
        found = MetabaseKey(
            tag.name,
            self.locations[position],
            start,
            tag.end,
            end,
            empty,
            self.line_at(start),
            end if empty else self.end_tag_start(position),
        )
        self._keys[position] = found
        return found

    def end(self, position: int) -> int:
        """Where the key at ``position`` ends (after its end tag)."""
        return self._ends[position]

    def many_lookups(self, kind: str) -> bool:
        """Count a lookup of ``kind`` (the applications of a site, say); whether there were
        enough of them that reading the whole table at once pays."""
        self._lookups[kind] += 1
        return self._lookups[kind] > SEARCHES_BEFORE_GROUPING

    def position_at(self, offset: int) -> int:
        """The position of the last key that starts at or before ``offset`` (-1: none)."""
        return bisect.bisect_right(self._starts, offset) - 1

    def first(self, location: str) -> int | None:
        """The position of the first key whose path is ``location`` (any case)."""
        return self.paths.first(location)

    def count(self, location: str) -> int:
        """How many keys have the path ``location`` (any case)."""
        return self.paths.count(location)

    def positions_under(self, location: str) -> list[int]:
        """Positions of the keys at or below ``location`` (segment-exact, any case)."""
        return self.paths.positions_under(location)

    def positions_under_every(self, segment: str) -> dict[str, list[int]]:
        """:meth:`positions_under` of ``<path>/<segment>`` for every path of three segments
        (``/LM/W3SVC/1``) at once, by that location folded: one search of the paths, for a
        reader that goes through every site (``segment`` is compared in any case)."""
        found = self._under_every.get(segment)
        if found is None:
            # Joined once more when no lookup kept them: a reader of every site needs no more.
            joined = self.paths.joined
            found = self._under_every[segment] = grouped_under(joined, segment)
        return found

    def used_ids(self, service: Service) -> Collection[int]:
        """Every id used by a key at or below ``/LM/<service>/<id>``."""
        return self.paths.used_ids(service.name)

    @functools.cached_property
    def names(self) -> NameCounts:
        """The ServerComment names of the keys (an edit brings them through)."""
        return NameCounts(server_comment_keys(self.text, *(self.content or (0, len(self.text)))))

    @functools.cached_property
    def site_entries(self) -> tuple[ServerKeyEntry, ...]:
        """The web and FTP sites: ``IIsWebServer`` keys at ``/LM/W3SVC/<id>``, and so on."""
        return tuple(filter(None, map(self._site_entry, self._site_positions)))

    def _site_entry(self, position: int) -> ServerKeyEntry | None:
        """The site whose server key is at ``position`` (None: that key is none)."""
        site_match = SITE_PATH.fullmatch(self.locations[position])
        if site_match is None:
            return None
        service = SERVICE_BY_FOLDED_NAME[site_match.group(1).lower()]
        if self._types is None:
            # The fast pass lists only server keys here: the name tells which service.
            if not self.key_starts_with(position, service.key_type):
                return None
        elif self._types[position] != service.key_type:
            return None
        segment = site_match.group(2)
        return ServerKeyEntry(service, int(segment), segment, position, self)

    def site_entries_with_id(self, site_id: int) -> tuple[ServerKeyEntry, ...]:
        """``site_entries_by_id.get(site_id, ())``; until every site is listed, found by one
        search of the paths, so that selecting a site reads no other.  Many lookups (the
        applications of every site, say) read the groups of the paths by site instead."""
        if "site_entries" in self.__dict__:
            return self.site_entries_by_id.get(site_id, ())
        grouped = self.paths.site_path_positions(site_id)
        if grouped is not None:
            # The fast pass lists the keys of a site's type among site_positions only.
            servers = self._site_positions
            return tuple(filter(None, (self._site_entry(p) for p in grouped if _holds(servers, p))))
        pattern = re.compile(rf"\0/lm/(?:w3svc|msftpsvc)/0*{site_id}(?=\0)")
        # Among the paths of the keys that may be server keys only (a tenth of the paths),
        # joined for this search and let go of after it.
        servers = self._site_positions
        paths = joined_paths(map(self.locations.__getitem__, servers))
        found = positions_at(paths, (match.start() + 1 for match in pattern.finditer(paths)))
        return tuple(filter(None, (self._site_entry(servers[at]) for at in found)))

    def site_entry_at(self, service: Service, site_id: int, line: int) -> ServerKeyEntry | None:
        """The first site of ``service`` with id ``site_id`` whose server key starts on
        ``line`` (None: none), by the lines of the server keys, counted once for all lookups."""
        positions, lines = self._site_positions, self._site_lines
        for at in range(bisect.bisect_left(lines, line), bisect.bisect_right(lines, line)):
            entry = self._site_entry(positions[at])
            if entry is not None and entry.service is service and entry.id == site_id:
                return entry
        return None

    @functools.cached_property
    def _site_lines(self) -> array[int]:
        """The line each key of :attr:`site_positions` starts on."""
        return lines_at(self.text, map(self._starts.__getitem__, self._site_positions))

    @functools.cached_property
    def site_entries_by_id(self) -> dict[int, tuple[ServerKeyEntry, ...]]:
        """:attr:`site_entries` by id (web and FTP sites may share one)."""
        return grouped((entry.id, entry) for entry in self.site_entries)


def _holds(ascending: Sequence[int], value: int) -> bool:
    at = bisect.bisect_left(ascending, value)
    return at < len(ascending) and ascending[at] == value
