"""Bringing a :class:`~metaclone.iis7.index.SiteIndex` through an edit instead of building it
again.

A clone, rename, delete or start/stop patches a few places of a file with tens of thousands of
sites.  The index of the new text keeps every site, location block and customMetadata key the
patches left alone (moved by what the patches before it added or removed) and reads again only
the stretch between the untouched neighbours of each patch, with the same readers a fresh
index uses; what it gives is exactly what indexing the new text gives.  Anything else (a patch
on the tags of ``<sites>``, ``<customMetadata>`` or the root, appcmd's wrappers) builds the
index again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from metaclone.errors import ParseError
from metaclone.iis7.children import attributes_of, child_spans
from metaclone.iis7.index import (
    LocationEntry,
    MetadataKey,
    SiteElement,
    SiteIndex,
    application_defaults_in,
    entry_from_span,
    entry_identity,
    locations_between,
    metadata_keys_between,
)
from metaclone.iis7.site_columns import SiteColumns, SiteColumnsBuilder
from metaclone.lossless import Element, Tag, TagKind
from metaclone.lossless.shift import Kept, Reread, Shift, TextEdit, plan
from metaclone.model.build import PositionGroups, grouped, paused_garbage_collection
from metaclone.model.lookup import Groups, SiteTable
from metaclone.model.rules import name_key

__all__ = ["rebase_index", "release_index"]


class _Spanned(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_Item = TypeVar("_Item", bound=_Spanned)

#: Markup whose presence between sites changes the collection defaults the index holds.
_SITES_LEVEL_DEFAULTS = "<applicationDefaults"


def rebase_index(index: SiteIndex, edit: TextEdit) -> SiteIndex | None:
    """``index`` for the text ``edit`` made, or None when it must be built again."""
    # Tens of thousands of acyclic values: see paused_garbage_collection.
    with paused_garbage_collection():
        return _rebased(index, edit)


def _rebased(index: SiteIndex, edit: TextEdit) -> SiteIndex | None:
    if index.configuration is None or index.problems or index.sites_element is None:
        return None  # appcmd XML: wrappers and their problems are read again
    shift = Shift(edit.patches)
    configuration = shift.parent(index.configuration)
    sites_element = shift.parent(index.sites_element)
    if configuration is None or sites_element is None:
        return None
    sections = [index.metadata_element, index.pools_element]
    moved_sections = [None if s is None else shift.parent(s) for s in sections]
    if any(
        old is not None and new is None for old, new in zip(sections, moved_sections, strict=True)
    ):
        return None
    source = _Located(edit)

    def rescan_sites(start: int, end: int) -> list[SiteElement]:
        # The stretch alone, read as the whole text reads it (the child pattern has no anchor
        # or look-behind), and the entries moved to the text's offsets.
        window = edit.excerpt(start, end)
        return [
            entry_from_span(source, _moved_span(span, start), attributes_of(span[4]))
            for span in child_spans(window, _holder(0, end - start), "site")
        ]

    try:
        sites, stretches, site_moves = _rebase_sites(
            index.sites, index.sites_element, shift, rescan_sites
        )
    except _RebuildError:
        return None
    defaults = (index.default_pool, index.default_protocols)
    if any(
        edit.text_before(old_start, old_end).find(_SITES_LEVEL_DEFAULTS) >= 0
        or edit.excerpt(new_start, new_end).find(_SITES_LEVEL_DEFAULTS) >= 0
        for old_start, old_end, new_start, new_end in (
            (r.old_start, r.old_end, r.new_start, r.new_end) for r in stretches
        )
    ):
        defaults = application_defaults_in(edit.text, sites_element, sites)
    kept_sites = sites
    rebased = SiteIndex(
        version=edit.version,
        sites_element=sites_element,
        sites=kept_sites,
        metadata_element=moved_sections[0],
        pools_element=moved_sections[1],
        default_pool=defaults[0],
        default_protocols=defaults[1],
        configuration=configuration,
        text="" if edit.reader is not None else edit.text,
        reader=edit.reader,
        carried=_Carried(index, shift, (kept_sites, site_moves), edit),
    )
    return rebased


def _rebase_sites(
    sites: Sequence[SiteElement],
    parent: Element,
    shift: Shift,
    rescan: Callable[[int, int], list[SiteElement]],
) -> tuple[SiteColumns, list[Reread], _Moves]:
    """:func:`_rebase_children` of the sites, as columns: the runs kept are copied, not made
    again entry by entry."""
    if isinstance(sites, SiteColumns):
        starts: Sequence[int] = sites.starts
        ends: Sequence[int] = sites.ends
    else:
        starts, ends = [e.start for e in sites], [e.end for e in sites]
    steps = plan(starts, ends, shift, (parent.content_start, parent.content_end))
    builder = SiteColumnsBuilder()
    kept: list[tuple[int, int, int]] = []
    count = 0
    for step in steps:
        if isinstance(step, Kept):
            kept.append((step.first, step.last, count))
            builder.keep(sites, step.first, step.last, step.delta)
            count += step.last - step.first
        else:
            found = rescan(step.new_start, step.new_end)
            builder.add(found)
            count += len(found)
    moves = _Moves(kept, len(sites), count)
    return builder.build(), [step for step in steps if isinstance(step, Reread)], moves


def release_index(index: SiteIndex) -> None:
    """Let go of the text of ``index``, which an edit replaced: :func:`rebase_index` reads
    the text after the edit, and a lookup the index neither made nor carried is then made
    from that text (see :meth:`_Carried.release`)."""
    object.__setattr__(index, "_text", "")  # a frozen value, known to no one but its slot
    object.__setattr__(index, "reader", None)
    if isinstance(index.carried, _Carried):
        index.carried.release()


class _Carried:
    """The lookups of an index rebased from ``index``, made from those ``index`` had (or had
    carried) when first asked for.  Holds the values, never the older text."""

    def __init__(
        self,
        index: SiteIndex,
        shift: Shift,
        sites: tuple[Sequence[SiteElement], _Moves],
        edit: TextEdit | None,
    ) -> None:
        self._old = {name: index.known(name) for name in _LOOKUPS}
        self._configuration = index.configuration
        self._metadata = index.metadata_element
        self._shift = shift
        self._sites, moves = sites
        self._made: dict[str, object] = {}
        #: The text after the edit, read by windows around the stretches read again.
        self._edit = edit
        #: The groups the lookups made here hold, which the index after the next edit moves.
        self.groups: dict[str, _Groups] = {}
        held = index.carried.groups if isinstance(index.carried, _Carried) else {}
        # The site groups of ``index`` and what the edit did to its sites: only the sites
        # it replaced are grouped again.
        self._site_groups: tuple[_Groups, _Groups, _Moves, list[SiteElement]] | None = None
        if "by_id" in held and "by_name" in held:
            gone = [index.sites[position] for position in moves.replaced()[0]]
            self._site_groups = (held["by_id"], held["by_name"], moves, gone)
        # The location groups of ``index``; once the locations are moved, with what the edit
        # did to them.
        self._held_locations: _Groups | None = held.get("locations_by_site")
        self._location_groups: tuple[_Groups, _Moves, list[LocationEntry]] | None = None

    def release(self) -> None:
        """Let go of the text: lookups not made yet are no longer carried."""
        self._edit = None
        self._old = dict.fromkeys(self._old)
        self._site_groups = self._location_groups = self._held_locations = None

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
        if name == "table":
            return self._table(old)
        if name == "locations" and self._configuration is not None and self._edit is not None:
            return self._locations(old)
        if name == "locations_by_site":
            return self._locations_by_site(old)
        if name == "metadata_keys" and self._metadata is not None and self._edit is not None:
            excerpt = self._edit.excerpt
            return tuple(
                _rebase_children(
                    old,
                    self._metadata,
                    self._shift,
                    lambda start, end: [
                        key.moved_by(start)
                        for key in metadata_keys_between(
                            excerpt(start, end), _holder(0, end - start)
                        )
                    ],
                    MetadataKey.moved_by,
                )[0]
            )
        return None

    def _table(self, old: SiteTable[SiteElement]) -> SiteTable[SiteElement]:
        """The lookup table of the sites, grouped by id and by name."""
        sites = self._sites
        if self._site_groups is not None:
            by_id, by_name, moves, gone = self._site_groups
            self._site_groups = None
            removed, added = moves.replaced()
            by_id = by_id.moved(
                sites,
                moves.kept,
                [(e.id, p) for e, p in zip(gone, removed, strict=True)],
                [(sites[p].id, p) for p in added],
            )
            by_name = by_name.moved(
                sites,
                moves.kept,
                [(name_key(e.name), p) for e, p in zip(gone, removed, strict=True)],
                [(name_key(sites[p].name), p) for p in added],
            )
        else:
            # Most names are those of the sites before the edit: their keys are known.
            keys = {entry.name: key for key, group in old.by_name.items() for entry in group}
            ids, names = _ids_and_names(sites)
            by_id = PositionGroups(grouped(zip(ids, range(len(ids)), strict=True)), sites)
            by_name = PositionGroups(
                grouped((keys.get(name) or name_key(name), p) for p, name in enumerate(names)),
                sites,
            )
        self.groups["by_id"], self.groups["by_name"] = by_id, by_name
        return SiteTable(
            sites,
            entry_identity,
            separate_ftp_ids=False,
            id_of=operator.attrgetter("id"),
            name_of=operator.attrgetter("name"),
            groups=Groups(lambda: by_id, lambda: by_name),
        )

    def _locations(self, old: tuple[LocationEntry, ...]) -> tuple[LocationEntry, ...]:
        assert self._configuration is not None
        assert self._edit is not None
        excerpt = self._edit.excerpt
        moved, _, moves = _rebase_children(
            old,
            self._configuration,
            self._shift,
            lambda start, end: [
                entry.moved_by(start)
                for entry in locations_between(excerpt(start, end), _holder(0, end - start))
            ],
            LocationEntry.moved_by,
        )
        if self._held_locations is not None:
            gone = [old[position] for position in moves.replaced()[0]]
            self._location_groups = (self._held_locations, moves, gone)
            self._held_locations = None
        return tuple(moved)

    def _locations_by_site(self, old: Mapping[str, tuple[LocationEntry, ...]]) -> object | None:
        locations = self("locations")
        if not isinstance(locations, tuple):
            return None
        if self._location_groups is not None:
            groups, moves, gone = self._location_groups
            self._location_groups = None
            removed, added = moves.replaced()
            by_site = groups.moved(
                locations,
                moves.kept,
                [
                    (name_key(e.site_name), p)
                    for e, p in zip(gone, removed, strict=True)
                    if e.site_name is not None
                ],
                [
                    (name_key(site_name), p)
                    for p in added
                    if (site_name := locations[p].site_name) is not None
                ],
            )
        else:
            path_keys = {loc.path: key for key, group in old.items() for loc in group}
            by_site = PositionGroups(
                grouped(
                    (path_keys.get(loc.path) or name_key(loc.site_name), p)
                    for p, loc in enumerate(locations)
                    if loc.site_name is not None
                ),
                locations,
            )
        self.groups["locations_by_site"] = by_site
        return by_site


_Groups = PositionGroups[Any, Any]


def _ids_and_names(sites: Sequence[SiteElement]) -> tuple[Sequence[int], Sequence[str]]:
    """The ids and names of ``sites``, read from its columns where it has them."""
    if isinstance(sites, SiteColumns):
        return sites.ids, sites.names
    return [e.id for e in sites], [e.name for e in sites]


_LOOKUPS = ("table", "locations", "locations_by_site", "metadata_keys")


class _Located:
    """What :func:`entry_from_span` needs of a document: its text, and errors, which a
    fresh index words instead (the index is built again)."""

    def __init__(self, edit: TextEdit) -> None:
        self._edit = edit

    @property
    def text(self) -> str:
        return self._edit.text

    def parse_error(self, offset: int, message: str) -> ParseError:
        raise _RebuildError(message)


class _RebuildError(Exception):
    """A stretch read again holds what a fresh index reports as an error."""


def _moved_span(span: tuple[int, int, int, int, str], delta: int) -> tuple[int, int, int, int, str]:
    start, content_start, content_end, end, attributes = span
    return start + delta, content_start + delta, content_end + delta, end + delta, attributes


def _holder(start: int, end: int) -> Element:
    """An element whose content is ``start..end``: what the child readers take."""
    return Element(Tag(TagKind.START, "", start, start), Tag(TagKind.END, "", end, end))


def _rebase_children(
    items: Sequence[_Item],
    parent: Element,
    shift: Shift,
    rescan: Callable[[int, int], list[_Item]],
    move: Callable[[_Item, int], _Item],
) -> tuple[list[_Item], list[Reread], _Moves]:
    """The children ``items`` of ``parent`` in the new text (see :func:`plan`), the
    stretches read again, and where the items kept went."""
    steps = plan(
        [item.start for item in items],
        [item.end for item in items],
        shift,
        (parent.content_start, parent.content_end),
    )
    result: list[_Item] = []
    kept: list[tuple[int, int, int]] = []
    for step in steps:
        if isinstance(step, Kept):
            kept.append((step.first, step.last, len(result)))
            if step.delta:
                result.extend(move(item, step.delta) for item in items[step.first : step.last])
            else:
                result.extend(items[step.first : step.last])
        else:
            result.extend(rescan(step.new_start, step.new_end))
    moves = _Moves(kept, len(items), len(result))
    return result, [step for step in steps if isinstance(step, Reread)], moves


class _Moves:
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
