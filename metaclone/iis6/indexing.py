"""Building the key index of a metabase: the ``<MBProperty>`` element, then the fast pass
of :func:`~metaclone.iis6.keys.scan_keys` or, where it cannot read the content, the exact
scanner, which tracks depth tag by tag.  Both give the same index; ``exact=True`` asks for the
exact scanner, so that the two can be compared through public API.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable

from metaclone.errors import UnsupportedDocumentError
from metaclone.iis6.key_paths import PositionMove
from metaclone.iis6.key_scan import scan_keys
from metaclone.iis6.keys import INHERITED_PROPERTIES, SITE_KEY_TYPES, KeyTable, ServerKeyEntry
from metaclone.iis6.names import server_comment_keys
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element, Tag, TagKind, XmlDocument, markup
from metaclone.lossless.columns import ColumnBuilder
from metaclone.lossless.shift import Kept, Reread, Shift, TextEdit, plan
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.build import paused_garbage_collection

# The exact scanner: every tag, opaque markup first.  Groups: 1 "/" of an end tag, 2 name,
# 3 attribute text (ending in "/" for an empty-element tag).
TOP_LEVEL_TAG = lazy_pattern(
    lambda: re.compile(
        rf"<(?:{markup.OPAQUE}"
        rf"|(/?)({markup.NAME})((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>)",
        re.S,
    )
)
_FIRST_LOCATION = lazy_pattern(lambda: re.compile(r"\s+Location\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"))

#: Reads the Location of a tag the fast pass could not (``None`` for a tag that is no key).
LocationReader = Callable[[re.Match[str]], "str | None"]


def index_keys(xml: XmlDocument, start: int, end: int, *, exact: bool = False) -> KeyTable:
    """The index of the keys in ``xml.text[start:end]`` (the content of ``<MBProperty>``):
    by the fast pass unless it cannot read the content or ``exact`` asks for the exact
    scanner.  A key without Location raises :class:`~metaclone.errors.ParseError`."""
    text = xml.text
    location_of = location_reader(xml)

    def exactly() -> KeyTable:
        return scan_exactly(text, start, end, location_of)

    table = exactly() if exact else scan_keys(text, start, end, exactly)
    table.content = (start, end)
    return table


class _NotFastError(Exception):
    """A stretch the fast pass cannot read: the index is built again."""


def _fast_only() -> KeyTable:
    raise _NotFastError


def rebase_keys(table: KeyTable, edit: TextEdit) -> KeyTable | None:
    """The key index ``table`` for the text ``edit`` made: the keys the patches left alone
    moved, the stretches they touched read again by the fast pass; None when only a new index
    will do (the exact scanner made this one, or the patches touch ``<MBProperty>``'s tags)."""
    if table.content is None or not table.from_fast_pass:
        return None
    shift = Shift(edit.patches)
    content_start, content_end = table.content
    if shift.touches(content_start - 1, content_start) or shift.touches(
        content_end, content_end + 1
    ):
        return None
    try:
        with paused_garbage_collection():
            return _rebased(table, edit, shift)
    except _NotFastError:
        return None


def _rebased(table: KeyTable, edit: TextEdit, shift: Shift) -> KeyTable:
    assert table.content is not None
    content_start, content_end = table.content
    starts, ends, sites = ColumnBuilder(), ColumnBuilder(), ColumnBuilder()
    locations: list[str] = []
    kept_sites = table.site_positions
    old_starts, old_ends = table.columns
    steps = plan(old_starts, old_ends, shift, table.content)
    parts: list[tuple[int, KeyTable]] = []
    move = PositionMove()
    for step in steps:
        if isinstance(step, Kept):
            move.keep(step.first, step.last, len(locations))
            # Runs the edit left alone are copied and moved by a delta recorded once.
            starts.keep(old_starts, step.first, step.last, step.delta)
            ends.keep(old_ends, step.first, step.last, step.delta)
            low = bisect.bisect_left(kept_sites, step.first)
            high = bisect.bisect_left(kept_sites, step.last)
            sites.keep(kept_sites, low, high, len(locations) - step.first)
            locations.extend(table.locations[step.first : step.last])
            continue
        # The stretch alone: the pattern has no anchor or look-behind, and a match ends at
        # the stretch's end as it does at ``endpos``.
        window = edit.excerpt(step.new_start, step.new_end)
        part = scan_keys(window, 0, len(window), _fast_only)
        parts.append((len(locations), part))
        sites.add([p + len(locations) for p in part.site_positions])
        starts.add([start + step.new_start for start in part.starts])
        ends.add([end + step.new_start for end in part.ends])
        locations.extend(part.locations)
    source = edit.text if edit.reader is None else edit.reader
    rebased = KeyTable(
        source, starts.build(), ends.build(), locations, site_positions=sites.build()
    )
    rebased.content = (
        content_start + shift.after(content_start),
        content_end + shift.before(content_end),
    )
    _carry_sites(table, rebased, steps, parts)
    _carry_paths(table, rebased, steps, parts, move)
    _carry_names(table, rebased, edit, steps)
    return rebased


def _carry_names(
    table: KeyTable, rebased: KeyTable, edit: TextEdit, steps: list[Kept | Reread]
) -> None:
    """The names ``table`` counted, less those of the stretches read again as they were,
    plus those of the same stretches now: only the keys a stretch holds changed."""
    names = table.__dict__.pop("names", None)
    if names is None:
        return
    for step in steps:
        if isinstance(step, Reread):
            names.change(
                server_comment_keys(edit.text_before(step.old_start, step.old_end)),
                server_comment_keys(edit.excerpt(step.new_start, step.new_end)),
            )
    rebased.__dict__["names"] = names


def _carry_sites(
    table: KeyTable,
    rebased: KeyTable,
    steps: list[Kept | Reread],
    parts: list[tuple[int, KeyTable]],
) -> None:
    """The site entries of ``table``, if it listed them, moved into ``rebased``."""
    if "site_entries" not in table.__dict__:
        return
    old_entries = table.site_entries
    at = [entry.position for entry in old_entries]
    entries: list[ServerKeyEntry] = []
    pending = iter(parts)
    position = 0
    for step in steps:
        if isinstance(step, Kept):
            base = position - step.first
            low, high = bisect.bisect_left(at, step.first), bisect.bisect_left(at, step.last)
            entries.extend(
                ServerKeyEntry(e.service, e.id, e.segment, e.position + base, rebased)
                for e in old_entries[low:high]
            )
            position += step.last - step.first
            continue
        offset, part = next(pending)
        entries.extend(
            ServerKeyEntry(e.service, e.id, e.segment, e.position + offset, rebased)
            for e in part.site_entries
        )
        position = offset + len(part)
    rebased.__dict__["site_entries"] = tuple(entries)
    if "site_entries_by_id" in table.__dict__:
        # Built here, while the collector is paused, rather than on the next lookup.
        _ = rebased.site_entries_by_id


def _carry_paths(
    table: KeyTable,
    rebased: KeyTable,
    steps: list[Kept | Reread],
    parts: list[tuple[int, KeyTable]],
    move: PositionMove,
) -> None:
    """The lookups by path of ``table`` (its groups by site, the ids it counted) moved into
    ``rebased`` and changed by the keys the edit removed and read."""
    gone: list[str] = []
    done = 0
    for step in steps:
        if isinstance(step, Kept):
            gone.extend(table.locations[done : step.first])
            done = step.last
    gone.extend(table.locations[done:])
    added = [(offset + i, path) for offset, part in parts for i, path in enumerate(part.locations)]
    rebased.paths.take_over(table.paths, move, gone, added)


def find_mbproperty(xml: XmlDocument) -> Element:
    """The ``<MBProperty>`` element of ``<configuration>``, which holds the keys."""
    root = xml.root
    if root.name != "configuration":
        raise UnsupportedDocumentError(
            f"<{root.name}> is not the root of an IIS 6 metabase (<configuration> with "
            "<MBProperty> inside)",
            path=xml.path,
        )
    # <MBProperty> holds nearly the whole file, and is the last child of <configuration>.
    first = next(xml.child_tags(root), None)
    found = None
    if first is not None and first.name == "MBProperty":
        found = xml.last_element_at(first, root.content_end)
    if found is None:
        found = xml.child(root, "MBProperty")
    if found is None:
        raise xml.parse_error(
            root.start,
            "this metabase has no <MBProperty> element: MetaBase.xml and iiscnfg export "
            "files keep every key inside <configuration><MBProperty>",
        )
    return found


def location_reader(xml: XmlDocument) -> LocationReader:
    """Reads the Location of each top-level tag of the exact scanner (a
    :data:`TOP_LEVEL_TAG` match): None for an element that is no key; a key without one
    raises."""

    def location_of(match: re.Match[str]) -> str | None:
        first = first_location(xml.text, match)
        if first is not None:
            return first
        name = match.group(2)
        tag = Tag(TagKind.START, name, match.start(), match.end())
        location = xml.get(tag, "Location")
        if location is not None:
            return location
        if name == INHERITED_PROPERTIES:
            return None
        raise xml.parse_error(
            match.start(),
            f"<{name}> has no Location attribute: every key under <MBProperty> names its "
            'metabase path, e.g. Location ="/LM/W3SVC/1"',
        )

    return location_of


def scan_exactly(text: str, start: int, end: int, location_of: LocationReader) -> KeyTable:
    starts: list[int] = []
    ends: list[int] = []
    types: list[str] = []
    locations: list[str] = []
    depth = 0
    open_name = open_location = ""
    open_start = 0
    for match in TOP_LEVEL_TAG.finditer(text, start, end):
        name = match.group(2)
        if name is None:
            continue
        if match.group(1):
            depth -= 1
            if depth == 0 and open_name:
                starts.append(open_start)
                ends.append(match.end())
                types.append(open_name)
                locations.append(open_location)
            continue
        empty = match.group(3).endswith("/")
        if depth > 0:
            depth += 0 if empty else 1
            continue
        location = location_of(match)
        if location is None:
            open_name = ""
        elif empty:
            starts.append(match.start())
            ends.append(match.end())
            types.append(name)
            locations.append(location)
        else:
            open_name, open_location, open_start = name, location, match.start()
        if not empty:
            depth = 1
    sites = [i for i, t in enumerate(types) if t in SITE_KEY_TYPES]
    return KeyTable(
        text, array("q", starts), array("q", ends), locations, site_positions=sites, types=types
    )


def first_location(text: str, match: re.Match[str]) -> str | None:
    """The Location of a :data:`TOP_LEVEL_TAG` match when it is the tag's first attribute,
    as IIS writes it."""
    first = _FIRST_LOCATION.match(text, match.start(3))
    if first is None:
        return None
    raw = first.group(1) if first.group(1) is not None else first.group(2)
    return decode_attribute_value(raw)
