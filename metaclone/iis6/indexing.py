"""Building the key index of a metabase: the ``<MBProperty>`` element, then the fast pass
of :func:`~metaclone.iis6.keys.scan_keys` or, where it cannot read the content, the exact
scanner, which tracks depth tag by tag.  Both give the same index; ``exact=True`` asks for the
exact scanner, so that the two can be compared through public API.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable

from metaclone.errors import UnsupportedDocumentError
from metaclone.iis6.key_scan import scan_keys
from metaclone.iis6.keys import INHERITED_PROPERTIES, SITE_KEY_TYPES, KeyTable
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element, Tag, TagKind, XmlDocument, markup
from metaclone.lossless.values import decode_attribute_value

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
