"""The lookups of an index brought through an edit: each made from the one the index before
the edit had, moved, instead of from the whole new text.

The location blocks and customMetadata keys are kept as columns
(:mod:`metaclone.iis7.reference_columns`), runs moved by a delta and only the stretches the
edit touched read again; the groupings (sites by id and by name, location blocks by site,
customMetadata keys by site id) change only for the entries the edit removed or added
(:meth:`~metaclone.model.build.PositionGroups.moved`); the highest id in use follows the ids
added, and is looked for again only when the edit removed the last use of it.  Each is made
when first asked for, from the lookup the index before the edit had made or carried.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from metaclone.iis7.index import LocationEntry, SiteElement, SiteIndex
from metaclone.iis7.reference_columns import (
    ReferenceColumns,
    ReferenceColumnsBuilder,
    key_columns,
    location_columns,
)
from metaclone.iis7.references import locations_between, metadata_keys_between
from metaclone.iis7.site_columns import SiteColumns
from metaclone.lossless import Element, Tag, TagKind
from metaclone.lossless.shift import Shift
from metaclone.lossless.text_edit import Kept, Reread, TextEdit, plan
from metaclone.model.build import PositionGroups, paused_garbage_collection
from metaclone.model.rules import name_key

__all__ = ["Carried", "Moves", "holder", "rebase_columns"]

_Entry = TypeVar("_Entry")


class ColumnsBuilder(Protocol[_Entry]):
    """What :func:`rebase_columns` builds with: runs of entries kept (moved) and entries read."""

    def keep(self, entries: Sequence[_Entry], first: int, last: int, delta: int) -> None: ...

    def add(self, entries: Sequence[_Entry], delta: int = 0) -> None: ...

    def build(self) -> Sequence[_Entry]: ...


def holder(start: int, end: int) -> Element:
    """An element whose content is ``start..end``: what the child readers take."""
    return Element(Tag(TagKind.START, "", start, start), Tag(TagKind.END, "", end, end))


def rebase_columns(
    entries: Sequence[Any],
    parent: Element,
    shift: Shift,
    rescan: Callable[[int, int], Sequence[_Entry]],
    new_builder: Callable[[], ColumnsBuilder[_Entry]],
) -> tuple[Sequence[_Entry], list[Reread], Moves]:
    """The children ``entries`` of ``parent`` in the new text (see :func:`plan`) as columns
    (made by ``new_builder()``), the stretches read again, and where the entries kept went:
    the runs kept are copied, not made again entry by entry."""
    columns: Sequence[_Entry] = entries
    if not isinstance(columns, SiteColumns | ReferenceColumns):
        # Entries a fresh index read: made columns once, each field in one pass.
        whole = new_builder()
        whole.add(entries)
        columns = whole.build()
    if not isinstance(columns, SiteColumns | ReferenceColumns):
        raise TypeError("a columns builder builds columns")
    builder = new_builder()
    steps = plan(columns.starts, columns.ends, shift, (parent.content_start, parent.content_end))
    kept: list[tuple[int, int, int]] = []
    count = 0
    for step in steps:
        if isinstance(step, Kept):
            kept.append((step.first, step.last, count))
            builder.keep(columns, step.first, step.last, step.delta)
            count += step.last - step.first
        else:
            found = rescan(step.new_start, step.new_end)
            builder.add(found)
            count += len(found)
    moves = Moves(kept, len(entries), count)
    return builder.build(), [step for step in steps if isinstance(step, Reread)], moves


class Moves:
    """Where the runs of items an edit kept went: ``kept`` holds (first, last, new first)."""

    __slots__ = ("kept", "new_count", "old_count")

    def __init__(self, kept: list[tuple[int, int, int]], old_count: int, new_count: int) -> None:
        self.kept = kept
        self.old_count = old_count
        self.new_count = new_count

    def replaced(self) -> tuple[list[int], list[int]]:
        """The old positions of the items read again, and the new positions of those read."""
        bounds = [(first, last) for first, last, _ in self.kept]
        new_bounds = [(new, new + last - first) for first, last, new in self.kept]
        return _outside(bounds, self.old_count), _outside(new_bounds, self.new_count)


def _outside(runs: list[tuple[int, int]], count: int) -> list[int]:
    """The positions below ``count`` in none of the ascending ``runs``."""
    found: list[int] = []
    position = 0
    for first, last in [*runs, (count, count)]:
        found.extend(range(position, first))
        position = last
    return found


class _Edit(Generic[_Entry]):
    """What an edit did to a list of entries: the runs it kept, the entries it removed (with
    their old positions) and the new positions of those it added."""

    __slots__ = ("added", "gone", "moves")

    def __init__(self, moves: Moves, old: Sequence[_Entry]) -> None:
        removed, self.added = moves.replaced()
        self.moves = moves
        self.gone = [(old[position], position) for position in removed]


_NO_EDIT: _Edit[Any] = _Edit(Moves([], 0, 0), ())

#: What the groupings group by: None leaves an entry out.
_SITE_ID = operator.attrgetter("id")
_KEY_SITE_ID = operator.attrgetter("site_id")


def _name_key_of(entry: SiteElement) -> str:
    return name_key(entry.name)


def _site_name_key_of(location: LocationEntry) -> str | None:
    site_name = location.site_name
    return None if site_name is None else name_key(site_name)


#: The lookups an index brings through an edit, by the name :meth:`SiteIndex.known` takes.
LOOKUPS = (
    "id_groups",
    "name_groups",
    "locations",
    "locations_by_site",
    "metadata_keys",
    "key_groups",
    "highest_id",
    "orphan_keys",
)


class Carried:
    """The lookups of an index rebased from ``index`` (whose sites the edit turned into
    ``sites`` by ``moves``), each made when first asked for from the one ``index`` had (or
    had carried).  Holds those values, never the older text."""

    def __init__(
        self,
        index: SiteIndex,
        shift: Shift,
        sites: Sequence[SiteElement],
        moves: Moves,
        edit: TextEdit | None,
    ) -> None:
        self._old = {name: index.known(name) for name in LOOKUPS}
        self._configuration = index.configuration
        self._metadata = index.metadata_element
        self._shift = shift
        self._sites = sites
        #: What the edit did to the sites, the location blocks and the keys (the last two
        #: once they are moved).
        self._edits: dict[str, _Edit[Any]] = {"sites": _Edit(moves, index.sites)}
        self._made: dict[str, object] = {}
        #: The text after the edit, read by windows around the stretches read again.
        self._edit = edit

    def release(self) -> None:
        """Let go of the text: lookups not made yet are no longer carried."""
        self._edit = None
        self._old = dict.fromkeys(self._old)
        self._edits.clear()

    def __call__(self, name: str) -> object | None:
        if name not in self._made:
            with paused_garbage_collection():
                self._made[name] = self._make(name)
            self._old[name] = None  # what it was made from is no longer needed
        return self._made[name]

    def _make(self, name: str) -> object | None:
        old = self._old[name]
        if old is None:
            return None
        if name == "locations":
            return self._references(name, old, self._configuration, locations_between)
        if name == "metadata_keys":
            return self._references(name, old, self._metadata, metadata_keys_between)
        if name == "id_groups":
            return self._moved(old, self._sites, "sites", _SITE_ID)
        if name == "name_groups":
            return self._moved(old, self._sites, "sites", _name_key_of)
        if name == "locations_by_site":
            return self._moved(old, self("locations"), "locations", _site_name_key_of)
        if name == "key_groups":
            return self._moved(old, self("metadata_keys"), "metadata_keys", _KEY_SITE_ID)
        if name == "highest_id":
            return self._highest(old)
        if name == "orphan_keys":
            return self._orphans(old)
        return None

    def _references(
        self,
        name: str,
        old: Sequence[Any],
        parent: Element | None,
        read: Callable[[str, Element], Sequence[Any]],
    ) -> Sequence[Any]:
        """The location blocks or keys ``old`` moved, the stretches the edit touched read
        again by ``read``; what the edit did to them is kept for their groupings."""
        if parent is None:
            self._edits[name] = _NO_EDIT  # no such section: none before, none after
            return old
        assert self._edit is not None  # released: every lookup not made is dropped
        excerpt = self._edit.excerpt

        def reread(start: int, end: int) -> list[Any]:
            # The stretch alone (the readers' patterns have no anchor or look-behind), and
            # what it holds moved to the text's offsets.
            return [
                item.moved_by(start) for item in read(excerpt(start, end), holder(0, end - start))
            ]

        new_builder: Callable[[], ReferenceColumnsBuilder[Any]] = (
            location_columns if name == "locations" else key_columns
        )
        moved, _, moves = rebase_columns(old, parent, self._shift, reread, new_builder)
        self._edits[name] = _Edit(moves, old)
        return moved

    def _moved(
        self,
        groups: PositionGroups[Any, Any],
        entries: object | None,
        edited: str,
        key_of: Callable[[Any], Any],
    ) -> PositionGroups[Any, Any] | None:
        """``groups`` of the entries before the edit ``edited`` made ``entries`` of them."""
        edit = self._edits.get(edited)
        if edit is None or not isinstance(entries, Sequence):
            return None
        removed = [(key, p) for entry, p in edit.gone if (key := key_of(entry)) is not None]
        added = [(key, p) for p in edit.added if (key := key_of(entries[p])) is not None]
        return groups.moved(entries, edit.moves.kept, removed, added)

    def _orphans(self, old: frozenset[str]) -> frozenset[str] | None:
        """The sites location blocks configure and no site has: those of ``old`` and those
        whose blocks or sites the edit removed or added, if blocks configure them and no site
        has them now."""
        by_site, by_name = self("locations_by_site"), self("name_groups")
        locations = self._made.get("locations")
        sites_edit, locations_edit = self._edits.get("sites"), self._edits.get("locations")
        if (
            not isinstance(by_site, PositionGroups)
            or not isinstance(by_name, PositionGroups)
            or not isinstance(locations, Sequence)
            or sites_edit is None
            or locations_edit is None
        ):
            return None
        touched = {
            *old,
            *(_name_key_of(entry) for entry, _ in sites_edit.gone),
            *(_name_key_of(self._sites[p]) for p in sites_edit.added),
            *(_site_name_key_of(entry) for entry, _ in locations_edit.gone),
            *(_site_name_key_of(locations[p]) for p in locations_edit.added),
        }
        return frozenset(
            key for key in touched if key is not None and key in by_site and key not in by_name
        )

    def _highest(self, old: int) -> int | None:
        """The highest id in use: ``old`` or a higher one the edit added, unless the edit
        removed every use of ``old`` (then looked for again among the ids in use)."""
        by_id, by_key = self("id_groups"), self("key_groups")
        keys = self._made.get("metadata_keys")
        sites_edit, keys_edit = self._edits.get("sites"), self._edits.get("metadata_keys")
        if (
            not isinstance(by_id, PositionGroups)
            or not isinstance(by_key, PositionGroups)
            or not isinstance(keys, Sequence)
            or sites_edit is None
            or keys_edit is None
        ):
            return None
        if old and old not in by_id and old not in by_key:
            highest: int = max(itertools.chain(by_id.keys(), by_key.keys()), default=0)
            return highest
        added: Iterator[int] = itertools.chain(
            (self._sites[p].id for p in sites_edit.added),
            (site_id for p in keys_edit.added if (site_id := keys[p].site_id) is not None),
        )
        return max(itertools.chain((old,), added))
